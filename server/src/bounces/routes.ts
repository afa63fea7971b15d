/** Bounces (docs/api-contract.md, Bounces). Thin: the service decides. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireAccount } from '../http/auth.js'
import { MAX_BOUNCES_PER_REQUEST, type BounceService } from './service.js'

const BounceSchema = Type.Object(
  {
    email: Type.String({ maxLength: 320 }),
    type: Type.Union([Type.Literal('hard'), Type.Literal('soft')]),
    reason: Type.Optional(Type.String({ maxLength: 1000 })),
    at: Type.String({ maxLength: 40, description: 'When it bounced (ISO 8601)' }),
  },
  { additionalProperties: false },
)

const StatusSchema = Type.Object({
  hard: Type.Integer(),
  soft: Type.Integer(),
  pending: Type.Integer(),
  synced: Type.Integer(),
  failed: Type.Integer(),
  noMatch: Type.Integer(),
  lastPushAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})

export const bounceRoutes: FastifyPluginAsyncTypebox<{ bounces: BounceService }> = async (app, { bounces }) => {
  const tags = ['bounces']
  const err = { $ref: 'Error#' }

  app.post(
    '/api/bounces',
    {
      config: { auth: 'session-or-api-key' },
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        tags,
        summary:
          'Report bounces: stored when this answers; hard bounces then set EmailBouncedReason and EmailBouncedDate on the matching Contacts and Leads',
        body: Type.Object({ bounces: Type.Array(BounceSchema, { maxItems: MAX_BOUNCES_PER_REQUEST }) }),
        response: {
          202: Type.Object({ hard: Type.Integer(), soft: Type.Integer(), invalid: Type.Integer() }),
          400: err,
          401: err,
          413: err,
        },
      },
    },
    async (request, reply) => {
      const { queueFailed, ...result } = await bounces.intake(requireAccount(request).accountId, request.body.bounces)
      if (queueFailed)
        request.log.warn(
          { err: { message: queueFailed.message } },
          'could not queue the bounce push; the sweep will pick it up',
        )
      return reply.code(202).send(result)
    },
  )

  app.get(
    '/api/bounces/status',
    {
      config: { auth: 'session-or-api-key' },
      schema: {
        tags,
        summary: 'Bounces counted by type, and the push of hard bounces',
        response: { 200: StatusSchema, 401: err },
      },
    },
    async (request) => bounces.status(requireAccount(request).accountId),
  )
}
