// /_sim/... : the control API over HTTP (same operations as the in-process `control`).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { SimulatorControl } from '../control.js'
import { RecordWriteError } from '../control.js'
import type { FaultSpec } from '../state.js'
import { queryParams } from './http.js'

type Body = Record<string, any>

function body(request: FastifyRequest): Body {
  const b = request.body
  return b && typeof b === 'object' && !Array.isArray(b) ? (b as Body) : {}
}

function params(request: FastifyRequest): Record<string, string> {
  return request.params as Record<string, string>
}

export function registerControlRoutes(app: FastifyInstance, control: SimulatorControl): void {
  /** Control errors are the caller's mistake: 400 with the reason (404 for unknown IDs). */
  const handle =
    (fn: (request: FastifyRequest, reply: FastifyReply) => unknown) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      try {
        const result = await fn(request, reply)
        if (reply.sent) return reply
        return result === undefined ? reply.code(204).send() : reply.send(result)
      } catch (err) {
        if (err instanceof RecordWriteError) return reply.code(400).send({ error: err.message, errors: err.errors })
        const message = err instanceof Error ? err.message : String(err)
        return reply.code(/^unknown /.test(message) ? 404 : 400).send({ error: message })
      }
    }

  app.get(
    '/_sim/users',
    handle(() => control.users()),
  )
  app.post(
    '/_sim/users',
    handle((r, reply) =>
      reply.code(201).send(control.createUser(body(r) as Parameters<SimulatorControl['createUser']>[0])),
    ),
  )
  app.get(
    '/_sim/users/:id',
    handle((r) => control.user(params(r).id)),
  )
  app.post(
    '/_sim/users/:id/reset-token',
    handle((r) => ({ securityToken: control.resetToken(params(r).id) })),
  )
  app.post(
    '/_sim/users/:id/password',
    handle((r) => ({ securityToken: control.changePassword(params(r).id, String(body(r).password ?? '')) })),
  )
  app.post(
    '/_sim/users/:id/password-expired',
    handle((r) => control.setPasswordExpired(params(r).id, body(r).expired !== false)),
  )
  app.post(
    '/_sim/users/:id/unlock',
    handle((r) => control.unlockUser(params(r).id)),
  )
  app.post(
    '/_sim/users/:id/active',
    handle((r) => control.setUserActive(params(r).id, body(r).active !== false)),
  )
  app.post(
    '/_sim/users/:id/preauthorize',
    handle((r) => control.preauthorize(params(r).id, body(r).consumerKey)),
  )
  app.post(
    '/_sim/users/:id/revoke-tokens',
    handle((r) => control.revokeUserTokens(params(r).id)),
  )
  app.put(
    '/_sim/users/:id/permissions',
    handle((r) => control.setUserPermissions(params(r).id, body(r))),
  )
  app.get(
    '/_sim/app',
    handle(() => control.app()),
  )
  app.put(
    '/_sim/app',
    handle((r) => control.setApp(body(r))),
  )

  app.get(
    '/_sim/orgs',
    handle(() => control.orgs()),
  )
  app.post(
    '/_sim/orgs',
    handle((r, reply) =>
      reply.code(201).send(control.createOrg(body(r) as Parameters<SimulatorControl['createOrg']>[0])),
    ),
  )
  app.get(
    '/_sim/orgs/:id/settings',
    handle((r) => control.orgSettings(params(r).id)),
  )
  app.put(
    '/_sim/orgs/:id/settings',
    handle((r) => control.setOrgSettings(params(r).id, body(r))),
  )
  app.post(
    '/_sim/orgs/:id/reset-api-usage',
    handle((r) => control.resetApiUsage(params(r).id)),
  )

  app.post(
    '/_sim/jwt-certificates',
    handle((r) =>
      control.registerJwtCertificate(String(body(r).consumerKey ?? ''), String(body(r).certificatePem ?? '')),
    ),
  )
  app.get(
    '/_sim/canvas',
    handle(() => ({ canvasAppUrl: control.canvasAppUrl() })),
  )
  app.put(
    '/_sim/canvas',
    handle((r) => control.setCanvasAppUrl(body(r).canvasAppUrl ?? null)),
  )
  app.get(
    '/_sim/signed-request',
    handle((r) => ({ signedRequest: control.signedRequest(queryParams(r).user) })),
  )

  app.post(
    '/_sim/sessions/expire',
    handle(() => ({ expired: control.expireSessions() })),
  )

  app.get(
    '/_sim/faults',
    handle(() => control.faults()),
  )
  app.post(
    '/_sim/faults',
    handle((r, reply) => reply.code(201).send({ id: control.addFault(body(r) as FaultSpec) })),
  )
  app.delete(
    '/_sim/faults',
    handle(() => control.clearFaults()),
  )

  app.get(
    '/_sim/counters',
    handle(() => control.counters()),
  )
  app.post(
    '/_sim/counters/reset',
    handle(() => control.resetCounters()),
  )
  app.get(
    '/_sim/outbox',
    handle((r) => control.outbox(queryParams(r).to)),
  )

  app.post(
    '/_sim/seed',
    handle((r) => control.seed(body(r))),
  )
  app.get(
    '/_sim/records/:type',
    handle((r) => {
      const q = queryParams(r)
      return control.records(params(r).type, {
        email: q.email,
        orgId: q.orgId,
        limit: q.limit ? Number(q.limit) : 200,
        includeDeleted: q.includeDeleted === 'true',
      })
    }),
  )
  app.post(
    '/_sim/records/:type',
    handle((r, reply) => {
      const raw = r.body
      const orgId = queryParams(r).orgId
      const created = Array.isArray(raw)
        ? raw.map((values) => control.insertRecord(params(r).type, values as Body, orgId))
        : control.insertRecord(params(r).type, body(r), orgId)
      return reply.code(201).send(created)
    }),
  )
  app.patch(
    '/_sim/records/:type/:id',
    handle((r) => control.updateRecord(params(r).type, params(r).id, body(r))),
  )
  app.patch(
    '/_sim/records/:type',
    handle((r) => {
      const { email, orgId } = queryParams(r)
      if (!email) throw new Error('PATCH /_sim/records/:type needs ?email= (or use /_sim/records/:type/:id)')
      return control.updateRecordsByEmail(params(r).type, email, body(r), orgId)
    }),
  )
}
