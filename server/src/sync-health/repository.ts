/**
 * SQL behind the sync health page: push errors grouped by kind across unsubscribe_sync and
 * bounce_sync, retrying them, and the last success of each job. The kind is the Salesforce
 * error code in the stored reason ("Contact 003…: UNABLE_TO_LOCK_ROW: …", or "…(INVALID_FIELD).").
 */
import type { Queryable } from '../db/pool.js'

export type SyncJob = 'unsubscribe' | 'bounce'

const KIND = `COALESCE(substring(reason from '(?:^|[ (])([A-Z][A-Z_]{3,})[:)]'), 'OTHER')`

/** Failed addresses, and pending ones waiting after a refusal, of both pushes. */
const ERROR_ROWS = `
  SELECT 'unsubscribe' AS job, link_id, email, status, attempts, reason, updated_at, ${KIND} AS kind
  FROM unsubscribe_sync WHERE account_id = $1 AND reason IS NOT NULL AND (status = 'failed' OR (status = 'pending' AND attempts > 0))
  UNION ALL
  SELECT 'bounce' AS job, link_id, email, status, attempts, reason, updated_at, ${KIND} AS kind
  FROM bounce_sync WHERE account_id = $1 AND reason IS NOT NULL AND (status = 'failed' OR (status = 'pending' AND attempts > 0))`

export interface ErrorGroup {
  kind: string
  job: SyncJob
  count: number
  failed: number
  /** The first addresses (up to `sample`), newest first. */
  emails: string[]
  example: string
  lastAt: Date
}

export async function errorGroups(db: Queryable, accountId: string, sample: number): Promise<ErrorGroup[]> {
  const { rows } = await db.query(
    `SELECT kind, job, count(*)::int AS n, count(*) FILTER (WHERE status = 'failed')::int AS failed,
       (array_agg(email ORDER BY updated_at DESC, email))[1:$2] AS emails,
       (array_agg(reason ORDER BY updated_at DESC))[1] AS example, max(updated_at) AS last_at
     FROM (${ERROR_ROWS}) e GROUP BY kind, job ORDER BY n DESC, kind, job`,
    [accountId, sample],
  )
  return rows.map((r) => ({
    kind: r.kind,
    job: r.job,
    count: r.n,
    failed: r.failed,
    emails: r.emails,
    example: r.example,
    lastAt: r.last_at,
  }))
}

export interface ErrorRow {
  kind: string
  job: SyncJob
  email: string
  status: string
  attempts: number
  reason: string
  updatedAt: Date
}

export async function errorRows(db: Queryable, accountId: string, limit: number): Promise<ErrorRow[]> {
  const { rows } = await db.query(
    `SELECT kind, job, email, status, attempts, reason, updated_at FROM (${ERROR_ROWS}) e
     ORDER BY kind, job, updated_at DESC, email LIMIT $2`,
    [accountId, limit],
  )
  return rows.map((r) => ({
    kind: r.kind,
    job: r.job,
    email: r.email,
    status: r.status,
    attempts: r.attempts,
    reason: r.reason,
    updatedAt: r.updated_at,
  }))
}

/**
 * Makes the addresses of a kind (all kinds when null) due again with fresh attempts.
 * Returns the links touched per job.
 */
export async function retryErrors(
  db: Queryable,
  accountId: string,
  kind: string | null,
): Promise<{ addresses: number; unsubscribeLinks: string[]; bounceLinks: string[] }> {
  const retry = (table: string) =>
    db.query(
      `WITH up AS (
         UPDATE ${table} SET status = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now()
         WHERE account_id = $1 AND reason IS NOT NULL AND (status = 'failed' OR (status = 'pending' AND attempts > 0))
           AND ($2::text IS NULL OR ${KIND} = $2)
         RETURNING link_id)
       SELECT link_id, count(*)::int AS n FROM up GROUP BY link_id`,
      [accountId, kind],
    )
  const [u, b] = [await retry('unsubscribe_sync'), await retry('bounce_sync')]
  const sum = (rows: Array<{ n: number }>) => rows.reduce((acc, r) => acc + r.n, 0)
  return {
    addresses: sum(u.rows) + sum(b.rows),
    unsubscribeLinks: u.rows.map((r) => r.link_id),
    bounceLinks: b.rows.map((r) => r.link_id),
  }
}

export interface JobTimes {
  unsubscribePush: Date | null
  unsubscribePull: Date | null
  bouncePush: Date | null
}

export async function lastSuccesses(db: Queryable, accountId: string): Promise<JobTimes> {
  const { rows } = await db.query(
    `SELECT max(s.last_push_at) AS push, max(s.last_pull_at) AS pull, max(s.last_bounce_push_at) AS bounce
     FROM unsubscribe_sync_state s JOIN salesforce_links l ON l.id = s.link_id WHERE l.account_id = $1`,
    [accountId],
  )
  return { unsubscribePush: rows[0].push, unsubscribePull: rows[0].pull, bouncePush: rows[0].bounce }
}

export async function accountLinkIds(db: Queryable, accountId: string): Promise<string[]> {
  const { rows } = await db.query(`SELECT id FROM salesforce_links WHERE account_id = $1`, [accountId])
  return rows.map((r) => r.id)
}

/** Accounts with a link to the org (who hears about its API cap). */
export async function accountsOfOrg(db: Queryable, organizationId: string): Promise<string[]> {
  const { rows } = await db.query(`SELECT DISTINCT account_id FROM salesforce_links WHERE organization_id = $1`, [
    organizationId,
  ])
  return rows.map((r) => r.account_id)
}
