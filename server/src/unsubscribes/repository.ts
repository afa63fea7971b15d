/**
 * All SQL for suppressions, unsubscribe_sync and unsubscribe_sync_state. The push-state
 * helpers that take a `table` serve bounce_sync too (../bounces/repository.ts): both tables
 * have the same push columns.
 */
import type { PoolClient, Queryable } from '../db/pool.js'

/** Tables with the push columns (status, reason, attempts, next_attempt_at, synced_record_ids). */
export type PushTable = 'unsubscribe_sync' | 'bounce_sync'

export type SuppressionSource = 'app' | 'salesforce'
export type SyncStatus = 'pending' | 'synced' | 'no_match' | 'failed'

// ---- suppressions -------------------------------------------------------------------

/** Adds addresses to the account's list; returns how many were new. */
export async function insertSuppressions(
  db: Queryable,
  accountId: string,
  emails: readonly string[],
  source: SuppressionSource,
): Promise<number> {
  if (emails.length === 0) return 0
  const { rows } = await db.query(
    `WITH ins AS (
       INSERT INTO suppressions (account_id, email, source)
       SELECT $1, e.email, $3 FROM unnest($2::text[]) AS e(email)
       ON CONFLICT (account_id, email) DO NOTHING
       RETURNING 1)
     SELECT count(*)::int AS n FROM ins`,
    [accountId, emails, source],
  )
  return rows[0].n
}

export interface SuppressionRow {
  email: string
  source: SuppressionSource
  createdAt: Date
}

export async function listSuppressions(
  db: Queryable,
  accountId: string,
  limit: number,
  offset: number,
): Promise<{ items: SuppressionRow[]; total: number }> {
  const [page, count] = await Promise.all([
    db.query(
      `SELECT email, source, created_at FROM suppressions WHERE account_id = $1 ORDER BY created_at DESC, email LIMIT $2 OFFSET $3`,
      [accountId, limit, offset],
    ),
    db.query(`SELECT count(*)::int AS n FROM suppressions WHERE account_id = $1`, [accountId]),
  ])
  return {
    items: page.rows.map((r) => ({ email: r.email, source: r.source, createdAt: r.created_at })),
    total: count.rows[0].n,
  }
}

// ---- push state per (link, address) ---------------------------------------------------

/**
 * Creates a pending push for each address on each of the account's links (a pair that
 * exists already is left as it is: an address is pushed to a link once). Returns the
 * links that got new pending rows.
 */
export async function insertPendingForAccountLinks(
  db: Queryable,
  accountId: string,
  emails: readonly string[],
): Promise<string[]> {
  if (emails.length === 0) return []
  const { rows } = await db.query(
    `WITH ins AS (
       INSERT INTO unsubscribe_sync (link_id, email, account_id)
       SELECT l.id, e.email, l.account_id FROM salesforce_links l CROSS JOIN unnest($2::text[]) AS e(email)
       WHERE l.account_id = $1
       ON CONFLICT (link_id, email) DO NOTHING
       RETURNING link_id)
     SELECT DISTINCT link_id FROM ins`,
    [accountId, emails],
  )
  return rows.map((r) => r.link_id)
}

/** Pending addresses of a link that are due, oldest first. */
export async function duePending(db: Queryable, linkId: string, limit: number): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT email FROM unsubscribe_sync
     WHERE link_id = $1 AND status = 'pending' AND next_attempt_at <= now()
     ORDER BY next_attempt_at, email LIMIT $2`,
    [linkId, limit],
  )
  return rows.map((r) => r.email)
}

export async function hasDuePending(
  db: Queryable,
  linkId: string,
  table: PushTable = 'unsubscribe_sync',
): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT EXISTS (SELECT 1 FROM ${table} WHERE link_id = $1 AND status = 'pending' AND next_attempt_at <= now()) AS due`,
    [linkId],
  )
  return rows[0].due
}

