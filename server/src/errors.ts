/**
 * The one error registry. Every error a client can see has a stable `code`, an HTTP
 * status and a message a person can act on. Salesforce errors are translated into
 * these codes in `salesforce/error-translation.ts`, keeping the original as `cause`.
 */

export interface ErrorDefinition {
  status: number
  message: string
}

export const ERRORS = {
  // Generic
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid.' },
  MALFORMED_REQUEST: { status: 400, message: 'The request could not be read.' },
  INVALID_CHARACTERS: {
    status: 400,
    message: 'The request contains control characters (U+0000 to U+001F, U+007F) where they are not allowed.',
  },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'This content type is not accepted here.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  ROUTE_NOT_FOUND: { status: 404, message: 'There is no such endpoint.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed here.' },
  RATE_LIMITED: { status: 429, message: 'Too many attempts. Wait a minute and try again.' },
  INTERNAL_ERROR: { status: 500, message: 'Something went wrong on our side. Try again later.' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is not ready. Try again shortly.' },

  // Sessions and accounts
  UNAUTHENTICATED: { status: 401, message: 'Sign in to continue.' },
  SESSION_EXPIRED: { status: 401, message: 'Your session has ended. Sign in again.' },
  CSRF_INVALID: {
    status: 403,
    message: 'The security token of this page is missing or stale. Reload the page and try again.',
  },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do that.' },
  ORIGIN_NOT_ALLOWED: {
    status: 403,
    message: 'This request came from another website. Sign in on SF Link’s own page.',
  },
  INVALID_CREDENTIALS: { status: 401, message: 'That email and password do not match an account.' },
  EMAIL_TAKEN: { status: 409, message: 'An account with this email already exists. Sign in instead.' },
  PASSWORD_TOO_SHORT: { status: 400, message: 'Choose a password of at least 12 characters.' },
  PENDING_LINK_REQUIRED: { status: 400, message: 'Open SF Link inside Salesforce to link your Salesforce user.' },
  API_KEY_INVALID: { status: 401, message: 'The API key is not valid or was revoked.' },
  PASSWORD_CONFIRMATION_FAILED: {
    status: 403,
    message: 'That is not your SF Link password. Enter the password you sign in to SF Link with.',
  },

  // Canvas
  CANVAS_MALFORMED: { status: 400, message: 'The signed request from Salesforce could not be read.' },
  CANVAS_BAD_SIGNATURE: {
    status: 401,
    message:
      'The signed request from Salesforce could not be verified. Check the consumer secret configured in SF Link.',
  },
  CANVAS_REPLAYED: {
    status: 401,
    message:
      'This Salesforce page is out of date and SF Link could not confirm it with Salesforce. Reload the page in Salesforce to open SF Link again.',
  },
  CANVAS_INVALID_PAYLOAD: {
    status: 400,
    message: 'The signed request from Salesforce is missing required information.',
  },

  // Linking
  LINK_NOT_FOUND: {
    status: 404,
    message: 'No Salesforce user is linked yet. Open SF Link inside Salesforce once to link it.',
  },
  LINK_CONFLICT: { status: 409, message: 'This Salesforce user is already linked to another SF Link account.' },
  LINK_ORG_TAKEN: {
    status: 409,
    message: 'Your SF Link account is already linked to another user of this Salesforce org.',
  },

  // Salesforce (docs/spec.md §5)
  SF_INVALID_LOGIN: {
    status: 422,
    message:
      'Salesforce rejected the username, password or security token, or the user is locked out. A recently reset security token or changed password is the usual cause: enter the new token.',
  },
  SF_SECURITY_TOKEN_REQUIRED: {
    status: 422,
    message:
      "Salesforce requires the security token because SF Link is outside your org's trusted IP ranges. Add your security token.",
  },
  SF_LOCKED_OUT: {
    status: 422,
    message:
      'Salesforce has locked this user after too many failed logins. Wait for the lockout to end or ask your Salesforce admin to unlock you.',
  },
  SF_API_DISABLED: {
    status: 422,
    message:
      'Your Salesforce org or profile does not allow API access. Ask your Salesforce admin to enable "API Enabled", then use Connect with Salesforce.',
  },
  SF_SOAP_LOGIN_DISABLED: {
    status: 422,
    message:
      "Your Salesforce org has SOAP API login() turned off (the default for orgs created in Winter '26 or later), so a username, password and security token cannot be used. Use Connect with Salesforce instead.",
  },
  SF_LOGIN_NOT_PERMITTED: {
    status: 422,
    message:
      'Salesforce refused the username and password login: your user lacks the "Use Any API Auth" permission that SOAP API login() needs. Use Connect with Salesforce instead, which does not need it.',
  },
  SF_PASSWORD_EXPIRED: {
    status: 422,
    message:
      'Your Salesforce password has expired. Change it in Salesforce, then enter the new security token Salesforce emails you.',
  },
  SF_AUTHORIZATION_REVOKED: {
    status: 422,
    message: 'Salesforce access was revoked or has expired. Connect with Salesforce again.',
  },
  SF_RATE_LIMITED: {
    status: 429,
    message: 'Salesforce limits were reached. SF Link will retry later.',
  },
  SF_UNAVAILABLE: {
    status: 503,
    message: 'Salesforce could not be reached. SF Link will retry later.',
  },
  SF_REQUEST_FAILED: { status: 502, message: 'Salesforce refused the request.' },
  SF_API_CAP_REACHED: {
    status: 429,
    message:
      'SF Link used the share of your Salesforce API limit you allowed it. Background sync waits and goes on in the next window; nothing is lost.',
  },
  SF_UNTRUSTED_URL: {
    status: 502,
    message:
      'Salesforce answered with an address outside Salesforce, so SF Link did not send your access there. Try again; if it persists, check the Salesforce login URL.',
  },
  SF_CREDENTIALS_REQUIRED: {
    status: 403,
    message:
      'This needs access to Salesforce. Open SF Link inside Salesforce, or add your Salesforce credentials under Settings → Integrations → Link Accounts.',
  },
  SF_ENVIRONMENT_NOT_ALLOWED: {
    status: 400,
    message:
      'The environment must be production, sandbox or a Salesforce My Domain URL (https://<name>.my.salesforce.com).',
  },
  SF_OAUTH_FAILED: { status: 400, message: 'Connecting with Salesforce did not complete. Try again.' },
  SF_OAUTH_DENIED: {
    status: 400,
    message:
      'You declined access on Salesforce’s page, so SF Link is not connected. To connect, choose Connect with Salesforce again and select Allow.',
  },
  SF_OAUTH_OTHER_BROWSER: {
    status: 400,
    message:
      'This Salesforce sign-in was started in another browser or window. Start Connect (or Sign in) with Salesforce again from here.',
  },
  SF_JWT_NOT_CONFIGURED: { status: 400, message: 'JWT bearer access is not configured on this SF Link server.' },
  SF_NOT_LINKED: { status: 404, message: 'No SF Link account is linked to that Salesforce user.' },
  SF_USER_MISMATCH: {
    status: 422,
    message:
      'These Salesforce credentials belong to a different Salesforce user than the one linked to your SF Link account. Use the login of the linked user.',
  },
  CREDENTIAL_NOT_FOUND: {
    status: 404,
    message: 'No Salesforce username and password are stored yet. Enter them and choose Save.',
  },

  // Notifications
  UNSUBSCRIBE_LINK_INVALID: {
    status: 400,
    message:
      'This unsubscribe link is not valid. Copy the whole link from the email, or turn the emails off under Settings → Link Accounts.',
  },
  NOTIFICATION_KIND_UNKNOWN: {
    status: 404,
    message:
      'There is no such notification. Known kinds: access_broken, access_reminder, access_restored, api_cap_reached.',
  },

  // Connections
  CONNECTION_INVALID: { status: 400, message: 'The connection definition is not valid.' },
  CONNECTION_NOT_FOUND: { status: 404, message: 'This database connection does not exist, or was deleted.' },
  CONNECTION_FIELD_REMOVED: {
    status: 409,
    message:
      'A field this connection uses no longer exists in Salesforce, or you can no longer see it. Edit the connection to replace it.',
  },
  CONNECTION_FIELD_NOT_FILTERABLE: {
    status: 409,
    message: 'Salesforce no longer allows filtering on a field this connection filters on. Edit the filter.',
  },
  CONNECTION_QUERY_REFUSED: {
    status: 409,
    message: "Salesforce refused this connection's query. Edit the connection; running it again will not help.",
  },
  CONNECTION_EMPTY: { status: 409, message: 'The connection matches no records right now.' },
} as const satisfies Record<string, ErrorDefinition>

export type ErrorCode = keyof typeof ERRORS

export class AppError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly details?: unknown
  /** For 429: how long to wait, sent as `Retry-After`. */
  readonly retryAfterSeconds?: number

  constructor(
    code: ErrorCode,
    message?: string,
    options?: { cause?: unknown; details?: unknown; retryAfterSeconds?: number },
  ) {
    super(message ?? ERRORS[code].message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'AppError'
    this.code = code
    this.status = ERRORS[code].status
    this.details = options?.details
    this.retryAfterSeconds = options?.retryAfterSeconds
  }

  toJSON(): { code: ErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details }
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError
}
