/** All SQL for `audit_log`. */
import type { Queryable } from '../db/pool.js'
import type { AuditEntry } from './audit-log.js'

export async function insertAuditEntry(db: Queryable, e: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (account_id, link_id, event, outcome, ip, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
    [e.accountId ?? null, e.linkId ?? null, e.event, e.outcome, e.ip ?? null, JSON.stringify(e.detail ?? {})],
  )
}
