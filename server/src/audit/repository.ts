/** All SQL for `audit_log`. */
import type { Queryable } from '../db/pool.js'
import type { AuditEntry } from './audit-log.js'

export async function insertAuditEntry(db: Queryable, e: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (account_id, link_id, event, outcome, ip, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
    [e.accountId ?? null, e.linkId ?? null, e.event, e.outcome, e.ip ?? null, JSON.stringify(e.detail ?? {})],
  )
}

export async function listAuditEntries(db: Queryable, accountId: string, limit = 50): Promise<Array<AuditEntry & { at: Date }>> {
  const { rows } = await db.query(
    `SELECT at, account_id, link_id, event, outcome, ip, detail FROM audit_log WHERE account_id = $1 ORDER BY id DESC LIMIT $2`,
    [accountId, limit],
  )
  return rows.map((r) => ({ at: r.at, accountId: r.account_id, linkId: r.link_id, event: r.event, outcome: r.outcome, ip: r.ip, detail: r.detail }))
}
