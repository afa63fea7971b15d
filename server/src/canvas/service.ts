/**
 * Canvas entry (docs/spec.md §1 journeys 1–2, §4). The signature is the proof: on first sight of a
 * signed request no call to Salesforce is made, so entry works (and stays fast) while
 * Salesforce is away.
 *
 * Replays: a signed request carries no usable timestamp, so the app remembers each one (a
 * digest of its signature) with when it was first seen. Seen before and older than
 * REPLAY_WINDOW_SECONDS, it is accepted only after its OAuth token proves itself with one
 * cheap Salesforce call; a captured request is then worth no more than the Salesforce
 * session inside it. A replayed request never replaces the stored refresh token.
 */
import type { Pool } from '../db/pool.js'
import { withTransaction } from '../db/pool.js'
import { AppError } from '../errors.js'
import type { AuditLog } from '../audit/audit-log.js'
import type { SecretStore } from '../crypto/secret-store.js'
import type { CredentialStore } from '../links/credential-store.js'
import type { LinkIdentity } from '../links/service.js'
import type { SessionService } from '../http/session-service.js'
import { verifySignedRequest, type CanvasRequest } from './signed-request.js'
import * as repo from './repository.js'
import type { CanvasBootstrap } from '../contract/index.js'
import type { TokenCheck } from '../salesforce/strategies.js'

export type { CanvasBootstrap }

export interface CanvasService {
  verify(raw: unknown): { request: CanvasRequest; digest: Buffer }
  enter(raw: unknown, ctx: { ip?: string; userAgent?: string }): Promise<CanvasBootstrap>
}

/**
 * How long a signed request may be presented again without proof: a page reload, a
 * re-post, a second tab. Longer than any of those, much shorter than a Salesforce session.
 */
export const REPLAY_WINDOW_SECONDS = 10 * 60

/** Whose is a live access token? (`salesforce/strategies.ts` checkAccessToken.) */
export type TokenChecker = (instanceUrl: string, accessToken: string) => Promise<TokenCheck>

const sameSalesforceId = (a: string | null, b: string) => Boolean(a) && a!.slice(0, 15) === b.slice(0, 15)

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
  checkToken: TokenChecker
}): CanvasService {
  const { pool, sessions, credentials, secrets, audit } = deps

  function verify(raw: unknown): { request: CanvasRequest; digest: Buffer } {
    const result = verifySignedRequest(raw, deps.consumerSecrets(), {
      allowedInstanceHosts: deps.isAllowedInstanceHost,
    })
    if (result.ok) return { request: result.request, digest: result.digest }
    if (result.reason === 'bad_signature') throw new AppError('CANVAS_BAD_SIGNATURE')
    if (result.reason === 'invalid_payload') throw new AppError('CANVAS_INVALID_PAYLOAD')
    throw new AppError('CANVAS_MALFORMED')
  }

  /** A replay past the window: its OAuth token must still work, and be this user's. */
  async function proveReplay(request: CanvasRequest, ctx: { ip?: string }): Promise<void> {
    const check = await deps.checkToken(request.client.instanceUrl, request.client.oauthToken)
    const ok =
      check.live &&
      sameSalesforceId(check.userId, request.userId) &&
      sameSalesforceId(check.organizationId, request.context.organization.organizationId)
    if (ok) return
    await audit.record({
      event: 'canvas.visit',
      outcome: 'failure',
      ip: ctx.ip,
      detail: {
        code: 'CANVAS_REPLAYED',
        reason: check.live ? 'other_user' : check.reason,
        organizationId: request.context.organization.organizationId,
        salesforceUserId: request.userId,
      },
    })
    throw new AppError('CANVAS_REPLAYED')
  }

  return {
    verify,
    async enter(raw, ctx) {
      const { request, digest } = verify(raw)
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
      const record = (proven: boolean) =>
        repo.recordVisit(pool, identity, {
          digest,
          freshSeconds: REPLAY_WINDOW_SECONDS,
          proven,
          canvasTtlSeconds: deps.canvasTokenTtlSeconds,
        })
      let seen = await record(false)
      if (!seen.accepted) {
        // Rare (a replay past the window): the one case where entry calls Salesforce.
        await proveReplay(request, ctx)
        seen = await record(true)
      }
      const replayed = seen.seenCount > 1
      const visit = seen.linked
      if (visit) {
        const { link, canvasCredentialId } = visit
        const session = await repo.saveVisit(pool, {
          token: secrets.seal('credential', canvasCredentialId, 'accessToken', request.client.oauthToken),
          session: {
            accountId: link.accountId,
            linkId: link.id,
            ttlSeconds: sessions.ttlSeconds('canvas'),
            ip: ctx.ip ?? null,
            userAgent: ctx.userAgent ?? null,
          },
        })
        // A replayed request may carry a refresh token revoked since: it never replaces the stored one.
        const refreshToken = replayed ? undefined : request.client.refreshToken
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
        if (request.client.refreshToken && !replayed)
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
