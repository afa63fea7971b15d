/** All SQL for sessions (cookie, canvas and pending-link sessions alike). */
import type { Queryable } from '../db/pool.js'
import { SqlParams } from '../db/sql.js'

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

/** The columns of a session, named as {@link SessionRow}'s fields: `RETURNING ${SESSION_COLUMNS}` rows are SessionRows. */
export const SESSION_COLUMNS = `id, account_id AS "accountId", kind, link_id AS "linkId",
  pending_identity AS "pendingIdentity", created_at AS "createdAt", expires_at AS "expiresAt", revoked_at AS "revokedAt"`

export interface NewSession {
  accountId: string | null
  kind: SessionKind
  linkId?: string | null
  pendingIdentity?: PendingIdentity | null
  ttlSeconds: number
  ip?: string | null
  userAgent?: string | null
}

/** Inserts a session and returns it (also a fragment of the canvas fast path, server/src/canvas/repository.ts). */
export function insertSessionSql(p: SqlParams, s: NewSession): string {
  return `INSERT INTO sessions (account_id, kind, link_id, pending_identity, expires_at, ip, user_agent)
     VALUES (${p.add(s.accountId)}, ${p.add(s.kind)}, ${p.add(s.linkId ?? null)},
       ${p.add(s.pendingIdentity ? JSON.stringify(s.pendingIdentity) : null)},
       now() + make_interval(secs => ${p.add(s.ttlSeconds)}), ${p.add(s.ip ?? null)}, ${p.add(s.userAgent?.slice(0, 300) ?? null)})
     RETURNING ${SESSION_COLUMNS}`
}

export async function insertSession(db: Queryable, s: NewSession): Promise<SessionRow> {
  const p = new SqlParams()
  const { rows } = await db.query<SessionRow>(insertSessionSql(p, s), p.values)
  return rows[0]
}

/** A live session: not revoked, not expired. Touches last_seen_at at most once a minute. */
export async function findLiveSession(db: Queryable, id: string): Promise<SessionRow | null> {
  const { rows } = await db.query<SessionRow>(
    `UPDATE sessions SET last_seen_at = now()
     WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()
       AND last_seen_at < now() - interval '1 minute'
     RETURNING ${SESSION_COLUMNS}`,
    [id],
  )
  if (rows[0]) return rows[0]
  const again = await db.query<SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()`,
    [id],
  )
  return again.rows[0] ?? null
}

export async function revokeSession(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [id])
}
