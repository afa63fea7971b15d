/**
 * Notification settings and previews for the signed-in person, and the unsubscribe link of
 * every notification email. `GET` (the link) only asks: mail scanners and link previews open
 * links by themselves, and an alert a scanner turned off is one the person never gets. `POST`
 * turns the emails off: the page's button, or a mail provider's one-click (RFC 8058
 * `List-Unsubscribe-Post`). The page that follows turns them back on. The token is the
 * authority, so these routes need no session.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../errors.js'
import { requireAccount } from '../http/auth.js'
import type { NotificationService } from './service.js'
import { LINK_ACCOUNTS_ROUTE } from './service.js'
import { escapeHtml } from '../http/html.js'
import {
  ErrorRef,
  NotificationPreviewSchema,
  NotificationSettingsBodySchema,
  NotificationSettingsSchema,
} from '../contract/index.js'

const TokenQuery = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) })
const tokenRateLimit = { max: 30, timeWindow: '1 minute' }

/** `a••••@example.com`: enough for the person to recognise, not a directory of addresses. */
function maskEmail(email: string): string {
  const at = email.lastIndexOf('@')
  return at <= 0 ? '••••' : `${email[0]}••••${email.slice(at)}`
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · SF Link</title></head>
<body style="font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #181818; max-width: 560px; margin: 48px auto; padding: 0 16px; line-height: 1.5;">
<h1 style="font-size: 22px;">${escapeHtml(title)}</h1>
${body}
</body></html>
`
}

export const notificationRoutes: FastifyPluginAsyncTypebox<{ notifications: NotificationService }> = async (
  app,
  { notifications },
) => {
  // One-click unsubscribe posts `List-Unsubscribe=One-Click` as a form, and the page's button
  // posts a form: accepted here only (everywhere else forms are refused, http/body-parsing.ts).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, _body, done) =>
    done(null, {}),
  )

  const view = async (accountId: string) => ({
    ...(await notifications.settings(accountId)),
    recent: (await notifications.recent(accountId)).map((r) => ({
      kind: r.kind,
      status: r.status,
      createdAt: r.createdAt.toISOString(),
      sentAt: r.sentAt?.toISOString() ?? null,
      note: r.status === 'sent' ? null : r.lastError,
    })),
  })

  app.get(
    '/api/notifications/settings',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['notifications'],
        summary: 'Whether SF Link emails you when Salesforce access needs attention, and the latest such emails',
        response: { 200: NotificationSettingsSchema },
      },
    },
    async (request) => view(requireAccount(request).accountId),
  )

  app.put(
    '/api/notifications/settings',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['notifications'],
        summary: 'Turn the Salesforce access emails on or off',
        body: NotificationSettingsBodySchema,
        response: { 200: NotificationSettingsSchema, 400: ErrorRef },
      },
    },
    async (request) => {
      const { accountId } = requireAccount(request)
      await notifications.setAccessEmails(accountId, request.body.accessEmails)
      return view(accountId)
    },
  )

  app.get(
    '/api/notifications/preview/:kind',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['notifications'],
        summary: 'A notification email as you would get it, with example data (format json, html or text)',
        params: Type.Object({ kind: Type.String({ maxLength: 40 }) }),
        querystring: Type.Object({
          format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('html'), Type.Literal('text')])),
        }),
        response: {
          200: NotificationPreviewSchema,
          // Untyped on purpose: with format=html or text the 200 answer is a string, not the JSON above.
          404: { $ref: 'Error#' },
        },
      },
    },
    async (request, reply) => {
      const { accountId } = requireAccount(request)
      const mail = await notifications.preview(request.params.kind, accountId)
      if (request.query.format === 'html') return reply.type('text/html; charset=utf-8').send(mail.html)
      if (request.query.format === 'text') return reply.type('text/plain; charset=utf-8').send(mail.text)
      return { kind: request.params.kind, ...mail }
    },
  )

  /** People follow these links in a browser: errors come as a page there, as JSON elsewhere. */
  const wantsPage = (request: FastifyRequest) => (request.headers.accept ?? '').includes('text/html')

  function linkError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    if (!(err instanceof AppError) || !wantsPage(request)) throw err
    return reply
      .code(err.status)
      .type('text/html; charset=utf-8')
      .send(page('This link does not work', `<p>${escapeHtml(err.message)}</p><p><code>${err.code}</code></p>`))
  }

  const actionUrl = (wanted: boolean, token: string) =>
    `/notifications/${wanted ? 'resubscribe' : 'unsubscribe'}?token=${encodeURIComponent(token)}`

  const button = (action: string, label: string, testId: string) =>
    `<form method="post" action="${escapeHtml(action)}"><button type="submit" data-testid="${testId}" style="padding: 8px 14px;">${label}</button></form>`

  /** After a choice (or opening the link once unsubscribed): what now holds, and the button back. */
  function resultPage(wanted: boolean, email: string | null, token: string): string {
    const who = email ? ` to <strong>${escapeHtml(maskEmail(email))}</strong>` : ''
    const body = wanted
      ? `<p data-testid="subscribed">SF Link will email you${who} again when its access to Salesforce needs attention.</p>`
      : `<p data-testid="unsubscribed">SF Link will no longer email you${who} when its access to Salesforce needs attention.
   You still see the banner in SF Link, and you can turn the emails back on any time under
   <a href="${LINK_ACCOUNTS_ROUTE}">Settings → Link Accounts</a>.</p>`
    return page(
      wanted ? 'Emails turned back on' : 'You are unsubscribed',
      `${body}\n${
        wanted
          ? button(actionUrl(false, token), 'Unsubscribe again', 'unsubscribe-button')
          : button(actionUrl(true, token), 'Turn these emails back on', 'resubscribe-button')
      }`,
    )
  }

  /** The link itself: asks before the button turns the emails off, and changes nothing. */
  async function confirm(request: FastifyRequest, reply: FastifyReply, token: string): Promise<FastifyReply> {
    let target: { email: string; accessEmails: boolean }
    try {
      target = await notifications.unsubscribeTarget(token)
    } catch (err) {
      return linkError(err, request, reply)
    }
    reply.header('cache-control', 'no-store')
    if (!wantsPage(request)) return reply.send({ accessEmails: target.accessEmails })
    if (!target.accessEmails) return reply.type('text/html; charset=utf-8').send(resultPage(false, target.email, token))
    return reply.type('text/html; charset=utf-8').send(
      page(
        'Stop these emails?',
        `<p data-testid="unsubscribe-confirm">SF Link emails <strong>${escapeHtml(maskEmail(target.email))}</strong> when its access to Salesforce needs attention
   (a changed password or security token, a revoked approval), so that mailing lists and unsubscribe
   synchronisation don't stop unnoticed. Nothing has changed yet.</p>
${button(actionUrl(false, token), 'Unsubscribe', 'unsubscribe-button')}`,
      ),
    )
  }

  /** The button, or a mail provider's one-click: turns the emails off (or on again). */
  async function answer(
    request: FastifyRequest,
    reply: FastifyReply,
    wanted: boolean,
    token: string,
  ): Promise<FastifyReply> {
    let email: string | null
    try {
      ;({ email } = await notifications.unsubscribe(token, wanted))
    } catch (err) {
      return linkError(err, request, reply)
    }
    reply.header('cache-control', 'no-store')
    if (!wantsPage(request)) return reply.send({ accessEmails: wanted })
    return reply.type('text/html; charset=utf-8').send(resultPage(wanted, email, token))
  }

  const tokenRoute = (summary: string) => ({
    config: { rateLimit: tokenRateLimit },
    schema: {
      tags: ['notifications'],
      summary,
      querystring: TokenQuery,
      response: { 400: { $ref: 'Error#' } },
    },
  })
  app.get(
    '/notifications/unsubscribe',
    tokenRoute(
      'The unsubscribe link of notification emails: a page asking to confirm (JSON: the current choice); changes nothing',
    ),
    (request, reply) => confirm(request, reply, request.query.token),
  )
  app.post(
    '/notifications/unsubscribe',
    tokenRoute('Unsubscribes: the confirmation button, or one-click from the mail provider (List-Unsubscribe-Post)'),
    (request, reply) => answer(request, reply, false, request.query.token),
  )
  app.post(
    '/notifications/resubscribe',
    tokenRoute('Turns notification emails back on from the unsubscribe page'),
    (request, reply) => answer(request, reply, true, request.query.token),
  )
}
