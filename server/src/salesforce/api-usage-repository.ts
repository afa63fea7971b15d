/** All SQL for salesforce_api_usage and salesforce_org_api. */
import type { Queryable } from '../db/pool.js'

/** Adds calls to an org's hour bucket. */
export async function addCalls(db: Queryable, orgId: string, hour: Date, calls: number): Promise<void> {
  if (calls === 0) return
  await db.query(
    `INSERT INTO salesforce_api_usage (organization_id, hour, calls) VALUES ($1, $2, $3)
     ON CONFLICT (organization_id, hour) DO UPDATE SET calls = salesforce_api_usage.calls + EXCLUDED.calls`,
    [orgId, hour, calls],
  )
}

/** Calls in the window (hour buckets starting after `since`), and the oldest such bucket. */
export async function callsSince(
  db: Queryable,
  orgId: string,
  since: Date,
): Promise<{ calls: number; oldestHour: Date | null }> {
  const { rows } = await db.query(
    `SELECT COALESCE(sum(calls), 0)::int AS calls, min(hour) AS oldest FROM salesforce_api_usage
     WHERE organization_id = $1 AND hour > $2`,
    [orgId, since],
  )
  return { calls: rows[0].calls, oldestHour: rows[0].oldest }
}

/** Hour buckets of the window, oldest first (when calls would leave the window). */
export async function bucketsSince(
  db: Queryable,
  orgId: string,
  since: Date,
): Promise<Array<{ hour: Date; calls: number }>> {
  const { rows } = await db.query(
    `SELECT hour, calls FROM salesforce_api_usage WHERE organization_id = $1 AND hour > $2 ORDER BY hour`,
    [orgId, since],
  )
  return rows.map((r) => ({ hour: r.hour, calls: r.calls }))
}

export interface OrgApiRow {
  organizationId: string
  apiUsed: number | null
  apiLimit: number | null
  observedAt: Date | null
  capPercent: number | null
  capReachedAt: Date | null
}

export async function findOrg(db: Queryable, orgId: string): Promise<OrgApiRow | null> {
  const { rows } = await db.query(
    `SELECT organization_id, api_used, api_limit, observed_at, cap_percent, cap_reached_at FROM salesforce_org_api WHERE organization_id = $1`,
    [orgId],
  )
  const r = rows[0]
  return r
    ? {
        organizationId: r.organization_id,
        apiUsed: r.api_used,
        apiLimit: r.api_limit,
        observedAt: r.observed_at,
        capPercent: r.cap_percent === null ? null : Number(r.cap_percent),
        capReachedAt: r.cap_reached_at,
      }
    : null
}

/** The org's usage and limit as Salesforce last reported them (the newest observation wins). */
export async function recordLimitInfo(
  db: Queryable,
  orgId: string,
  used: number,
  limit: number,
  at: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO salesforce_org_api AS o (organization_id, api_used, api_limit, observed_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (organization_id) DO UPDATE SET api_used = EXCLUDED.api_used, api_limit = EXCLUDED.api_limit,
       observed_at = EXCLUDED.observed_at, updated_at = now()
     WHERE o.observed_at IS NULL OR o.observed_at <= EXCLUDED.observed_at`,
    [orgId, used, limit, at],
  )
}

export async function setCap(db: Queryable, orgId: string, percent: number | null): Promise<void> {
  await db.query(
    `INSERT INTO salesforce_org_api AS o (organization_id, cap_percent) VALUES ($1, $2)
     ON CONFLICT (organization_id) DO UPDATE SET cap_percent = EXCLUDED.cap_percent, cap_reached_at = NULL, updated_at = now()`,
    [orgId, percent],
  )
}

/** Marks the cap reached; true when it was not marked yet (the first refusal of this window). */
export async function markCapReached(db: Queryable, orgId: string, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE salesforce_org_api SET cap_reached_at = $2, updated_at = now() WHERE organization_id = $1 AND cap_reached_at IS NULL`,
    [orgId, at],
  )
  return rowCount === 1
}

export async function clearCapReached(db: Queryable, orgId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE salesforce_org_api SET cap_reached_at = NULL, updated_at = now() WHERE organization_id = $1 AND cap_reached_at IS NOT NULL`,
    [orgId],
  )
  return rowCount === 1
}