export interface PushOutcome {
  email: string
  /** `retry`: the address stays pending and is tried again after `retryInSeconds`. */
  status: 'synced' | 'no_match' | 'failed' | 'retry'
  reason: string | null
  recordIds?: string[]
  retryInSeconds?: number
}

/** Records what one push step did for these addresses (still-pending rows only). */
export async function recordOutcomes(
  db: Queryable,
  linkId: string,
  outcomes: readonly PushOutcome[],
  table: PushTable = 'unsubscribe_sync',
): Promise<number> {
  if (outcomes.length === 0) return 0
  const payload = outcomes.map((o) => ({
    email: o.email,
    status: o.status,
    reason: o.reason,
    ids: o.recordIds ?? [],
    retry_in: o.retryInSeconds ?? 0,
  }))
  const { rowCount } = await db.query(
    `UPDATE ${table} u SET
       status = CASE WHEN v.status = 'retry' THEN 'pending' ELSE v.status END,
       reason = v.reason,
       attempts = u.attempts + 1,
       synced_record_ids = u.synced_record_ids || v.ids,
       next_attempt_at = CASE WHEN v.status = 'retry' THEN now() + make_interval(secs => v.retry_in) ELSE u.next_attempt_at END,
       updated_at = now()
     FROM jsonb_to_recordset($2::jsonb) AS v(email text, status text, reason text, ids text[], retry_in int)
     WHERE u.link_id = $1 AND u.email = v.email AND u.status = 'pending'`,
    [linkId, JSON.stringify(payload)],
  )
  return rowCount ?? 0
}

/** Attempts so far for these pending addresses (to decide retry or give up). */
export async function attemptsOf(
  db: Queryable,
  linkId: string,
  emails: readonly string[],
  table: PushTable = 'unsubscribe_sync',
): Promise<Map<string, number>> {
  const { rows } = await db.query(
    `SELECT email, attempts FROM ${table} WHERE link_id = $1 AND email = ANY($2::text[])`,
    [linkId, emails],
  )
  return new Map(rows.map((r) => [r.email, r.attempts]))
}

export interface StatusCounts {
  pending: number
  synced: number
  failed: number
  noMatch: number
}

export async function countsForAccount(db: Queryable, accountId: string): Promise<StatusCounts> {
  const { rows } = await db.query(
    `SELECT status, count(*)::int AS n FROM unsubscribe_sync WHERE account_id = $1 GROUP BY status`,
    [accountId],
  )
  const by = new Map<string, number>(rows.map((r) => [r.status, r.n]))
  return {
    pending: by.get('pending') ?? 0,
    synced: by.get('synced') ?? 0,
    failed: by.get('failed') ?? 0,
    noMatch: by.get('no_match') ?? 0,
  }
}

export async function recentFailures(
  db: Queryable,
  accountId: string,
  limit: number,
): Promise<Array<{ email: string; reason: string | null; at: Date }>> {
  const { rows } = await db.query(
    `SELECT email, reason, updated_at FROM unsubscribe_sync WHERE account_id = $1 AND status = 'failed' ORDER BY updated_at DESC, email LIMIT $2`,
    [accountId, limit],
  )
  return rows.map((r) => ({ email: r.email, reason: r.reason, at: r.updated_at }))
}

// ---- per-link state ---------------------------------------------------------------------

export interface SyncStateRow {
  linkId: string
  pausedCode: string | null
  pausedAt: Date | null
  lastPushAt: Date | null
  lastPullAt: Date | null
  pullWatermark: Date | null
}

/** The columns of a sync state (of table alias `t`), named as {@link SyncStateRow}'s fields. */
const stateColumns = (t: string) =>
  `${t}.link_id AS "linkId", ${t}.paused_code AS "pausedCode", ${t}.paused_at AS "pausedAt",
   ${t}.last_push_at AS "lastPushAt", ${t}.last_pull_at AS "lastPullAt", ${t}.pull_watermark AS "pullWatermark"`

