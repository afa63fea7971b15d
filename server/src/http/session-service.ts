/** Sessions: revocable rows plus the short signed token that names them. */
import type { Queryable } from '../db/pool.js'
import * as repo from './session-repository.js'
import type { PendingIdentity, SessionKind, SessionRow } from './session-repository.js'
import { sessionKey, signSessionToken, verifySessionToken } from './session-tokens.js'

export interface IssuedSession {
  session: SessionRow
  token: string
  expiresAt: string
}

export interface SessionService {
  issue(
    db: Queryable,
    s: {
      accountId: string | null
      kind: SessionKind
      linkId?: string | null
      pendingIdentity?: PendingIdentity | null
      ip?: string
      userAgent?: string
    },
  ): Promise<IssuedSession>
  /** The token for a session row inserted elsewhere (the canvas visit's combined statement). */
  tokenFor(session: SessionRow): IssuedSession
  resolve(db: Queryable, token: string): Promise<SessionRow | null>
  revoke(db: Queryable, sessionId: string): Promise<void>
  ttlSeconds(kind: SessionKind): number
}

export function createSessionService({
  secret,
  canvasMinutes,
  cookieHours,
}: {
  secret: string
  canvasMinutes: number
  cookieHours: number
}): SessionService {
  const ttlSeconds = (kind: SessionKind) => (kind === 'cookie' ? cookieHours * 3600 : canvasMinutes * 60)
  const key = sessionKey(secret)
  return {
    ttlSeconds,
    tokenFor(session) {
      return {
        session,
        token: signSessionToken(key, { sid: session.id, knd: session.kind }, session.expiresAt),
        expiresAt: session.expiresAt.toISOString(),
      }
    },
    async issue(db, s) {
      return this.tokenFor(await repo.insertSession(db, { ...s, ttlSeconds: ttlSeconds(s.kind) }))
    },
    async resolve(db, token) {
      const claims = verifySessionToken(key, token)
      if (!claims) return null
      const session = await repo.findLiveSession(db, claims.sid)
      return session && session.kind === claims.knd ? session : null
    },
    revoke: (db, id) => repo.revokeSession(db, id),
  }
}
