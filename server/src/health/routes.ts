/** Liveness and readiness. Readiness runs a real query, so it turns 503 while the database is away. */

import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Pool } from '../db/pool.js'
import { ERRORS } from '../errors.js'
import { ErrorSchema } from '../contract/index.js'

export const healthRoutes: FastifyPluginAsyncTypebox<{ pool: Pool }> = async (app, { pool }) => {
  app.get(
    '/healthz',
    {
      schema: { tags: ['health'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness (runs a database query)',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), database: Type.Literal('ok') }),
          503: ErrorSchema,
        },
      },
    },
    async (_request, reply) => {
      try {
        await Promise.race([
          pool.query('SELECT 1'),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref()),
        ])
        return { status: 'ready' as const, database: 'ok' as const }
      } catch {
        return reply.status(503).send({
          code: 'SERVICE_UNAVAILABLE',
          message: `${ERRORS.SERVICE_UNAVAILABLE.message} The database is unreachable.`,
        })
      }
    },
  )
}