export async function findState(db: Queryable, linkId: string): Promise<SyncStateRow | null> {
  const { rows } = await db.query<SyncStateRow>(
    `SELECT ${stateColumns('s')} FROM unsubscribe_sync_state s WHERE link_id = $1`,
    [linkId],
  )
  return rows[0] ?? null
}

/** The states of the account's links, most recently seen link first. */
export async function statesForAccount(db: Queryable, accountId: string): Promise<SyncStateRow[]> {
  const { rows } = await db.query<SyncStateRow>(
    `SELECT ${stateColumns('s')}
     FROM unsubscribe_sync_state s JOIN salesforce_links l ON l.id = s.link_id
     WHERE l.account_id = $1 ORDER BY l.last_seen_at DESC`,
    [accountId],
  )
  return rows
}

/** Pauses the link's sync; the first pause time of the same reason is kept. Returns true when it was not paused for this reason before. */
export async function pause(db: Queryable, linkId: string, code: string): Promise<boolean> {
  const { rows } = await db.query(
    `INSERT INTO unsubscribe_sync_state AS s (link_id, paused_code, paused_at) VALUES ($1, $2, now())
     ON CONFLICT (link_id) DO UPDATE SET paused_code = EXCLUDED.paused_code,
       paused_at = CASE WHEN s.paused_code IS NOT DISTINCT FROM EXCLUDED.paused_code THEN s.paused_at ELSE now() END
     RETURNING (xmax = 0 OR paused_at = now()) AS changed`,
    [linkId, code],
  )
  return rows[0].changed
}

