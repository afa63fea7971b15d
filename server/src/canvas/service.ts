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
import crypto from 'node:crypto'
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
import { createVisitBatcher } from './visit-batcher.js'
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

/** Users whose canvas credential ID is remembered (oldest forgotten first). */
const CREDENTIAL_ID_CACHE_SIZE = 50_000

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
  /** Concurrent visits share a statement and a commit (visit-batcher.ts); a lone visit goes at once. */
  const batcher = createVisitBatcher(pool)
  /**
   * Canvas credential IDs of users seen linked, by org/user, so their next visit seals its
   * token for the right row and runs as one statement. Only a guess: the statement checks it.
   */
  const credentialIds = new Map<string, string>()
  const rememberCredential = (key: string, id: string) => {
    if (credentialIds.get(key) === id) return
    if (credentialIds.size >= CREDENTIAL_ID_CACHE_SIZE) credentialIds.delete(credentialIds.keys().next().value!)
    credentialIds.set(key, id)
  }
  const forgetCredential = (key: string) => credentialIds.delete(key)

  /** Is this refresh token already the link's working oauth_refresh one? (As CredentialStore.hasRefreshToken.) */
  function storedRefreshMatches(stored: repo.VisitOutcome['storedRefresh'], refreshToken: string): boolean {
    if (!stored || stored.status !== 'ok' || !stored.secret) return false
    try {
      return secrets.open('credential', stored.credentialId, 'refreshToken', stored.secret) === refreshToken
    } catch {
      return false
    }
  }

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
      const key = `${identity.organizationId}/${identity.salesforceUserId}`
      const knownCredentialId = credentialIds.get(key)
      const oauthToken = request.client.oauthToken
      const refresh = request.client.refreshToken
      // One statement does the whole visit when it can (repository.ts enterVisit, shared with concurrent visits by visit-batcher.ts): the secrets are
      // sealed beforehand for the rows they will belong to. A user seen before in this process is
      // probably linked: its token is sealed for its canvas credential; anyone else may be a first
      // visit: the tokens are sealed for a pending session whose ID is chosen here.
      const pendingSessionId = knownCredentialId ? null : crypto.randomUUID()
      const visit = (proven: boolean) =>
        batcher.enter(identity, {
          digest,
          freshSeconds: REPLAY_WINDOW_SECONDS,
          proven,
          canvasTtlSeconds: deps.canvasTokenTtlSeconds,
          sessionTtlSeconds: sessions.ttlSeconds(knownCredentialId ? 'canvas' : 'pending_link'),
          ip: ctx.ip ?? null,
          userAgent: ctx.userAgent ?? null,
          linked: knownCredentialId
            ? {
                credentialId: knownCredentialId,
                accessToken: secrets.seal('credential', knownCredentialId, 'accessToken', oauthToken),
              }
            : null,
          pending: !pendingSessionId
            ? null
            : {
                sessionId: pendingSessionId,
                oauthToken: secrets.seal('canvas', pendingSessionId, 'oauthToken', oauthToken),
                refreshToken: refresh ? secrets.seal('canvas', pendingSessionId, 'refreshToken', refresh) : null,
              },
        })
      let seen = await visit(false)
      if (!seen.accepted) {
        // Rare (a replay past the window): the one case where entry calls Salesforce.
        await proveReplay(request, ctx)
        seen = await visit(true)
      }
      const replayed = seen.seenCount > 1
      if (seen.linked) {
        const { link, canvasCredentialId } = seen.linked
        rememberCredential(key, canvasCredentialId)
        let session = seen.linkedSession
        if (!session) {
          // First visit of this user in this process (or the credential was replaced): a second statement.
          session = await repo.saveVisit(pool, {
            token: secrets.seal('credential', canvasCredentialId, 'accessToken', oauthToken),
            session: {
              accountId: link.accountId,
              linkId: link.id,
              ttlSeconds: sessions.ttlSeconds('canvas'),
              ip: ctx.ip ?? null,
              userAgent: ctx.userAgent ?? null,
            },
          })
        }
        // A replayed request may carry a refresh token revoked since: it never replaces the stored one.
        const refreshToken = replayed ? undefined : refresh
        // Usually the same refresh token as last time (the statement read it back): saved, atomically, only when new.
        if (refreshToken && !storedRefreshMatches(seen.storedRefresh, refreshToken)) {
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
      forgetCredential(key)
      if (seen.pendingSession) {
        const issued = sessions.tokenFor(seen.pendingSession)
        return { token: issued.token, expiresAt: issued.expiresAt, linked: false, ...base }
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
