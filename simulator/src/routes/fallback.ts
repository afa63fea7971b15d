// What no route answers, in Salesforce's shapes: 404 NOT_FOUND for an unknown path, 405
// METHOD_NOT_ALLOWED for a known path with another method. And the org's API usage
// (Sforce-Limit-Info) on every REST response of a live session, errors included.
import type { FastifyInstance } from 'fastify'
import { useSession } from '../auth.js'
import type { SimulatorContext } from '../context.js'
import { bearerToken, JSON_TYPE, sendSfError } from './http.js'

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']

export function registerFallbacks(app: FastifyInstance, ctx: SimulatorContext): void {
  const { state } = ctx

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0]
    if (path === '/_sim' || path.startsWith('/_sim/')) {
      return reply
        .code(404)
        .type(JSON_TYPE)
        .send({ error: `unknown control route: ${request.method} ${path}` })
    }
    const allowed = METHODS.filter((method) => method !== request.method && app.findRoute({ method, url: path }))
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(','))
      return sendSfError(
        reply,
        405,
        'METHOD_NOT_ALLOWED',
        `HTTP Method '${request.method}' not allowed. Allowed are ${allowed.join(',')}`,
      )
    }
    return sendSfError(reply, 404, 'NOT_FOUND', 'The requested resource does not exist')
  })

  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.url.startsWith('/services/data/v') || reply.hasHeader('sforce-limit-info')) return payload
    const token = bearerToken(request)
    const session = token ? useSession(state, token, false) : undefined
    const org = session ? state.orgs.get(session.orgId) : undefined
    if (org) reply.header('Sforce-Limit-Info', `api-usage=${org.apiRequestsUsed}/${org.settings.apiRequestCap}`)
    return payload
  })
}
