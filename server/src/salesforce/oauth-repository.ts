/** All SQL for oauth_states. */
import type { Queryable } from '../db/pool.js'

export interface OAuthStateRow {
  id: string
  intent: 'link' | 'signin' | 'ticket' | 'approve'
  /** The flow runs in a popup window (started inside the canvas iframe): it ends on a page that closes itself. */
  popup: boolean
  accountId: string | null
  sessionId: string | null
  linkId: string | null
  loginUrl: string
  environment: string
}

/** The columns of a state, named as {@link OAuthStateRow}'s fields (the nonce hash stays in the database). */
const STATE_COLUMNS = `id, intent, popup, account_id AS "accountId", session_id AS "sessionId", link_id AS "linkId",
  login_url AS "loginUrl", environment`

export async function insertState(
  db: Queryable,
  s: Omit<OAuthStateRow, 'id' | 'popup'> & { popup?: boolean; ttlSeconds: number; browserNonceHash?: Buffer | null },
): Promise<OAuthStateRow> {
  const { rows } = await db.query<OAuthStateRow>(
    `INSERT INTO oauth_states (intent, account_id, session_id, link_id, login_url, environment, expires_at, browser_nonce_hash, popup)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7), $8, $9) RETURNING ${STATE_COLUMNS}`,
    [
      s.intent,
      s.accountId,
      s.sessionId,
      s.linkId,
      s.loginUrl,
      s.environment,
      s.ttlSeconds,
      s.browserNonceHash ?? null,
      s.popup ?? false,
    ],
  )
  return rows[0]
}

/**
 * Single use: marks the state used and returns it, or null when unknown, expired, already
 * used or (link and sign-in states, which are bound to a browser) presented without that
 * browser's nonce. Tickets are consumed by the signed-in page that asked for them.
 */
export async function consumeState(
  db: Queryable,
  id: string,
  intents: OAuthStateRow['intent'][],
  browserNonceHash: Buffer | null = null,
): Promise<OAuthStateRow | null> {
  const { rows } = await db.query<OAuthStateRow>(
    `UPDATE oauth_states SET used_at = now()
     WHERE id = $1 AND used_at IS NULL AND expires_at > now() AND intent = ANY($2)
       AND (intent = 'ticket' OR browser_nonce_hash = $3)
     RETURNING ${STATE_COLUMNS}`,
    [id, intents, browserNonceHash],
  )
  return rows[0] ?? null
}

/** The intent of a live, unused state, or null (tells a foreign browser from an expired link). */
export async function liveStateIntent(
  db: Queryable,
  id: string,
  intents: OAuthStateRow['intent'][],
): Promise<OAuthStateRow['intent'] | null> {
  const { rows } = await db.query(
    `SELECT intent FROM oauth_states WHERE id = $1 AND used_at IS NULL AND expires_at > now() AND intent = ANY($2)`,
    [id, intents],
  )
  return rows[0]?.intent ?? null
}
