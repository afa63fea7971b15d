/**
 * The one credential policy: which credential speaks for a link and in what order they are
 * tried, the class of every `SF_*` code (credential / transient / fatal), what the person can
 * do about it, and the access state (`canConnect`). Pure: no database, no Salesforce. Used by
 * the link view (`links/service.ts`), Salesforce access (`salesforce/access.ts`), unsubscribe
 * sync (`unsubscribes/sync.ts`) and connection problems (`connections/problems.ts`); the UI
 * shows the link view's decisions as they come.
 */
import { ERRORS, type ErrorCode } from '../errors.js'
import type { CredentialKind, CredentialStatus } from './credentials-repository.js'
import type { AccessAction } from '../contract/salesforce.js'

/** Stored credentials in the order they are used outside Salesforce: no secret of the person's first. */
export const STORED_CREDENTIAL_ORDER = ['oauth_refresh', 'jwt_bearer', 'password_token'] as const
export type StoredCredentialKind = (typeof STORED_CREDENTIAL_ORDER)[number]

/**
 * - `credential`: the credential itself is refused; its circuit opens (no further login with it,
 *   which could lock the user out) and background work pauses until the person changes it.
 * - `transient`: passes by itself; retried later with backoff.
 * - `fatal`: this request failed; nothing to retry automatically, the credential stays as it is.
 */
export type ErrorClass = 'credential' | 'transient' | 'fatal'

/**
 * What the person can do about a failure (the contract's list, server/src/contract/salesforce.ts):
 * `connect_with_salesforce` (the way out of every SOAP login failure), `update_credential` (the new
 * token or password), `ask_admin` (see `adminAction`), `wait` (SF Link retries by itself),
 * `open_in_salesforce` (reload SF Link inside Salesforce).
 */
export type { AccessAction }

type SalesforceCode = Extract<ErrorCode, `SF_${string}`>

/** Every `SF_*` code has exactly one class (the type makes a new code without one a compile error). */
const CLASSES: Record<SalesforceCode, ErrorClass> = {
  SF_INVALID_LOGIN: 'credential',
  SF_SECURITY_TOKEN_REQUIRED: 'credential',
  SF_LOCKED_OUT: 'credential',
  SF_API_DISABLED: 'credential',
  SF_SOAP_LOGIN_DISABLED: 'credential',
  SF_LOGIN_NOT_PERMITTED: 'credential',
  SF_PASSWORD_EXPIRED: 'credential',
  SF_AUTHORIZATION_REVOKED: 'credential',
  SF_CREDENTIALS_REQUIRED: 'credential',
  SF_RATE_LIMITED: 'transient',
  SF_UNAVAILABLE: 'transient',
  // Passes by itself in the next window (or when the person raises the cap); background work checks it first.
  SF_API_CAP_REACHED: 'transient',
  SF_REQUEST_FAILED: 'fatal',
  SF_UNTRUSTED_URL: 'fatal',
  SF_ENVIRONMENT_NOT_ALLOWED: 'fatal',
  SF_OAUTH_FAILED: 'fatal',
  SF_OAUTH_DENIED: 'fatal',
  SF_OAUTH_OTHER_BROWSER: 'fatal',
  SF_JWT_NOT_CONFIGURED: 'fatal',
  SF_NOT_LINKED: 'fatal',
  SF_USER_MISMATCH: 'fatal',
}

const ACTIONS: Partial<Record<ErrorCode, AccessAction>> = {
  SF_INVALID_LOGIN: 'update_credential',
  SF_SECURITY_TOKEN_REQUIRED: 'update_credential',
  SF_PASSWORD_EXPIRED: 'update_credential',
  SF_LOCKED_OUT: 'ask_admin',
  SF_API_DISABLED: 'ask_admin',
  SF_SOAP_LOGIN_DISABLED: 'connect_with_salesforce',
  SF_LOGIN_NOT_PERMITTED: 'connect_with_salesforce',
  SF_AUTHORIZATION_REVOKED: 'connect_with_salesforce',
  SF_CREDENTIALS_REQUIRED: 'connect_with_salesforce',
  LINK_NOT_FOUND: 'open_in_salesforce',
  SESSION_EXPIRED: undefined,
  SF_RATE_LIMITED: 'wait',
  SF_UNAVAILABLE: 'wait',
  SF_API_CAP_REACHED: 'wait',
}

/** What a Salesforce admin can change, for the failures only an admin can fix. */
const ADMIN_ACTIONS: Partial<Record<ErrorCode, string>> = {
  SF_SOAP_LOGIN_DISABLED:
    'An admin can select "Enable SOAP API login()" in Setup → User Interface, but Salesforce retires that login in Summer \'27: Connect with Salesforce is the lasting fix.',
  SF_LOGIN_NOT_PERMITTED:
    'An admin can give you the "Use Any API Auth" permission in a permission set; Connect with Salesforce does not need it.',
  SF_API_DISABLED:
    'An admin can turn on "API Enabled" for your profile or in a permission set (and the org needs an edition with API access).',
  SF_LOCKED_OUT: 'An admin can unlock you in Setup → Users; otherwise the lockout ends by itself.',
}

