/** All SQL for bounces and bounce_sync (push columns shared with ../unsubscribes/repository.ts). */
import type { Queryable } from '../db/pool.js'

export interface BounceInput {
  email: string
  type: 'hard' | 'soft'
  reason: string
  at: Date
}

/** Keeps every bounce; returns how many rows were stored. */
export async function insertBounces(
  db: Queryable,
  accountId: string,
  bounces: readonly BounceInput[],
): Promise<number> {
  if (bounces.length === 0) return 0
  const { rowCount } = await db.query(
    `INSERT INTO bounces (account_id, email, type, reason, bounced_at)
     SELECT $1, b.email, b.type, b.reason, b.at FROM jsonb_to_recordset($2::jsonb) AS b(email text, type text, reason text, at timestamptz)`,
    [accountId, JSON.stringify(bounces)],
  )
  return rowCount ?? 0
}

/**
 * A pending push of each hard bounce on each of the account's links. A pair already there
 * takes the newer bounce and becomes pending again when the bounce is newer than the one it
 * holds; an older or equal bounce changes nothing. Returns the links with rows to push.
 */
export async function upsertPendingForAccountLinks(
  db: Queryable,
  accountId: string,
  hard: readonly BounceInput[],
): Promise<string[]> {
  if (hard.length === 0) return []
  const { rows } = await db.query(
    `WITH latest AS (
       SELECT DISTINCT ON (b.email) b.email, b.reason, b.at
       FROM jsonb_to_recordset($2::jsonb) AS b(email text, reason text, at timestamptz)
       ORDER BY b.email, b.at DESC),
     up AS (
       INSERT INTO bounce_sync AS s (link_id, email, account_id, bounce_reason, bounced_at)
       SELECT l.id, x.email, l.account_id, x.reason, x.at FROM salesforce_links l CROSS JOIN latest x
       WHERE l.account_id = $1
       ON CONFLICT (link_id, email) DO UPDATE SET
         bounce_reason = EXCLUDED.bounce_reason, bounced_at = EXCLUDED.bounced_at,
         status = 'pending', reason = NULL, attempts = 0, next_attempt_at = now(), updated_at = now()
       WHERE EXCLUDED.bounced_at > s.bounced_at
       RETURNING link_id)
     SELECT DISTINCT link_id FROM up`,
    [accountId, JSON.stringify(hard)],
  )
  return rows.map((r) => r.link_id)
}

export interface DueBounce {
  email: string
  reason: string
  at: Date
}

/** Pending hard bounces of a link that are due, oldest first. */
export async function duePending(db: Queryable, linkId: string, limit: number): Promise<DueBounce[]> {
  const { rows } = await db.query(
    `SELECT email, bounce_reason, bounced_at FROM bounce_sync
     WHERE link_id = $1 AND status = 'pending' AND next_attempt_at <= now()
     ORDER BY next_attempt_at, email LIMIT $2`,
    [linkId, limit],
  )
  return rows.map((r) => ({ email: r.email, reason: r.bounce_reason, at: r.bounced_at }))
}

export interface BounceCounts {
  hard: number
  soft: number
  pending: number
  synced: number
  failed: number
  noMatch: number
}

export async function countsForAccount(db: Queryable, accountId: string): Promise<BounceCounts> {
  const [byType, byStatus] = await Promise.all([
    db.query(`SELECT type, count(*)::int AS n FROM bounces WHERE account_id = $1 GROUP BY type`, [accountId]),
    db.query(`SELECT status, count(*)::int AS n FROM bounce_sync WHERE account_id = $1 GROUP BY status`, [accountId]),
  ])
  const t = new Map<string, number>(byType.rows.map((r) => [r.type, r.n]))
  const s = new Map<string, number>(byStatus.rows.map((r) => [r.status, r.n]))
  return {
    hard: t.get('hard') ?? 0,
    soft: t.get('soft') ?? 0,
    pending: s.get('pending') ?? 0,
    synced: s.get('synced') ?? 0,
    failed: s.get('failed') ?? 0,
    noMatch: s.get('no_match') ?? 0,
  }
}

/** Links with due pending bounces, and whether each is paused. */
export async function linksWithDuePending(
  db: Queryable,
  limit: number,
): Promise<Array<{ linkId: string; accountId: string; pausedCode: string | null }>> {
  const { rows } = await db.query(
    `SELECT l.id, l.account_id, s.paused_code FROM salesforce_links l LEFT JOIN unsubscribe_sync_state s ON s.link_id = l.id
     WHERE EXISTS (SELECT 1 FROM bounce_sync b WHERE b.link_id = l.id AND b.status = 'pending' AND b.next_attempt_at <= now())
     ORDER BY l.id LIMIT $1`,
    [limit],
  )
  return rows.map((r) => ({ linkId: r.id, accountId: r.account_id, pausedCode: r.paused_code }))
}

export async function touchPush(db: Queryable, linkId: string): Promise<void> {
  await db.query(
    `INSERT INTO unsubscribe_sync_state (link_id, last_bounce_push_at) VALUES ($1, now())
     ON CONFLICT (link_id) DO UPDATE SET last_bounce_push_at = now()`,
    [linkId],
  )
}

export async function lastPushAt(db: Queryable, accountId: string): Promise<Date | null> {
  const { rows } = await db.query(
    `SELECT max(s.last_bounce_push_at) AS at FROM unsubscribe_sync_state s JOIN salesforce_links l ON l.id = s.link_id WHERE l.account_id = $1`,
    [accountId],
  )
  return rows[0].at
}

/**
 * Gives a new link the account's hard bounces reported before it existed (the latest per
 * address). Called with the link's unsubscribe backfill, in its transaction, once per link.
 */
export async function backfillLink(db: Queryable, link: { linkId: string; accountId: string }): Promise<number> {
  const { rowCount } = await db.query(
    `INSERT INTO bounce_sync (link_id, email, account_id, bounce_reason, bounced_at)
     SELECT DISTINCT ON (email) $1, email, account_id, reason, bounced_at FROM bounces
     WHERE account_id = $2 AND type = 'hard' ORDER BY email, bounced_at DESC
     ON CONFLICT (link_id, email) DO NOTHING`,
    [link.linkId, link.accountId],
  )
  return rowCount ?? 0
}
