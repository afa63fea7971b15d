/** `POST /canvas` (the iframe entry) and `POST /canvas/session` (renewal). Thin: the service decides. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import formbody from '@fastify/formbody'
import { AppError } from '../errors.js'
import { htmlErrors } from '../http/error-handler.js'
import { canvasErrorPage } from './page.js'
import { CanvasSessionBodySchema, ErrorRef, SessionTokenSchema } from '../contract/index.js'
import type { CanvasService, CanvasBootstrap } from './service.js'

export const CANVAS_BODY_LIMIT = 64 * 1024

export const canvasRoutes: FastifyPluginAsyncTypebox<{
  canvas: CanvasService
  renderPage: (b: CanvasBootstrap) => string
}> = async (app, { canvas, renderPage }) => {
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