export function isSalesforceCode(code: string): code is SalesforceCode {
  return Object.hasOwn(CLASSES, code)
}

/** The class of a code; codes outside Salesforce access are `fatal` (not retried, no circuit). */
export function errorClass(code: string): ErrorClass {
  return isSalesforceCode(code) ? CLASSES[code] : 'fatal'
}

/** The credential itself is refused: open its circuit, pause background work. */
export const isCredentialError = (code: string): boolean => errorClass(code) === 'credential'

/** Passes by itself: retry with backoff. */
export const isTransient = (code: string): boolean => errorClass(code) === 'transient'

/** May the next stored credential be tried after this failure of one? */
export function fallsThrough(code: string): boolean {
  return isCredentialError(code) || code === 'SESSION_EXPIRED'
}

export function actionFor(code: string): AccessAction | null {
  return (ACTIONS as Record<string, AccessAction | undefined>)[code] ?? null
}

export function adminAction(code: string): string | null {
  return (ADMIN_ACTIONS as Record<string, string | undefined>)[code] ?? null
}

/** A stored reason as a code of the registry (rows written by older versions may hold other text). */
export function reasonCode(reason: string | null | undefined): ErrorCode {
  return reason && Object.hasOwn(ERRORS, reason) ? (reason as ErrorCode) : 'SF_INVALID_LOGIN'
}

/** The fields of a stored credential that the policy reads. */
export interface PolicyCredential {
  kind: CredentialKind
  status: CredentialStatus
  reason: string | null
  expiresAt: Date | null
  lastFailureAt: Date | null
}

/** A canvas session is live while its token has not expired. */
export function isLiveCanvas(c: PolicyCredential, now: Date): boolean {
  return c.kind === 'canvas' && (!c.expiresAt || c.expiresAt > now)
}

/**
 * The credentials to try, in order: the live canvas session (only for a request made inside
 * Salesforce), then the stored ones in `STORED_CREDENTIAL_ORDER`.
 */
export function orderCredentials<T extends PolicyCredential>(
  all: readonly T[],
  opts: { canvas: boolean; now: Date },
): T[] {
  const ordered: T[] = []
  if (opts.canvas) {
    const canvas = all.find((c) => isLiveCanvas(c, opts.now))
    if (canvas) ordered.push(canvas)
  }
  for (const kind of STORED_CREDENTIAL_ORDER) {
    const c = all.find((x) => x.kind === kind)
    if (c) ordered.push(c)
  }
  return ordered
}

/** A credential may be tried: its circuit is closed (a rate-limited one is only waiting). */
export const isUsable = (c: PolicyCredential): boolean => c.status !== 'needs_attention'

/**
 * The stored credential the link view leads with: the first usable one in order; when none
 * is usable, the one whose failure happened last (that is what the person just ran into).
 */
export function primaryCredential<T extends PolicyCredential>(all: readonly T[]): T | null {
  const stored = orderCredentials(all, { canvas: false, now: new Date(0) })
  const usable = stored.find(isUsable)
  if (usable) return usable
  const byLastFailure = [...stored].sort(
    (a, b) => (b.lastFailureAt?.getTime() ?? 0) - (a.lastFailureAt?.getTime() ?? 0),
  )
  return byLastFailure[0] ?? null
}

export interface AccessDecision {
  /** Salesforce access is available without attempting a login first. */
  canConnect: boolean
  /** When not: why (SF_CREDENTIALS_REQUIRED, LINK_NOT_FOUND, or the failed credential's reason). */
  code: ErrorCode | null
  message: string | null
  action: AccessAction | null
  adminAction: string | null
}

const NOT_LINKED_MESSAGE =
  'This needs access to Salesforce. Open SF Link inside Salesforce once to link your Salesforce user, then add credentials under Settings → Integrations → Link Accounts.'

/**
 * The access state of a link (or of no link). `canvas` is true for a request made with a
 * canvas session; its live canvas token then counts.
 */
export function decideAccess(input: {
  linked: boolean
  credentials: readonly PolicyCredential[]
  canvas: boolean
  now: Date
}): AccessDecision {
  const denied = (code: ErrorCode, message?: string): AccessDecision => ({
    canConnect: false,
    code,
    message: message ?? ERRORS[code].message,
    action: actionFor(code),
    adminAction: adminAction(code),
  })
  if (!input.linked) return denied('SF_CREDENTIALS_REQUIRED', NOT_LINKED_MESSAGE)
  const ordered = orderCredentials(input.credentials, input)
  if (ordered.some(isUsable)) return { canConnect: true, code: null, message: null, action: null, adminAction: null }
  const failed = primaryCredential(ordered)
  if (failed) return denied(reasonCode(failed.reason))
  return denied('SF_CREDENTIALS_REQUIRED')
}

/** Salesforce retires SOAP login() (username, password and security token) in Summer '27. */
export const PASSWORD_TOKEN_RETIREMENT =
  "Salesforce retires this in Summer '27: SOAP login() with a username, password and security token stops working. Switch to Connect with Salesforce."

/** A notice for a stored credential kind, if any. */
export function retirementNotice(kind: CredentialKind | null): string | null {
  return kind === 'password_token' ? PASSWORD_TOKEN_RETIREMENT : null
}
