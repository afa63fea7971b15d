/** API keys (docs/api-contract.md, Unsubscribes and API keys). Managed with a session only: a key cannot mint keys. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireAccount } from '../http/auth.js'
import type { ApiKeyService } from './service.js'

const ApiKeySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String({
    description: 'The 8 characters after "sfl_": enough to recognise a key, useless to call with',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})

const CreatedApiKeySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String(),
  key: Type.String({ description: 'The whole key (sfl_…). Shown this once: only its hash is kept.' }),
  createdAt: Type.String({ format: 'date-time' }),
})

export const apiKeyRoutes: FastifyPluginAsyncTypebox<{ apiKeys: ApiKeyService }> = async (app, { apiKeys }) => {
  const tags = ['api-keys']
  const err = { $ref: 'Error#' }

  app.get(
    '/api/api-keys',
    {
      config: { auth: 'session' },
      schema: {
        tags,
        summary: "The account's API keys (prefixes only)",
        response: { 200: Type.Object({ items: Type.Array(ApiKeySchema) }), 401: err },
      },
    },
    async (request) => ({ items: await apiKeys.list(requireAccount(request).accountId) }),
  )

  app.post(
    '/api/api-keys',
    {
      config: { auth: 'session' },
      schema: {
        tags,
        summary: 'Create an API key for the mailing side; the key is in this answer only',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
        response: { 201: CreatedApiKeySchema, 400: err, 401: err },
      },
    },
    async (request, reply) => {
      const created = await apiKeys.create(requireAccount(request).accountId, request.body.name, { ip: request.ip })
      return reply.code(201).send(created)
    },
  )

  app.delete(
    '/api/api-keys/:id',
    {
      config: { auth: 'session' },
      schema: {
        tags,
        summary: 'Revoke an API key (at once; calls with it answer 401)',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 204: Type.Null(), 401: err, 404: err },
      },
    },
    async (request, reply) => {
      await apiKeys.revoke(requireAccount(request).accountId, request.params.id, { ip: request.ip })
      return reply.code(204).send(null)
    },
  )
}
