/**
 * All SQL of the cleanup job: what has expired is deleted, with the secrets it owned. The
 * tables belong to other domains; their other queries stay in their own repositories.
 */
import type { Queryable } from '../db/pool.js'

export interface RetentionPolicy {
  /** Sessions expired or revoked longer ago than this (their pending-link tokens go with them). */
  sessionGraceSeconds: number
  /** OAuth states used longer ago than this (unused ones go once expired). */
  usedOAuthStateSeconds: number
  /** How long a signed request's digest is remembered (replay detection). */
  signedRequestSeconds: number
  /** Rate-limit windows ended longer ago than this. */
  rateLimitSeconds: number
  /** Sign-in throttle rows untouched for this long (the throttle forgets them anyway). */
  loginThrottleSeconds: number
}

export interface Purged {
  sessions: number
  oauthStates: number
  secrets: number
  signedRequests: number
  rateLimits: number
  loginThrottle: number
}

/** Sessions past their grace, and the pending-link tokens (owner 'canvas') they held. */
async function purgeSessions(db: Queryable, graceSeconds: number): Promise<{ rows: number; secrets: number }> {
  const { rows } = await db.query(
    `WITH gone AS (
       DELETE FROM sessions
       WHERE expires_at < now() - make_interval(secs => $1)
          OR revoked_at < now() - make_interval(secs => $1)
       RETURNING id
     ), secrets AS (
       DELETE FROM encrypted_secrets WHERE owner_kind = 'canvas' AND owner_id IN (SELECT id FROM gone) RETURNING 1
     )
     SELECT (SELECT count(*) FROM gone)::int AS rows, (SELECT count(*) FROM secrets)::int AS secrets`,
    [graceSeconds],
  )
  return rows[0]
}

/** OAuth states expired (never completed) or used a while ago, and their PKCE verifiers. */
async function purgeOAuthStates(db: Queryable, usedSeconds: number): Promise<{ rows: number; secrets: number }> {
  const { rows } = await db.query(
    `WITH gone AS (
       DELETE FROM oauth_states
       WHERE expires_at < now() OR used_at < now() - make_interval(secs => $1)
       RETURNING id
     ), secrets AS (
       DELETE FROM encrypted_secrets WHERE owner_kind = 'oauth_state' AND owner_id IN (SELECT id FROM gone) RETURNING 1
     )
     SELECT (SELECT count(*) FROM gone)::int AS rows, (SELECT count(*) FROM secrets)::int AS secrets`,
    [usedSeconds],
  )
  return rows[0]
}

/** Secrets of sessions or OAuth states that no longer exist (left by an interrupted flow). */
async function purgeOrphanSecrets(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM encrypted_secrets s
     WHERE (s.owner_kind = 'canvas' AND NOT EXISTS (SELECT 1 FROM sessions WHERE id = s.owner_id))
        OR (s.owner_kind = 'oauth_state' AND NOT EXISTS (SELECT 1 FROM oauth_states WHERE id = s.owner_id))`,
  )
  return rowCount ?? 0
}

async function deleteOlderThan(db: Queryable, sql: string, seconds: number): Promise<number> {
  const { rowCount } = await db.query(sql, [seconds])
  return rowCount ?? 0
}

export async function purgeExpired(db: Queryable, p: RetentionPolicy): Promise<Purged> {
  const sessions = await purgeSessions(db, p.sessionGraceSeconds)
  const states = await purgeOAuthStates(db, p.usedOAuthStateSeconds)
  const orphans = await purgeOrphanSecrets(db)
  return {
    sessions: sessions.rows,
    oauthStates: states.rows,
    secrets: sessions.secrets + states.secrets + orphans,
    signedRequests: await deleteOlderThan(
      db,
      `DELETE FROM canvas_signed_requests WHERE first_seen_at < now() - make_interval(secs => $1)`,
      p.signedRequestSeconds,
    ),
    rateLimits: await deleteOlderThan(
      db,
      `DELETE FROM rate_limit_hits WHERE window_ends_at < now() - make_interval(secs => $1)`,
      p.rateLimitSeconds,
    ),
    loginThrottle: await deleteOlderThan(
      db,
      `DELETE FROM login_throttle
       WHERE last_attempt_at < now() - make_interval(secs => $1) AND next_allowed_at < now()`,
      p.loginThrottleSeconds,
    ),
  }
}
