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
import type { LinkIdentity } from '../links/service.js'
import type { SessionService } from '../accounts/session-service.js'
import { verifySignedRequest, type CanvasRequest } from './signed-request.js'
import * as repo from './repository.js'
import type { SecretBox } from '../crypto/secret-box.js'
import { associatedData } from '../crypto/secret-store.js'

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
  credentials: CredentialStore
  secrets: SecretStore
  audit: AuditLog
  canvasTokenTtlSeconds: number
  box: SecretBox
}): CanvasService {
  const { pool, sessions, credentials, secrets, audit, box } = deps

  function verify(raw: unknown): CanvasRequest {
    const result = verifySignedRequest(raw, deps.consumerSecrets(), {
      allowedInstanceHosts: deps.isAllowedInstanceHost,
    })
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
      const base = {
        salesforceUserId: identity.salesforceUserId,
        organizationId: identity.organizationId,
        instanceUrl: identity.instanceUrl,
        user,
        client,
      }
      // A linked user: two statements, each atomic (see repository.ts); no transaction needed.
      const visit = await repo.recordLinkedVisit(pool, identity, deps.canvasTokenTtlSeconds)
      if (visit) {
        const { link, canvasCredentialId } = visit
        const sealed = box.seal(
          request.client.oauthToken,
          associatedData('credential', canvasCredentialId, 'accessToken'),
        )
        const session = await repo.saveVisit(pool, {
          token: { credentialId: canvasCredentialId, keyId: sealed.keyId, ciphertext: sealed.ciphertext },
          session: {
            accountId: link.accountId,
            linkId: link.id,
            ttlSeconds: sessions.ttlSeconds('canvas'),
            ip: ctx.ip ?? null,
            userAgent: ctx.userAgent ?? null,
          },
          audit: { ip: ctx.ip ?? null },
        })
        const refreshToken = request.client.refreshToken
        // Usually the same refresh token as last time: checked with two reads, saved (atomically) only when new.
        if (refreshToken && !(await credentials.hasRefreshToken(pool, link.id, refreshToken))) {
          await withTransaction(pool, (c) =>
            credentials.captureRefreshToken(c, link.id, {
              refreshToken,
              instanceUrl: identity.instanceUrl,
              username: identity.username,
            }),
          )
        }
        const issued = sessions.tokenFor(session)
        return { token: issued.token, expiresAt: issued.expiresAt, linked: true, ...base }
      }
      // Not linked yet: a pending-link session holds the tokens until sign-in or sign-up.
      return withTransaction(pool, async (client) => {
        const issued = await sessions.issue(client, {
          accountId: null,
          kind: 'pending_link',
          pendingIdentity: identity,
          ip: ctx.ip,
          userAgent: ctx.userAgent,
        })
        await secrets.put(client, 'canvas', issued.session.id, 'oauthToken', request.client.oauthToken)
        if (request.client.refreshToken)
          await secrets.put(client, 'canvas', issued.session.id, 'refreshToken', request.client.refreshToken)
        await audit.record(
          {
            event: 'canvas.visit',
            outcome: 'success',
            ip: ctx.ip,
            detail: {
              linked: false,
              organizationId: identity.organizationId,
              salesforceUserId: identity.salesforceUserId,
            },
          },
          client,
        )
        return { token: issued.token, expiresAt: issued.expiresAt, linked: false, ...base }
      })
    },
  }
}
