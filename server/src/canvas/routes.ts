/** `POST /canvas` (the iframe entry) and `POST /canvas/session` (renewal). Thin: the service decides. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import formbody from '@fastify/formbody'
import { AppError } from '../errors.js'
import { htmlErrors } from '../http/error-handler.js'
import { canvasErrorPage } from './page.js'
import { APPROVAL_SCRIPT, APPROVAL_SCRIPT_PATH, approvalPage, outsideSalesforcePage } from './approval-page.js'
import { CanvasSessionBodySchema, ErrorRef, SessionTokenSchema } from '../contract/index.js'
import type { CanvasService, CanvasBootstrap } from './service.js'

export const CANVAS_BODY_LIMIT = 64 * 1024

export const canvasRoutes: FastifyPluginAsyncTypebox<{
  canvas: CanvasService
  renderPage: (b: CanvasBootstrap) => string
  /** The Canvas SDK's URL in the UI build (null before a build). */
  sdkUrl: () => string | null
  /** The environment for a login URL Salesforce names (`production` when it is not an allowed one). */
  environmentFor: (loginUrl: string | undefined) => string
}> = async (app, { canvas, renderPage, sdkUrl, environmentFor }) => {
  // Salesforce POSTs the signed request as a form: the only place SF Link reads forms (this
  // plugin's scope); every other route takes JSON only (server/src/http/body-parsing.ts).
  await app.register(formbody)
  // The entry answers with HTML, errors included: the person sees a page in the iframe.
  const canvasErrors = htmlErrors(canvasErrorPage, 'canvas entry failed')

  app.post(
    '/canvas',
    {
      bodyLimit: CANVAS_BODY_LIMIT,
      errorHandler: canvasErrors,
      // Only signed_request is read, and verifySignedRequest refuses any character outside base64url first.
      config: { bodyCheckedByRoute: true },
      schema: {
        tags: ['canvas'],
        summary: 'Canvas entry: Salesforce POSTs the signed request here (form field signed_request)',
        consumes: ['application/x-www-form-urlencoded'],
        produces: ['text/html'],
      },
    },
    async (request, reply) => {
      const type = request.headers['content-type'] ?? ''
      if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded'))
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Salesforce posts the signed request as a form.')
      const body = request.body as Record<string, unknown> | undefined
      const raw = body && typeof body === 'object' ? body.signed_request : undefined
      if (typeof raw !== 'string') throw new AppError('CANVAS_MALFORMED', 'The form field signed_request is missing.')
      const bootstrap = await canvas.enter(raw, { ip: request.ip, userAgent: request.headers['user-agent'] })
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderPage(bootstrap))
    },
  )

  app.get(
    '/canvas',
    {
      schema: {
        tags: ['canvas'],
        summary:
          'A self-authorizing canvas app before approval (_sfdc_canvas_authvalue=user_approval_required): explains and starts the approval, then asks Salesforce to POST the signed request; otherwise explains that SF Link opens inside Salesforce',
        querystring: Type.Object({
          _sfdc_canvas_authvalue: Type.Optional(Type.String({ maxLength: 64 })),
          loginUrl: Type.Optional(Type.String({ maxLength: 300 })),
        }),
        produces: ['text/html'],
      },
    },
    async (request, reply) => {
      const q = request.query
      const html =
        q._sfdc_canvas_authvalue === 'user_approval_required'
          ? approvalPage({
              startUrl: `/oauth/salesforce/start?${new URLSearchParams({
                intent: 'approve',
                environment: environmentFor(q.loginUrl),
              }).toString()}`,
              sdkUrl: sdkUrl(),
            })
          : outsideSalesforcePage()
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html)
    },
  )

  app.get(APPROVAL_SCRIPT_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(APPROVAL_SCRIPT),
  )

  app.post(
    '/canvas/session',
    {
      bodyLimit: CANVAS_BODY_LIMIT,
      schema: {
        tags: ['canvas'],
        summary: 'Renews the canvas session from a fresh signed request (Sfdc.canvas.client.refreshSignedRequest)',
        body: CanvasSessionBodySchema,
        response: {
          200: SessionTokenSchema,
          400: ErrorRef,
          401: ErrorRef,
        },
      },
    },
    async (request) => {
      const b = await canvas.enter(request.body.signedRequest, {
        ip: request.ip,
        userAgent: request.headers['user-agent'],
      })
      return { token: b.token, expiresAt: b.expiresAt, linked: b.linked }
    },
  )
}
