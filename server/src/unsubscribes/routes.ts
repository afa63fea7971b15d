/** Unsubscribes and the suppression list (docs/api-contract.md, Unsubscribes and API keys). Thin: the service decides. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireAccount } from '../http/auth.js'
import type { UnsubscribeService } from './service.js'
import {
  ErrorRef,
  IntakeBodySchema,
  IntakeResultSchema,
  SuppressionPageSchema,
  SyncQueuedSchema,
  UnsubscribeStatusSchema,
} from '../contract/index.js'

export const unsubscribeRoutes: FastifyPluginAsyncTypebox<{ unsubscribes: UnsubscribeService }> = async (
  app,
  { unsubscribes },
) => {
  const tags = ['unsubscribes']
  const err = ErrorRef

  app.post(
    '/api/unsubscribes',
    {
      config: { auth: 'session-or-api-key' },
      // 10,000 ordinary addresses take ~400 KB of JSON (about 40 bytes each): room enough, bounded.
      bodyLimit: 2 * 1024 * 1024,
      schema: {
        tags,
        summary:
          'Report unsubscribed addresses: on the suppression list when this answers, opted out in Salesforce soon after',
        body: IntakeBodySchema,
        response: { 202: IntakeResultSchema, 400: err, 401: err, 413: err },
      },
    },
    async (request, reply) => {
      const { queueFailed, ...result } = await unsubscribes.intake(
        requireAccount(request).accountId,
        request.body.emails,
      )
      if (queueFailed)
        request.log.warn(
          { err: { message: queueFailed.message } },
          'could not queue the unsubscribe push; the sweep will pick it up',
        )
      return reply.code(202).send(result)
    },
  )

  app.get(
    '/api/unsubscribes/status',
    {
      config: { auth: 'session-or-api-key' },
      schema: {
        tags,
        summary: 'Counts, last push and pull, and why the sync is paused',
        response: { 200: UnsubscribeStatusSchema, 401: err },
      },
    },
    async (request) => unsubscribes.status(requireAccount(request).accountId),
  )

  app.post(
    '/api/unsubscribes/sync',
    {
      config: { auth: 'session' },
      schema: {
        tags,
        summary: 'Sync now: push pending addresses and pull opt-outs from Salesforce',
        response: { 202: SyncQueuedSchema, 401: err, 404: err, 503: err },
      },
    },
    async (request, reply) => {
      await unsubscribes.syncNow(requireAccount(request).accountId)
      return reply.code(202).send({ queued: true as const })
    },
  )

  app.get(
    '/api/suppressions',
    {
      config: { auth: 'session' },
      schema: {
        tags,
        summary: "The account's suppression list, newest first",
        // Query strings are text (the app does not coerce types): digits, checked here, ranged below.
        querystring: Type.Object({
          limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: '1 to 1000, default 100' })),
          offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$', description: 'default 0' })),
        }),
        response: { 200: SuppressionPageSchema, 400: err, 401: err },
      },
    },
    async (request) => {
      const limit = Math.min(Math.max(Number(request.query.limit ?? 100), 1), 1000)
      return unsubscribes.suppressions(requireAccount(request).accountId, {
        limit,
        offset: Number(request.query.offset ?? 0),
      })
    },
  )
}
