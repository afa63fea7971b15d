/**
 * Demo mode only: `GET /demo.json` (where the simulated Salesforce is, who can log in to it,
 * what it can be made to do, and where caught mail is), `POST /demo/actions/:action` (makes the
 * simulated Salesforce do it, through its control API), and the mail catcher's `GET /demo/mail`
 * (JSON, or the page when a browser asks for HTML) and `GET /demo/mail.html`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@fastify/type-provider-typebox'

import type { DemoInfo } from './info.js'
import { AppError } from '../errors.js'
import { DEMO_ACTIONS, controlRequest, isDemoAction } from './actions.js'
import {
  DemoActionBodySchema,
  DemoActionResultSchema,
  DemoInfoSchema,
  ErrorRef,
  type DemoActionResult,
  type DemoInfoView,
} from '../contract/index.js'
import type { CaughtMail } from './mail-catcher.js'
import { escapeHtml } from '../http/html.js'

const MailSchema = Type.Object({
  to: Type.String(),
  subject: Type.String(),
  text: Type.String(),
  html: Type.Union([Type.String(), Type.Null()]),
  sentAt: Type.String(),
  from: Type.String(),
  headers: Type.Record(Type.String(), Type.String()),
})

/** Plain text with its http(s) links clickable (escaped first, so nothing in a mail becomes markup). */
function linkify(text: string): string {
  return escapeHtml(text).replace(
    /https?:\/\/[^\s<>"']+/g,
    (url) => `<a href="${url}" data-testid="mail-link">${url}</a>`,
  )
}

function mailPage(mails: CaughtMail[]): string {
  const items = mails
    .map(
      (
        m,
      ) => `<article class="mail" data-testid="mail" style="border: 1px solid #e5e5e5; border-radius: 4px; padding: 12px 16px; margin: 0 0 16px;">
<h2 style="font-size: 16px; margin: 0 0 4px;" data-testid="mail-subject">${escapeHtml(m.subject)}</h2>
<p style="margin: 0 0 8px; color: #5c5c5c; font-size: 13px;">To <span data-testid="mail-to">${escapeHtml(m.to)}</span> · from ${escapeHtml(m.from)} · ${escapeHtml(m.sentAt)}</p>
<pre style="white-space: pre-wrap; font: inherit; margin: 0;">${linkify(m.text)}</pre>
${
  m.html
    ? `<details style="margin-top: 8px;"><summary>HTML version</summary><iframe sandbox title="HTML version of ${escapeHtml(m.subject)}" srcdoc="${escapeHtml(m.html)}" style="width: 100%; height: 420px; border: 1px solid #e5e5e5;"></iframe></details>`
    : ''
}
</article>`,
    )
    .join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo mail · SF Link</title></head>
<body style="font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #181818; max-width: 800px; margin: 24px auto; padding: 0 16px; line-height: 1.5;">
<h1 style="font-size: 22px;">Mail SF Link sent (demo mail catcher)</h1>
<p>Demo mode sends every email to this catcher instead of the internet. Newest first.
<a href="/demo/mail.html">Refresh</a> · <a href="/demo/mail">JSON</a> · <a href="/">Back to SF Link</a></p>
${items || '<p data-testid="no-mail">No mail yet. Emails appear here when, for example, Salesforce access needs attention.</p>'}
</body></html>
`
}

export const demoRoutes: FastifyPluginAsyncTypebox<{ demo: DemoInfo; publicUrl: string }> = async (
  app,
  { demo, publicUrl },
) => {
  app.get(
    '/demo.json',
    {
      schema: {
        tags: ['demo'],
        summary: 'Demo mode: the simulator, its users, what it can be made to do, and the caught mail',
        response: { 200: DemoInfoSchema },
      },
    },
    async (): Promise<DemoInfoView> => ({
      simulatorUrl: demo.simulatorUrl,
      canvasHostUrl: `${demo.simulatorUrl}/canvas-host`,
      ...(demo.mail ? { mailUrl: `${publicUrl}/demo/mail` } : {}),
      users: await demo.users(),
      actions: [...DEMO_ACTIONS],
    }),
  )

  app.post(
    '/demo/actions/:action',
    {
      config: { sameOrigin: true },
      schema: {
        tags: ['demo'],
        summary: 'Demo mode: make the simulated Salesforce reset a token, change a password, expire sessions, …',
        params: Type.Object({ action: Type.String({ maxLength: 40 }) }),
        body: DemoActionBodySchema,
        response: { 200: DemoActionResultSchema, 400: ErrorRef, 404: ErrorRef, 503: ErrorRef },
      },
    },
    async (request): Promise<DemoActionResult> => {
      const { action } = request.params
      if (!isDemoAction(action)) throw new AppError('NOT_FOUND', 'There is no such demo action.')
      const user = (await demo.users()).find((u) => u.id === request.body.userId)
      if (!user) throw new AppError('NOT_FOUND', 'There is no such demo user.')
      const call = controlRequest(action, user)
      const res = await fetch(new URL(call.path, demo.simulatorUrl), {
        method: call.method,
        headers: call.body ? { 'content-type': 'application/json' } : {},
        body: call.body ? JSON.stringify(call.body) : undefined,
        signal: AbortSignal.timeout(5_000),
      }).catch(() => null)
      if (!res?.ok) throw new AppError('SERVICE_UNAVAILABLE', 'The simulated Salesforce did not answer. Try again.')
      await res.body?.cancel()
      const { label, explanation } = DEMO_ACTIONS.find((a) => a.id === action)!
      return { action, label, explanation }
    },
  )

  const mail = demo.mail
  if (!mail) return
  const list = () =>
    mail.list().map((m) => ({
      to: m.to,
      subject: m.subject,
      text: m.text,
      html: m.html,
      sentAt: m.sentAt,
      from: m.from,
      headers: m.headers,
    }))
  app.get(
    '/demo/mail',
    {
      schema: {
        tags: ['demo'],
        summary: 'Demo mode: the mail SF Link sent, newest first (a browser asking for HTML gets the page)',
        response: { 200: Type.Array(MailSchema) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store')
      const accept = request.headers.accept ?? ''
      if (accept.includes('text/html'))
        return reply.type('text/html; charset=utf-8').send(mailPage(mail.list()) as never)
      return list()
    },
  )
  app.get('/demo/mail.html', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(mailPage(mail.list())),
  )
}
