/** The audit log: credential changes, logins (app and Salesforce) and their outcome. */
import type { Queryable } from '../db/pool.js'
import * as repo from './repository.js'
import type { AuditEvent, AuditEntry } from './repository.js'

export type { AuditEvent, AuditEntry }

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
