/** All SQL for `audit_log`. */
import type { Queryable } from '../db/pool.js'
import { SqlParams } from '../db/sql.js'

export type AuditEvent =
  | 'app.signup'
  | 'app.login'
  | 'app.logout'
  | 'app.password_confirmed'
  | 'canvas.visit'
  | 'link.created'
  | 'credential.saved'
  | 'credential.updated'
  | 'credential.deleted'
  | 'credential.rejected'
  | 'salesforce.login'
  | 'oauth.connected'
  | 'api_key.created'
  | 'api_key.revoked'
  | 'salesforce.api_cap_set'

export interface AuditEntry {
  event: AuditEvent
  outcome: 'success' | 'failure'
  accountId?: string | null
  linkId?: string | null
  ip?: string | null
  detail?: Record<string, unknown>
}

/** Appends an entry (also a fragment of the canvas fast path, server/src/canvas/repository.ts). */
export function insertAuditEntrySql(p: SqlParams, e: AuditEntry): string {
  return `INSERT INTO audit_log (account_id, link_id, event, outcome, ip, detail)
     VALUES (${p.add(e.accountId ?? null)}, ${p.add(e.linkId ?? null)}, ${p.add(e.event)}, ${p.add(e.outcome)},
       ${p.add(e.ip ?? null)}, ${p.add(JSON.stringify(e.detail ?? {}))})`
}

export async function insertAuditEntry(db: Queryable, e: AuditEntry): Promise<void> {
  const p = new SqlParams()
  await db.query(insertAuditEntrySql(p, e), p.values)
}
