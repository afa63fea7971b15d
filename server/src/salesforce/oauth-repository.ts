/** All SQL for oauth_states. */
import type { Queryable } from '../db/pool.js'

export interface OAuthStateRow {
  id: string
  intent: 'link' | 'signin' | 'ticket'
  accountId: string | null
  sessionId: string | null
  linkId: string | null
  loginUrl: string
  environment: string
}

function toRow(r: any): OAuthStateRow {
  return {
    id: r.id,
    intent: r.intent,
    accountId: r.account_id,
    sessionId: r.session_id,
    linkId: r.link_id,
    loginUrl: r.login_url,
    environment: r.environment,
  }
}

export async function insertState(
  db: Queryable,
  s: Omit<OAuthStateRow, 'id'> & { ttlSeconds: number },
): Promise<OAuthStateRow> {
  const { rows } = await db.query(
    `INSERT INTO oauth_states (intent, account_id, session_id, link_id, login_url, environment, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7)) RETURNING *`,
    [s.intent, s.accountId, s.sessionId, s.linkId, s.loginUrl, s.environment, s.ttlSeconds],
  )
  return toRow(rows[0])
}

/** Single use: marks the state used and returns it, or null when unknown, expired or already used. */
export async function consumeState(
  db: Queryable,
  id: string,
  intents: OAuthStateRow['intent'][],
): Promise<OAuthStateRow | null> {
  const { rows } = await db.query(
    `UPDATE oauth_states SET used_at = now() WHERE id = $1 AND used_at IS NULL AND expires_at > now() AND intent = ANY($2) RETURNING *`,
    [id, intents],
  )
  return rows[0] ? toRow(rows[0]) : null
}
