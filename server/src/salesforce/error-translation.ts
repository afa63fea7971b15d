/**
 * Salesforce errors → docs/spec.md §5 codes, in one place, keeping the original as `cause`.
 * jsforce reports them in three shapes: SOAP faults as `Error("<CODE>: <text>")`, OAuth
 * errors with `name` = the OAuth error, and REST errors with `errorCode`.
 */
import { AppError, type ErrorCode } from '../errors.js'

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
])

const SALESFORCE_CODES: Record<string, ErrorCode> = {
  INVALID_LOGIN: 'SF_INVALID_LOGIN',
  LOGIN_MUST_USE_SECURITY_TOKEN: 'SF_SECURITY_TOKEN_REQUIRED',
  PASSWORD_LOCKOUT: 'SF_LOCKED_OUT',
  API_DISABLED_FOR_ORG: 'SF_API_DISABLED',
  API_CURRENTLY_DISABLED: 'SF_API_DISABLED',
  INVALID_OPERATION: 'SF_SOAP_LOGIN_DISABLED',
  UNSUPPORTED_API_VERSION: 'SF_SOAP_LOGIN_DISABLED',
  LOGIN_RATE_EXCEEDED: 'SF_RATE_LIMITED',
  REQUEST_LIMIT_EXCEEDED: 'SF_RATE_LIMITED',
  TOO_MANY_REQUESTS: 'SF_RATE_LIMITED',
  SERVER_UNAVAILABLE: 'SF_UNAVAILABLE',
  UNKNOWN_EXCEPTION: 'SF_UNAVAILABLE',
}

function codeFromMessage(message: string): string | null {
  // SOAP faultstring: "INVALID_LOGIN: Invalid username, password, security token; or user locked out."
  const m = /^(?:sf:)?([A-Z][A-Z_]{3,}):/.exec(message.trim())
  return m ? m[1]! : null
}

export function translateSalesforceError(err: unknown): AppError {
  if (err instanceof AppError) return err
  const e = (err ?? {}) as {
    name?: string
    message?: string
    errorCode?: string
    code?: string
    statusCode?: number
    cause?: { code?: string }
  }
  const message = typeof e.message === 'string' ? e.message : ''
  const wrap = (code: ErrorCode) => new AppError(code, undefined, { cause: err })

  // OAuth token endpoint
  // invalid_grant: expired or revoked refresh token, or a refused grant ("authentication failure").
  if (e.name === 'invalid_grant') return wrap('SF_AUTHORIZATION_REVOKED')
  if (e.name === 'invalid_client' || e.name === 'invalid_client_id') return wrap('SF_AUTHORIZATION_REVOKED')
  if (e.name === 'inactive_user' || e.name === 'inactive_org') return wrap('SF_API_DISABLED')
  if (e.name === 'rate_limit_exceeded') return wrap('SF_RATE_LIMITED')
  if (typeof e.name === 'string' && /^ERROR_HTTP_5\d\d$/.test(e.name)) return wrap('SF_UNAVAILABLE')

  if (/password has expired/i.test(message)) return wrap('SF_PASSWORD_EXPIRED')

  const sfCode = e.errorCode ?? codeFromMessage(message) ?? (e.name && /^[A-Z_]+$/.test(e.name) ? e.name : null)
  // A SOAP login() fault (no REST errorCode): the user lacks "Use Any API Auth". Not "API disabled":
  // Connect with Salesforce works without that permission.
  if (sfCode === 'INSUFFICIENT_ACCESS' && !e.errorCode) return wrap('SF_LOGIN_NOT_PERMITTED')
  if (sfCode && SALESFORCE_CODES[sfCode]) return wrap(SALESFORCE_CODES[sfCode]!)
  if (sfCode && /^ERROR_HTTP_5\d\d$/.test(sfCode)) return wrap('SF_UNAVAILABLE')

  const netCode = e.code ?? e.cause?.code
  if ((netCode && NETWORK_CODES.has(netCode)) || /fetch failed|socket hang up|network|ECONNREFUSED/i.test(message))
    return wrap('SF_UNAVAILABLE')
  if (typeof e.statusCode === 'number' && e.statusCode >= 500) return wrap('SF_UNAVAILABLE')
  // jsforce reports an HTML error page (an outage) as a parse failure of the body.
  if (/<html|<!doctype|Unexpected token|is not valid JSON|503|502|504/i.test(message)) return wrap('SF_UNAVAILABLE')

  return new AppError('SF_REQUEST_FAILED', sfCode ? `Salesforce refused the request (${sfCode}).` : undefined, {
    cause: err,
  })
}
