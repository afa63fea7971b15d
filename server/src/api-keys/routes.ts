/** API keys (docs/api-contract.md, Unsubscribes and API keys). Managed with a session only: a key cannot mint keys. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ApiKeyCreateBodySchema, ApiKeyListSchema, CreatedApiKeySchema, ErrorRef } from '../contract/index.js'
import { requireAccount } from '../http/auth.js'
import type { ApiKeyService } from './service.js'
import type { AccountService } from '../accounts/service.js'

export const apiKeyRoutes: FastifyPluginAsyncTypebox<{ apiKeys: ApiKeyService; accounts: AccountService }> = async (
  app,
  { apiKeys, accounts },
) => {
  const tags = ['api-keys']
  const err = ErrorRef

  app.get(
    '/api/api-keys',
    {
      config: { auth: 'session' },
      schema: {
        tags,
        summary: "The account's API keys (prefixes only)",
        response: { 200: ApiKeyListSchema, 401: err },
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
        summary:
          'Create an API key for the mailing side; the key is in this answer only. Needs the account password again (step-up), whatever the session.',
        body: ApiKeyCreateBodySchema,
        response: { 201: CreatedApiKeySchema, 400: err, 401: err, 403: err, 429: err },
      },
    },
    async (request, reply) => {
      const auth = requireAccount(request)
      // A key outlives every session: a replayed canvas request or a stolen session token
      // must not be enough to mint one, so the person proves who they are once more.
      await accounts.confirmPassword(auth.accountId, request.body.password, { ip: request.ip })
      const created = await apiKeys.create(auth.accountId, request.body.name, { ip: request.ip })
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
