/** Bounces (docs/api-contract.md, Bounces). Thin: the service decides. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireAccount } from '../http/auth.js'
import type { BounceService } from './service.js'
import { BounceBodySchema, BounceIntakeResultSchema, BounceStatusSchema, ErrorRef } from '../contract/index.js'

export const bounceRoutes: FastifyPluginAsyncTypebox<{ bounces: BounceService }> = async (app, { bounces }) => {
  const tags = ['bounces']
  const err = ErrorRef

  app.post(
    '/api/bounces',
    {
      config: { auth: 'session-or-api-key' },
      // 10,000 bounces with a reason each take ~1.5 MB of JSON: room enough, bounded.
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        tags,
        summary:
          'Report bounces: stored when this answers; hard bounces then set EmailBouncedReason and EmailBouncedDate on the matching Contacts and Leads',
        body: BounceBodySchema,
        response: { 202: BounceIntakeResultSchema, 400: err, 401: err, 413: err },
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
        response: { 200: BounceStatusSchema, 401: err },
      },
    },
    async (request) => bounces.status(requireAccount(request).accountId),
  )
}
