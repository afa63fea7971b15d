/**
 * Canvas entry (SPEC §1 journeys 1–2, §4). The signature is the proof: no call to
 * Salesforce is made here, so entry works (and stays fast) while Salesforce is away.
 */
import type { Pool } from '../db/pool.js'
import { withTransaction } from '../db/pool.js'
import { AppError } from '../errors.js'
import type { AuditLog } from '../audit/audit-log.js'
import type { SecretStore } from '../crypto/secret-store.js'
import type { CredentialStore } from '../salesforce/credential-store.js'
import type { LinkService, LinkIdentity } from '../links/service.js'
import type { SessionService } from '../accounts/session-service.js'
import { verifySignedRequest, type CanvasRequest } from './signed-request.js'

export interface CanvasBootstrap {
  token: string
  expiresAt: string
  linked: boolean
  salesforceUserId: string
  organizationId: string
  instanceUrl: string
  user: { fullName: string; email: string; userName: string }
  /** What the Canvas SDK needs to talk to its parent (never the tokens). */
  client: { instanceId: string; targetOrigin: string }
}

export interface CanvasService {
  verify(raw: unknown): CanvasRequest
  enter(raw: unknown, ctx: { ip?: string; userAgent?: string }): Promise<CanvasBootstrap>
}

export function identityOf(request: CanvasRequest): LinkIdentity {
  const user = request.context.user
  return {
    organizationId: request.context.organization.organizationId,
    salesforceUserId: request.userId,
    instanceUrl: request.client.instanceUrl,
    username: user.userName,
    email: user.email ?? '',
    name: user.fullName ?? [user.firstName, user.lastName].filter(Boolean).join(' '),
  }
}

export function createCanvasService(deps: {
  pool: Pool
  consumerSecrets: () => readonly string[]
  isAllowedInstanceHost: (host: string, protocol: string) => boolean
  sessions: SessionService
  links: LinkService
  credentials: CredentialStore
  secrets: SecretStore
  audit: AuditLog
  canvasTokenTtlSeconds: number
}): CanvasService {
  const { pool, sessions, links, credentials, secrets, audit } = deps

  function verify(raw: unknown): CanvasRequest {
    const result = verifySignedRequest(raw, deps.consumerSecrets(), { allowedInstanceHosts: deps.isAllowedInstanceHost })
    if (result.ok) return result.request
    if (result.reason === 'bad_signature') throw new AppError('CANVAS_BAD_SIGNATURE')
    if (result.reason === 'invalid_payload') throw new AppError('CANVAS_INVALID_PAYLOAD')
    throw new AppError('CANVAS_MALFORMED')
  }

  return {
    verify,
    async enter(raw, ctx) {
      const request = verify(raw)
      const identity = identityOf(request)
      const user = { fullName: identity.name, email: identity.email, userName: identity.username }
      const client = { instanceId: request.client.instanceId, targetOrigin: request.client.targetOrigin }
      const base = { salesforceUserId: identity.salesforceUserId, organizationId: identity.organizationId, instanceUrl: identity.instanceUrl, user, client }
      return withTransaction(pool, async (client) => {
        const link = await links.visit(client, identity)
        if (link) {
          await credentials.saveCanvasTokens(client, link.id, {
            oauthToken: request.client.oauthToken,
            refreshToken: request.client.refreshToken ?? null,
            instanceUrl: identity.instanceUrl,
            username: identity.username,
            ttlSeconds: deps.canvasTokenTtlSeconds,
          })
          const issued = await sessions.issue(client, { accountId: link.accountId, kind: 'canvas', linkId: link.id, ip: ctx.ip, userAgent: ctx.userAgent })
          await audit.record({ event: 'canvas.visit', outcome: 'success', accountId: link.accountId, linkId: link.id, ip: ctx.ip, detail: { linked: true } }, client)
          return { token: issued.token, expiresAt: issued.expiresAt, linked: true, ...base }
        }
        const issued = await sessions.issue(client, { accountId: null, kind: 'pending_link', pendingIdentity: identity, ip: ctx.ip, userAgent: ctx.userAgent })
        await secrets.put(client, 'canvas', issued.session.id, 'oauthToken', request.client.oauthToken)
        if (request.client.refreshToken) await secrets.put(client, 'canvas', issued.session.id, 'refreshToken', request.client.refreshToken)
        await audit.record({ event: 'canvas.visit', outcome: 'success', ip: ctx.ip, detail: { linked: false, organizationId: identity.organizationId, salesforceUserId: identity.salesforceUserId } }, client)
        return { token: issued.token, expiresAt: issued.expiresAt, linked: false, ...base }
      })
    },
  }
}
