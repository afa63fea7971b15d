/** All SQL for sessions (cookie, canvas and pending-link sessions alike). */
import type { Queryable } from '../db/pool.js'

export type SessionKind = 'cookie' | 'canvas' | 'pending_link'

export interface PendingIdentity {
  organizationId: string
  salesforceUserId: string
  instanceUrl: string
  username: string
  email: string
  name: string
}

export interface SessionRow {
  id: string
  accountId: string | null
  kind: SessionKind
  linkId: string | null
  pendingIdentity: PendingIdentity | null
  createdAt: Date
  expiresAt: Date
  revokedAt: Date | null
}

const sessionCols = `id, account_id, kind, link_id, pending_identity, created_at, expires_at, revoked_at`
function toSession(r: any): SessionRow {
  return {
    id: r.id,
    accountId: r.account_id,
    kind: r.kind,
    linkId: r.link_id,
    pendingIdentity: r.pending_identity,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  }
}

export async function insertSession(
  db: Queryable,
  s: {
    accountId: string | null
    kind: SessionKind
    linkId?: string | null
    pendingIdentity?: PendingIdentity | null
    ttlSeconds: number
    ip?: string
    userAgent?: string
  },
): Promise<SessionRow> {
  const { rows } = await db.query(
    `INSERT INTO sessions (account_id, kind, link_id, pending_identity, expires_at, ip, user_agent)
     VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5), $6, $7) RETURNING ${sessionCols}`,
    [
      s.accountId,
      s.kind,
      s.linkId ?? null,
      s.pendingIdentity ? JSON.stringify(s.pendingIdentity) : null,
      s.ttlSeconds,
      s.ip ?? null,
      s.userAgent?.slice(0, 300) ?? null,
    ],
  )
  return toSession(rows[0])
}

/** A live session: not revoked, not expired. Touches last_seen_at at most once a minute. */
export async function findLiveSession(db: Queryable, id: string): Promise<SessionRow | null> {
  const { rows } = await db.query(
    `UPDATE sessions SET last_seen_at = now()
     WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()
       AND last_seen_at < now() - interval '1 minute'
     RETURNING ${sessionCols}`,
    [id],
  )
  if (rows[0]) return toSession(rows[0])
  const again = await db.query(
    `SELECT ${sessionCols} FROM sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()`,
    [id],
  )
  return again.rows[0] ? toSession(again.rows[0]) : null
}

export async function revokeSession(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [id])
}