/** Clears a pause; returns true when the link was paused. */
export async function clearPause(db: Queryable, linkId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE unsubscribe_sync_state SET paused_code = NULL, paused_at = NULL WHERE link_id = $1 AND paused_code IS NOT NULL`,
    [linkId],
  )
  return rowCount === 1
}

export async function touchPush(db: Queryable, linkId: string): Promise<void> {
  await db.query(
    `INSERT INTO unsubscribe_sync_state (link_id, last_push_at) VALUES ($1, now())
     ON CONFLICT (link_id) DO UPDATE SET last_push_at = now()`,
    [linkId],
  )
}

/** Ends a pull: moves the watermark forward (never back) and stamps last_pull_at. */
export async function advancePull(db: Queryable, linkId: string, watermark: Date | null): Promise<void> {
  await db.query(
    `INSERT INTO unsubscribe_sync_state AS s (link_id, last_pull_at, pull_watermark) VALUES ($1, now(), $2)
     ON CONFLICT (link_id) DO UPDATE SET last_pull_at = now(),
       pull_watermark = CASE WHEN s.pull_watermark IS NULL OR EXCLUDED.pull_watermark > s.pull_watermark THEN COALESCE(EXCLUDED.pull_watermark, s.pull_watermark) ELSE s.pull_watermark END`,
    [linkId, watermark],
  )
}

export async function markPullAttempted(db: Queryable, linkIds: readonly string[]): Promise<void> {
  if (linkIds.length === 0) return
  await db.query(
    `INSERT INTO unsubscribe_sync_state (link_id, pull_attempted_at) SELECT id, now() FROM unnest($1::uuid[]) AS t(id)
     ON CONFLICT (link_id) DO UPDATE SET pull_attempted_at = now()`,
    [linkIds],
  )
}

// ---- what the sweep looks for -------------------------------------------------------------

export interface LinkRef {
  linkId: string
  accountId: string
}

/** Links whose state row is missing or not yet backfilled (new links). */
export async function linksToBackfill(db: Queryable, limit: number): Promise<LinkRef[]> {
  const { rows } = await db.query(
    `SELECT l.id, l.account_id FROM salesforce_links l LEFT JOIN unsubscribe_sync_state s ON s.link_id = l.id
     WHERE s.backfilled_at IS NULL ORDER BY l.linked_at LIMIT $1`,
    [limit],
  )
  return rows.map((r) => ({ linkId: r.id, accountId: r.account_id }))
}

/**
 * Gives a new link a pending push for every address the mailing side reported before the
 * link existed. Runs once per link (backfilled_at); call inside a transaction.
 */
export async function backfillLink(client: PoolClient, link: LinkRef): Promise<number> {
  const { rows } = await client.query(
    `INSERT INTO unsubscribe_sync_state AS s (link_id, backfilled_at) VALUES ($1, now())
     ON CONFLICT (link_id) DO UPDATE SET backfilled_at = now() WHERE s.backfilled_at IS NULL
     RETURNING link_id`,
    [link.linkId],
  )
  if (rows.length === 0) return 0
  const { rowCount } = await client.query(
    `INSERT INTO unsubscribe_sync (link_id, email, account_id)
     SELECT $1, email, account_id FROM suppressions WHERE account_id = $2 AND source = 'app'
     ON CONFLICT (link_id, email) DO NOTHING`,
    [link.linkId, link.accountId],
  )
  return rowCount ?? 0
}

/** Links with due pending addresses, and whether each is paused. */
export async function linksWithDuePending(
  db: Queryable,
  limit: number,
): Promise<Array<LinkRef & { pausedCode: string | null }>> {
  const { rows } = await db.query(
    `SELECT l.id, l.account_id, s.paused_code FROM salesforce_links l LEFT JOIN unsubscribe_sync_state s ON s.link_id = l.id
     WHERE EXISTS (SELECT 1 FROM unsubscribe_sync u WHERE u.link_id = l.id AND u.status = 'pending' AND u.next_attempt_at <= now())
     ORDER BY l.id LIMIT $1`,
    [limit],
  )
  return rows.map((r) => ({ linkId: r.id, accountId: r.account_id, pausedCode: r.paused_code }))
}

export async function pausedLinks(db: Queryable, limit: number): Promise<Array<LinkRef & { pausedCode: string }>> {
  const { rows } = await db.query(
    `SELECT l.id, l.account_id, s.paused_code FROM unsubscribe_sync_state s JOIN salesforce_links l ON l.id = s.link_id
     WHERE s.paused_code IS NOT NULL ORDER BY s.paused_at LIMIT $1`,
    [limit],
  )
  return rows.map((r) => ({ linkId: r.id, accountId: r.account_id, pausedCode: r.paused_code }))
}

/** Links not paused whose last pull is older than the interval (and not asked about in the last few minutes). */
export async function linksDueForPull(db: Queryable, intervalMinutes: number, limit: number): Promise<LinkRef[]> {
  const { rows } = await db.query(
    `SELECT l.id, l.account_id FROM salesforce_links l LEFT JOIN unsubscribe_sync_state s ON s.link_id = l.id
     WHERE s.paused_code IS NULL
       AND (s.last_pull_at IS NULL OR s.last_pull_at < now() - make_interval(mins => $1))
       AND (s.pull_attempted_at IS NULL OR s.pull_attempted_at < now() - make_interval(mins => LEAST($1, 5)))
     ORDER BY s.last_pull_at NULLS FIRST LIMIT $2`,
    [intervalMinutes, limit],
  )
  return rows.map((r) => ({ linkId: r.id, accountId: r.account_id }))
}

/** The account's links (for "sync now"), most recently seen first. */
export async function accountLinkIds(db: Queryable, accountId: string): Promise<string[]> {
  const { rows } = await db.query(`SELECT id FROM salesforce_links WHERE account_id = $1 ORDER BY last_seen_at DESC`, [
    accountId,
  ])
  return rows.map((r) => r.id)
}

// ---- one sync at a time per link, across processes -------------------------------------------

/**
 * A session-level advisory lock on a dedicated connection. Postgres releases it the moment
 * that connection ends, so a worker killed mid-push does not hold the link (a pg-boss
 * singleton would keep the dead job "active" until it expires).
 */
export async function tryLock(client: PoolClient, key: string): Promise<boolean> {
  const { rows } = await client.query(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok`, [key])
  return rows[0].ok
}

export async function unlock(client: PoolClient, key: string): Promise<void> {
  await client.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [key])
}
