/** Sync health (docs/api-contract.md, Sync health). Thin: the service decides. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireAccount } from '../http/auth.js'
import type { SyncHealthService } from './service.js'
import {
  ApiCapBodySchema,
  ErrorRef,
  SyncHealthSchema,
  SyncRetryBodySchema,
  SyncRetryResultSchema,
} from '../contract/index.js'

export const syncHealthRoutes: FastifyPluginAsyncTypebox<{ health: SyncHealthService }> = async (app, { health }) => {
  const tags = ['sync health']
  const err = ErrorRef

  app.get(
    '/api/salesforce/health',
    {
      config: { auth: 'session-or-api-key' },
      schema: {
        tags,
        summary:
          "API use (SF Link's last 24 h, the org's usage and limit, the cap), errors by kind, last success of each job",
        response: { 200: SyncHealthSchema, 401: err, 404: err },
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
        body: ApiCapBodySchema,
        response: { 200: SyncHealthSchema, 400: err, 401: err, 404: err },
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
      schema: {
        tags,
        summary: 'Every address with a push error, as CSV',
        produces: ['text/csv'],
        response: { 200: Type.String({ description: 'kind,job,email,status,attempts,reason,updated_at' }), 401: err },
      },
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
        body: SyncRetryBodySchema,
        response: { 202: SyncRetryResultSchema, 400: err, 401: err },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await health.retry(requireAccount(request).accountId, request.body.kind ?? null)),
  )
}
