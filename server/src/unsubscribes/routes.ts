/** Unsubscribes and the suppression list (docs/api-contract.md, Unsubscribes and API keys). Thin: the service decides. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireAccount } from '../http/auth.js'
import { MAX_EMAILS_PER_REQUEST, type UnsubscribeService } from './service.js'

const IntakeResultSchema = Type.Object({
  accepted: Type.Integer({ description: 'Valid addresses newly on the suppression list' }),
  duplicates: Type.Integer({ description: 'Valid addresses already on the list, or repeated in the request' }),
  invalid: Type.Integer({ description: 'Entries that are not email addresses (dropped)' }),
})

const StatusSchema = Type.Object({
  pending: Type.Integer(),
  synced: Type.Integer(),
  failed: Type.Integer(),
  noMatch: Type.Integer(),
  total: Type.Integer(),
  lastPushAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastPullAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  paused: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  recentFailures: Type.Array(
    Type.Object({ email: Type.String(), reason: Type.String(), at: Type.String({ format: 'date-time' }) }),
  ),
})

const SuppressionPageSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      email: Type.String(),
      source: Type.Union([Type.Literal('app'), Type.Literal('salesforce')]),
      createdAt: Type.String({ format: 'date-time' }),
    }),
  ),
  total: Type.Integer(),
})

export const unsubscribeRoutes: FastifyPluginAsyncTypebox<{ unsubscribes: UnsubscribeService }> = async (
  app,
  { unsubscribes },
) => {
  const tags = ['unsubscribes']
  const err = { $ref: 'Error#' }

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
        body: Type.Object({ emails: Type.Array(Type.String(), { maxItems: MAX_EMAILS_PER_REQUEST }) }),
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
        response: { 200: StatusSchema, 401: err },
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
        response: { 202: Type.Object({ queued: Type.Literal(true) }), 401: err, 404: err, 503: err },
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
