/**
 * The one door to Salesforce (docs/spec.md §3). Every operation that needs Salesforce
 * data goes through `SalesforceAccess`; nothing else creates jsforce connections.
 */
import type { Connection } from 'jsforce'
import type { ErrorCode } from '../errors.js'

/** Whose Salesforce to reach, and whether the request comes from inside Salesforce (live canvas session). */
export interface AccessTarget {
  accountId: string
  /** The link to use (canvas sessions carry theirs); null = the account's most recently seen link. */
  linkId?: string | null
  /** True only for a request made with a canvas session: its live canvas token may be used. */
  canvas: boolean
  /**
   * Background work (jobs): its calls stop at the org's API cap for SF Link, each refused call
   * an AppError SF_API_CAP_REACHED (no request sent). Requests a person waits for are not capped.
   */
  background?: boolean
}

export interface AccessState {
  /** Salesforce access is available now without attempting a login: live canvas token, or a stored credential with status ok. */
  canConnect: boolean
  /** When not: SF_CREDENTIALS_REQUIRED, LINK_NOT_FOUND, or the stored credential's reason (e.g. SF_INVALID_LOGIN). */
  code: ErrorCode | null
  message: string | null
  linkId: string | null
  organizationId: string | null
}

export interface SalesforceAccess {
  /** Cheap check for gating (no Salesforce call). */
  state(target: AccessTarget): Promise<AccessState>
  /**
   * Runs `fn` with a jsforce Connection (with refreshFn) for the target. Strategy: canvas token
   * when `target.canvas`; otherwise stored credentials in the order oauth_refresh → jwt_bearer →
   * password_token. Access tokens are cached in Postgres and shared; concurrent callers share one
   * login. A 401 refreshes once. Errors are thrown as AppError with docs/spec.md §5 codes
   * (SF_CREDENTIALS_REQUIRED when nothing usable; the credential's code when it fails).
   */
  withConnection<T>(target: AccessTarget, fn: (conn: Connection) => Promise<T>): Promise<T>
}
