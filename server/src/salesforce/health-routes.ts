/** Sync health (docs/api-contract.md, Sync health). Thin: the service decides. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireAccount } from '../http/auth.js'
import type { SyncHealthService } from './health-service.js'

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])

const HealthSchema = Type.Object({
  organizationId: Type.String(),
  api: Type.Object({
    callsLast24h: Type.Integer({ description: 'Salesforce API calls SF Link made to the org in the last 24 h' }),
    org: Type.Union([
      Type.Object({
        used: Type.Integer(),
        limit: Type.Integer(),
        observedAt: Type.String({ format: 'date-time' }),
      }),
      Type.Null(),
    ]),
    cap: Type.Union([
      Type.Object({ percent: Type.Number(), calls: Type.Union([Type.Integer(), Type.Null()]) }),
      Type.Null(),
    ]),
    capped: Type.Boolean(),
    resumesAt: Nullable(Type.String({ format: 'date-time' })),
  }),
  errors: Type.Array(
    Type.Object({
      kind: Type.String(),
      job: Type.Union([Type.Literal('unsubscribe'), Type.Literal('bounce')]),
      count: Type.Integer(),
      failed: Type.Integer(),
      emails: Type.Array(Type.String()),
      example: Type.String(),
      lastAt: Type.String({ format: 'date-time' }),
    }),
  ),
  jobs: Type.Array(
    Type.Object({
      job: Type.Union([
        Type.Literal('unsubscribe-push'),
        Type.Literal('unsubscribe-pull'),
        Type.Literal('bounce-push'),
      ]),
      lastSuccessAt: Nullable(Type.String({ format: 'date-time' })),
    }),
  ),
})

export const syncHealthRoutes: FastifyPluginAsyncTypebox<{ health: SyncHealthService }> = async (app, { health }) => {
  const tags = ['sync health']
  const err = { $ref: 'Error#' }

  app.get(
    '/api/salesforce/health',
    {
      config: { auth: 'session-or-api-key' },
      schema: {
        tags,
        summary:
          "API use (SF Link's last 24 h, the org's usage and limit, the cap), errors by kind, last success of each job",
        response: { 200: HealthSchema, 401: err, 404: err },
      },
    },
    async (request) => health.health(requireAccount(request).accountId),
  )

  app.put(
    '/api/salesforce/health/cap',
    {
      config: { auth: 'session' },
      schema: {
        tags,
        summary: "Set the share of the org's daily API limit SF Link's background work may use (null: no cap)",
        body: Type.Object(
          { percent: Type.Union([Type.Number({ minimum: 0.0001, maximum: 100 }), Type.Null()]) },
          { additionalProperties: false },
        ),
        response: { 200: HealthSchema, 400: err, 401: err, 404: err },
      },
    },
    async (request) =>
      health.setCap(
        requireAccount(request).accountId,
        request.body.percent === null ? null : Math.round(request.body.percent * 10_000) / 10_000,
      ),
  )

  app.get(
    '/api/salesforce/health/errors.csv',
    {
      config: { auth: 'session' },
      schema: { tags, summary: 'Every address with a push error, as CSV', response: { 401: err } },
    },
    async (request, reply) => {
      const csv = await health.errorsCsv(requireAccount(request).accountId)
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="sf-link-sync-errors.csv"')
        .send(csv)
    },
  )

  app.post(
    '/api/salesforce/health/retry',
    {
      config: { auth: 'session' },
      schema: {
        tags,
        summary: 'Try the addresses with errors again now (of one kind, or all)',
        body: Type.Object(
          { kind: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z_]{0,80}$' })) },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ addresses: Type.Integer() }), 400: err, 401: err },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await health.retry(requireAccount(request).accountId, request.body.kind ?? null)),
  )
}
