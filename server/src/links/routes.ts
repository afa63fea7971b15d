/** `GET /api/salesforce/link`: the link and its credential status (Settings → Integrations → Link Accounts). */

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorRef, LinkViewSchema } from '../contract/index.js'
import type { LinkService } from './service.js'
import { requireAccount } from '../http/auth.js'

export const linkRoutes: FastifyPluginAsyncTypebox<{ links: LinkService }> = async (app, { links }) => {
  app.get(
    '/api/salesforce/link',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['salesforce'],
        summary: 'The linked Salesforce user and credential status',
        response: { 200: LinkViewSchema, 404: ErrorRef },
      },
    },
    async (request) => {
      const auth = requireAccount(request)
      return links.view(auth.accountId, { preferredLinkId: auth.linkId, canvasLive: auth.kind === 'canvas' })
    },
  )
}
