/** The audit log: credential changes, logins (app and Salesforce) and their outcome. */
import type { Queryable } from '../db/pool.js'
import * as repo from './repository.js'

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

export interface AuditLog {
  record(entry: AuditEntry, db?: Queryable): Promise<void>
}

export function createAuditLog({ db }: { db: Queryable }): AuditLog {
  return {
    async record(entry, client) {
      await repo.insertAuditEntry(client ?? db, entry)
    },
  }
}
