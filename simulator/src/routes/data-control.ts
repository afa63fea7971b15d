// /_sim/schema/..., /_sim/campaigns/:id/statuses and /_sim/bulk: the data side of the control
// API over HTTP (same operations as `sim.control.addCustomField` and friends).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { SimulatorControl } from '../control.js'
import type { CustomFieldInput, FieldPatch } from '../org-schema.js'
import type { MemberStatusInput } from '../records.js'
import { queryParams } from './http.js'

type Body = Record<string, unknown>

function body(request: FastifyRequest): Body {
  const b = request.body
  return b && typeof b === 'object' && !Array.isArray(b) ? (b as Body) : {}
}

function params(request: FastifyRequest): Record<string, string> {
  return request.params as Record<string, string>
}

/** Control errors are the caller's mistake: 400 with the reason (404 for unknown objects, fields, records). */
const handle =
  (fn: (request: FastifyRequest, reply: FastifyReply) => unknown) =>
  async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    try {
      const result = await fn(request, reply)
      if (reply.sent) return reply
      return result === undefined ? reply.code(204).send() : reply.send(result)
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      return reply.code(/^unknown /.test(message) ? 404 : 400).send({ error: message })
    }
  }

export function registerDataControlRoutes(app: FastifyInstance, control: SimulatorControl): void {
  const orgId = (r: FastifyRequest) => {
    const b = body(r).orgId
    return typeof b === 'string' ? b : queryParams(r).orgId
  }
  app.get(
    '/_sim/schema/:type',
    handle((r) => control.describe(params(r).type, orgId(r))),
  )
  app.post(
    '/_sim/schema/:type/fields',
    handle((r, reply) => {
      const { orgId: _org, ...input } = body(r)
      return reply
        .code(201)
        .send(control.addCustomField(params(r).type, input as unknown as CustomFieldInput, orgId(r)))
    }),
  )
  app.patch(
    '/_sim/schema/:type/fields/:name',
    handle((r) => {
      const { orgId: _org, ...patch } = body(r)
      return control.updateField(params(r).type, params(r).name, patch as FieldPatch, orgId(r))
    }),
  )
  app.delete(
    '/_sim/schema/:type/fields/:name',
    handle((r) => control.removeField(params(r).type, params(r).name, orgId(r))),
  )
  app.get(
    '/_sim/schema/:type/record-types',
    handle((r) => control.recordTypes(params(r).type, orgId(r))),
  )
  app.post(
    '/_sim/schema/:type/record-types',
    handle((r, reply) => {
      const b = body(r)
      return reply.code(201).send(
        control.addRecordType({
          sobject: params(r).type,
          name: String(b.name ?? ''),
          developerName: typeof b.developerName === 'string' ? b.developerName : undefined,
          description: typeof b.description === 'string' ? b.description : undefined,
          isDefault: b.isDefault === true,
          orgId: orgId(r),
        }),
      )
    }),
  )
  app.get(
    '/_sim/bulk',
    handle(() => control.bulkSettings()),
  )
  app.put(
    '/_sim/bulk',
    handle((r) => control.setBulkSettings(body(r) as Parameters<SimulatorControl['setBulkSettings']>[0])),
  )
  app.get(
    '/_sim/campaigns/:id/statuses',
    handle((r) => control.memberStatuses(params(r).id)),
  )
  app.post(
    '/_sim/campaigns/:id/statuses',
    handle((r, reply) => {
      const raw = r.body
      const statuses = (Array.isArray(raw) ? raw : [raw]) as MemberStatusInput[]
      return reply.code(201).send(control.addMemberStatuses(params(r).id, statuses))
    }),
  )
}
