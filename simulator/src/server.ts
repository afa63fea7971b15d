// Builds the simulator's Fastify app: parsers, fault injection, error shapes, and the routes.
import formbody from '@fastify/formbody'
import Fastify, { type FastifyInstance } from 'fastify'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { SimulatorContext } from './context.js'
import type { SimulatorControl } from './control.js'
import { defaultFaultBody, takeFault } from './faults.js'
import { registerCanvasHostRoutes } from './routes/canvas-host.js'
import { registerControlRoutes } from './routes/control.js'
import { registerFallbacks } from './routes/fallback.js'
import { JSON_TYPE, sendSfError } from './routes/http.js'
import { registerOAuthRoutes } from './routes/oauth.js'
import { registerRestRoutes } from './routes/rest.js'
import { registerDataControlRoutes } from './routes/data-control.js'
import { registerSoapRoutes } from './routes/soap.js'

export async function buildSimulatorApp(
  ctx: SimulatorContext,
  control: SimulatorControl,
  logger: boolean | Record<string, unknown>,
): Promise<FastifyInstance> {
  const { state } = ctx
  ctx.composite ??= { token: randomBytes(24).toString('hex'), journals: new Map() }
  const gate = ctx.composite
  // Salesforce accepts its documented URLs with or without a trailing slash (/query/?q=, /sobjects/, …).
  // forceCloseConnections: closing the simulator ends every connection at once, including a
  // results page whose reader went away mid-stream (it would otherwise wait for the keep-alive timeout).
  const app = Fastify({
    logger,
    bodyLimit: 64 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
    forceCloseConnections: true,
  })
  await app.register(formbody)

  app.addContentTypeParser(['text/xml', 'application/soap+xml'], { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  )
  // Salesforce answers bad JSON with JSON_PARSER_ERROR, and DELETE/GET may carry an empty JSON body.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') return done(null, undefined)
    try {
      done(null, JSON.parse(text))
    } catch (err) {
      const error = err as Error & { statusCode?: number }
      error.statusCode = 400
      done(error, undefined)
    }
  })
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/_sim')) return
    // A fault applies either to the HTTP requests clients send or (`subrequests: true`) to the
    // subrequests a /composite call runs, never to both.
    const fault = takeFault(state, request.method, request.url, request.headers['x-sim-subrequest'] === gate.token)
    if (!fault) return
    state.counters.faults.served++
    if (fault.delayMs) await sleep(fault.delayMs)
    if (fault.status === undefined) return
    let payload: string
    let type: string
    if (fault.body === undefined) {
      const fallback = defaultFaultBody(fault.status)
      payload = fallback.body
      type = fault.contentType ?? fallback.contentType
    } else if (typeof fault.body === 'string') {
      payload = fault.body
      type = fault.contentType ?? 'text/html'
    } else {
      payload = JSON.stringify(fault.body)
      type = fault.contentType ?? JSON_TYPE
    }
    reply.code(fault.status).type(type)
    for (const [name, value] of Object.entries(fault.headers ?? {})) reply.header(name, value)
    return reply.send(payload)
  })

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode ?? 500
    if (status >= 500) request.log.error({ err: error }, 'simulator error')
    if (request.url.startsWith('/services/data')) {
      return status < 500
        ? sendSfError(reply, status === 413 ? 413 : 400, 'JSON_PARSER_ERROR', error.message)
        : sendSfError(
            reply,
            500,
            'UNKNOWN_EXCEPTION',
            'An unexpected error occurred. Please include this ErrorId if you contact support.',
          )
    }
    return reply
      .code(status)
      .type(JSON_TYPE)
      .send({ error: status < 500 ? error.message : 'Internal simulator error' })
  })

  registerSoapRoutes(app, ctx)
  registerOAuthRoutes(app, ctx)
  registerRestRoutes(app, ctx)
  registerCanvasHostRoutes(app, ctx)
  registerControlRoutes(app, control)
  registerDataControlRoutes(app, control)
  registerFallbacks(app, ctx)
  return app
}
