/** `GET /api/salesforce/link`: the link and its credential status (Settings → Integrations → Link Accounts). */

import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { LinkService } from './service.js'
import { requireAccount } from '../http/auth.js'

const CredentialViewSchema = Type.Object({
  kind: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  reasonMessage: Type.Union([Type.String(), Type.Null()]),
  lastSuccessAt: Type.Union([Type.String(), Type.Null()]),
  lastFailureAt: Type.Union([Type.String(), Type.Null()]),
  username: Type.Union([Type.String(), Type.Null()]),
  environment: Type.Union([Type.String(), Type.Null()]),
  action: Type.Union([Type.String(), Type.Null()]),
  adminAction: Type.Union([Type.String(), Type.Null()]),
  notice: Type.Union([Type.String(), Type.Null()]),
})

export const LinkViewSchema = Type.Object({
  salesforceUserId: Type.String(),
  organizationId: Type.String(),
  instanceUrl: Type.String(),
  username: Type.String(),
  email: Type.String(),
  name: Type.String(),
  linkedAt: Type.String(),
  lastSeenAt: Type.String(),
  credential: CredentialViewSchema,
  credentials: Type.Array(CredentialViewSchema),
  canConnect: Type.Boolean(),
  access: Type.Object({
    code: Type.Union([Type.String(), Type.Null()]),
    message: Type.Union([Type.String(), Type.Null()]),
    action: Type.Union([Type.String(), Type.Null()]),
    adminAction: Type.Union([Type.String(), Type.Null()]),
  }),
})

export const linkRoutes: FastifyPluginAsyncTypebox<{ links: LinkService }> = async (app, { links }) => {
  app.get(
    '/api/salesforce/link',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['salesforce'],
        summary: 'The linked Salesforce user and credential status',
        response: { 200: LinkViewSchema, 404: { $ref: 'Error#' } },
      },
    },
    async (request) => {
      const auth = requireAccount(request)
      return links.view(auth.accountId, { preferredLinkId: auth.linkId, canvasLive: auth.kind === 'canvas' })
    },
  )
}
