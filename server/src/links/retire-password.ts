/**
 * Moving people off the security token: once an OAuth refresh token works for a link (Connect
 * with Salesforce, an approved canvas app, or a canvas refresh token used for the first time),
 * the stored username, password and security token are deleted, so fewer secrets are held.
 * The audit log says so. Only a password stored before that refresh token goes: one the person
 * stored (or changed) after it was their deliberate choice.
 */
import type { Queryable } from '../db/pool.js'
import type { AuditLog } from '../audit/audit-log.js'
import type { CredentialStore } from './credential-store.js'

export async function retirePasswordCredential(
  db: Queryable,
  deps: { credentials: CredentialStore; audit: AuditLog },
  link: { id: string; accountId: string },
  replacedBy: { kind: 'oauth_refresh'; savedAt: Date },
): Promise<boolean> {
  const password = await deps.credentials.find(db, link.id, 'password_token')
  if (!password || password.savedAt > replacedBy.savedAt) return false
  await deps.credentials.remove(db, link.id, ['password_token'])
  await deps.audit.record(
    {
      event: 'credential.deleted',
      outcome: 'success',
      accountId: link.accountId,
      linkId: link.id,
      detail: {
        kind: 'password_token',
        reason: 'replaced',
        replacedBy: replacedBy.kind,
        note: 'Connect with Salesforce works for this link: the stored password and security token were deleted.',
      },
    },
    db,
  )
  return true
}
