/** All SQL for `audit_log`. */
import type { Queryable } from '../db/pool.js'

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

export interface AuditEntry {
  event: AuditEvent
  outcome: 'success' | 'failure'
  accountId?: string | null
  linkId?: string | null
  ip?: string | null
  detail?: Record<string, unknown>
}

export async function insertAuditEntry(db: Queryable, e: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (account_id, link_id, event, outcome, ip, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
    [e.accountId ?? null, e.linkId ?? null, e.event, e.outcome, e.ip ?? null, JSON.stringify(e.detail ?? {})],
  )
}
