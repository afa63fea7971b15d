/**
 * Canvas signed-request verification (docs/spec.md §4).
 *
 * Salesforce POSTs `signed_request = <signature>.<payload>`: both parts Base64, the
 * signature being HMAC-SHA256 over the payload's Base64 text, keyed by the connected
 * app's consumer secret. The signature is the only proof of who the person is, so this
 * module is strict: it checks the text shape before decoding anything, compares in
 * constant time, and only then looks at the JSON.
 *
 * Pure and total: no I/O, never throws, and the `detail` of a failure is always a fixed
 * string — it never echoes any part of the input (error pages and logs show it).
 *
 * Hand-written on node:crypto rather than a library: the Canvas SDK only ships browser
 * code, and the npm helpers we looked at decode with `Buffer.from(…, 'base64')`, which
 * silently skips junk characters.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { isSalesforceHost } from '../salesforce/hosts.js'

/** Largest accepted `signed_request` value (characters; Base64 is ASCII). */
export const MAX_SIGNED_REQUEST_LENGTH = 64 * 1024

export interface CanvasClient {
  oauthToken: string
  /** Present only when the connected app has the `refresh_token` scope (Salesforce sends null otherwise). */
  refreshToken?: string
  /** The instance origin, normalised by `URL` (no trailing slash). */
  instanceUrl: string
  targetOrigin: string
  instanceId: string
}

export interface CanvasUser {
  userId: string
  userName: string
  email: string
  fullName: string
  firstName: string
  lastName: string
  /** Everything else Salesforce sends (locale, timeZone, profileId, …), untouched. */
  [key: string]: unknown
}

export interface CanvasOrganization {
  organizationId: string
  name: string
  [key: string]: unknown
}

export interface CanvasRequest {
  algorithm: 'HMACSHA256'
  /** Opaque to us: despite its name it is not a timestamp (docs/spec.md §4), so it is never used for freshness. */
  issuedAt: number | null
  userId: string
  client: CanvasClient
  context: {
    user: CanvasUser
    organization: CanvasOrganization
    environment: Record<string, unknown>
    application: Record<string, unknown>
    links: Record<string, unknown>
  }
}

export type VerifyFailureReason = 'malformed' | 'bad_signature' | 'invalid_payload'

export type VerifyResult =
  | {
      ok: true
      request: CanvasRequest
      /**
       * SHA-256 of the decoded signature: names this signed request, however its Base64 was
       * spelled (standard or URL-safe, padded or not), so a replay is recognised.
       */
      digest: Buffer
    }
  | { ok: false; reason: VerifyFailureReason; detail: string }

export interface VerifyOptions {
  /**
   * Lets an instance URL through that is not https on a Salesforce host (demo mode: the
   * simulator at `http://127.0.0.1:<port>`). Called with the URL's `host` (hostname and port,
   * e.g. `127.0.0.1:4010`) and its protocol without the colon (e.g. `http`).
   */
  allowedInstanceHosts?: (host: string, protocol: string) => boolean
}

const SALESFORCE_USER_ID = /^005[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/
const SALESFORCE_ORG_ID = /^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/
const HMAC_SHA256_BYTES = 32

function fail(reason: VerifyFailureReason, detail: string): { ok: false; reason: VerifyFailureReason; detail: string } {
  return { ok: false, reason, detail }
}

/**
 * Decodes one Base64 part after checking its text, or returns null.
 *
 * Accepted: the standard alphabet with padding, or the URL-safe alphabet (`-_`) with or
 * without padding; never both alphabets in one part. Non-canonical encodings (stray bits
 * in the last character) are refused, so each byte string has exactly one standard
 * spelling and one URL-safe spelling — nothing else decodes to the same signature.
 */
function decodeBase64Strict(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return null
  const body = text.replace(/=+$/, '')
  const padding = text.length - body.length
  const standard = /[+/]/.test(body)
  if (standard && /[_-]/.test(body)) return null
  if (body.length % 4 === 1) return null
  if (padding > 0 && text.length % 4 !== 0) return null
  // Standard Base64 is padded (docs/spec.md §4); only the URL-safe form may omit it.
  if (standard && padding === 0 && body.length % 4 !== 0) return null
  const bytes = Buffer.from(body, standard ? 'base64' : 'base64url')
  const canonical = bytes.toString(standard ? 'base64' : 'base64url').replace(/=+$/, '')
  return canonical === body ? bytes : null
}

/** HMAC-SHA256 of `signed` under each secret, compared in constant time; true if any matches. */
function signatureMatches(signature: Buffer, signed: string, secrets: readonly string[]): boolean {
  let matched = false
  for (const secret of secrets) {
    // An empty key would make anyone able to sign: a misconfiguration, never a match.
    if (typeof secret !== 'string' || secret.length === 0) continue
    const expected = createHmac('sha256', secret).update(signed, 'utf8').digest()
    // No early exit: the time taken does not reveal which secret matched.
    if (timingSafeEqual(expected, signature)) matched = true
  }
  return matched
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/

/**
 * Names, email and org name are only shown and stored: control characters in them (which
 * Postgres refuses, NUL at least) are dropped, so the person still gets in. The username is
 * different: SF Link logs in to Salesforce with it and compares it with what people type, so
 * an altered one would name someone else; no real Salesforce username holds one, and such a
 * request is refused (400) instead.
 */
function withoutControlCharacters(value: string): string {
  return value.replace(new RegExp(CONTROL_CHARACTER.source, 'g'), '')
}

/** A string field that Salesforce may send as null or leave out: '' then. Other types are refused. */
function optionalString(value: unknown): string | null {
  if (value === undefined || value === null) return ''
  return typeof value === 'string' ? value : null
}

/**
 * The instance URL as an origin, if it is https on a Salesforce host or explicitly allowed;
 * null otherwise. The canvas OAuth token is later sent there, so a signed request naming any
 * other host is refused, even though Salesforce signed it.
 */
function checkInstanceUrl(value: unknown, options: VerifyOptions): string | null {
  if (typeof value !== 'string' || value.length === 0) return null
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return null
  }
  // The token is sent to this URL: it must be a bare origin, no credentials or path tricks.
  if (url.username !== '' || url.password !== '') return null
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') return null
  if (url.protocol === 'https:' && isSalesforceHost(url.host)) return url.origin
  const allow = options.allowedInstanceHosts
  if (allow === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null
  try {
    return allow(url.host, url.protocol.slice(0, -1)) === true ? url.origin : null
  } catch {
    return null
  }
}

/** Checks the decoded, authenticated payload and builds the typed request. */
function readPayload(
  payload: unknown,
  options: VerifyOptions,
): { ok: true; request: CanvasRequest } | { ok: false; reason: VerifyFailureReason; detail: string } {
  if (!isRecord(payload)) return fail('invalid_payload', 'payload is not a JSON object')
  if (payload.algorithm !== 'HMACSHA256') return fail('invalid_payload', 'algorithm must be HMACSHA256')

  const userId = payload.userId
  if (typeof userId !== 'string' || userId.length === 0) return fail('invalid_payload', 'userId is missing')
  if (!SALESFORCE_USER_ID.test(userId)) return fail('invalid_payload', 'userId is not a Salesforce user ID')

  const client = payload.client
  const context = payload.context
  if (!isRecord(client)) return fail('invalid_payload', 'client is missing')
  if (!isRecord(context)) return fail('invalid_payload', 'context is missing')
  const user = context.user
  const organization = context.organization
  if (!isRecord(user)) return fail('invalid_payload', 'context.user is missing')
  if (user.userId !== userId) return fail('invalid_payload', 'context.user.userId differs from userId')
  if (!isRecord(organization)) return fail('invalid_payload', 'context.organization is missing')
  const organizationId = organization.organizationId
  if (typeof organizationId !== 'string' || organizationId.length === 0) {
    return fail('invalid_payload', 'context.organization.organizationId is missing')
  }
  if (!SALESFORCE_ORG_ID.test(organizationId)) {
    return fail('invalid_payload', 'organizationId is not a Salesforce organization ID')
  }

  const instanceUrl = checkInstanceUrl(client.instanceUrl, options)
  if (instanceUrl === null) return fail('invalid_payload', 'client.instanceUrl must be an https Salesforce origin')
  if (typeof client.oauthToken !== 'string' || client.oauthToken.length === 0) {
    return fail('invalid_payload', 'client.oauthToken is missing')
  }
  const refreshToken = client.refreshToken
  if (refreshToken !== undefined && refreshToken !== null && typeof refreshToken !== 'string') {
    return fail('invalid_payload', 'client.refreshToken is not a string')
  }
  const targetOrigin = optionalString(client.targetOrigin)
  const instanceId = optionalString(client.instanceId)
  if (targetOrigin === null || instanceId === null) {
    return fail('invalid_payload', 'client.targetOrigin or client.instanceId is not a string')
  }

  const userName = optionalString(user.userName)
  const email = optionalString(user.email)
  const fullName = optionalString(user.fullName)
  const firstName = optionalString(user.firstName)
  const lastName = optionalString(user.lastName)
  const orgName = optionalString(organization.name)
  if (
    userName === null ||
    email === null ||
    fullName === null ||
    firstName === null ||
    lastName === null ||
    orgName === null
  ) {
    return fail('invalid_payload', 'a context.user or context.organization name field is not a string')
  }
  if (CONTROL_CHARACTER.test(userName)) {
    return fail('invalid_payload', 'context.user.userName contains control characters')
  }

  const section = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {})
  const request: CanvasRequest = {
    algorithm: 'HMACSHA256',
    issuedAt: typeof payload.issuedAt === 'number' ? payload.issuedAt : null,
    userId,
    client: {
      oauthToken: client.oauthToken,
      ...(typeof refreshToken === 'string' && refreshToken.length > 0 ? { refreshToken } : {}),
      instanceUrl,
      targetOrigin,
      instanceId,
    },
    context: {
      // Spread copies own properties only (a "__proto__" key stays a plain property).
      user: {
        ...user,
        userId,
        userName,
        email: withoutControlCharacters(email),
        fullName: withoutControlCharacters(fullName),
        firstName: withoutControlCharacters(firstName),
        lastName: withoutControlCharacters(lastName),
      },
      organization: { ...organization, organizationId, name: withoutControlCharacters(orgName) },
      environment: section(context.environment),
      application: section(context.application),
      links: section(context.links),
    },
  }
  return { ok: true, request }
}

/**
 * Verifies a Canvas `signed_request` value against the configured consumer secrets
 * (several while a secret is being rotated). Never throws.
 *
 * - `malformed`: not `<base64>.<base64>`, too long, or a signature that is not 32 bytes (→ 400);
 * - `bad_signature`: well formed, but no secret produces this signature (→ 401);
 * - `invalid_payload`: authentic, but the JSON lacks what docs/spec.md §4 requires (→ 400).
 */
export function verifySignedRequest(
  raw: unknown,
  secrets: readonly string[],
  options: VerifyOptions = {},
): VerifyResult {
  try {
    if (typeof raw !== 'string') return fail('malformed', 'signed request is not a string')
    if (raw.length === 0) return fail('malformed', 'signed request is empty')
    if (raw.length > MAX_SIGNED_REQUEST_LENGTH) return fail('malformed', 'signed request is too long')
    const dot = raw.indexOf('.')
    if (dot < 0) return fail('malformed', 'signed request has no "." separator')
    const signatureText = raw.slice(0, dot)
    const payloadText = raw.slice(dot + 1)
    if (signatureText.length === 0 || payloadText.length === 0)
      return fail('malformed', 'signed request has an empty part')
    // Base64 has no dots, so a second one can only be a forgery or a transport bug.
    if (payloadText.includes('.')) return fail('malformed', 'signed request has more than one "."')

    const signature = decodeBase64Strict(signatureText)
    if (signature === null) return fail('malformed', 'signature is not valid Base64')
    const payloadBytes = decodeBase64Strict(payloadText)
    if (payloadBytes === null) return fail('malformed', 'payload is not valid Base64')
    if (signature.length !== HMAC_SHA256_BYTES) return fail('malformed', 'signature is not 32 bytes')

    if (!Array.isArray(secrets) || !signatureMatches(signature, payloadText, secrets)) {
      return fail('bad_signature', 'signature does not match any configured consumer secret')
    }

    let payload: unknown
    try {
      payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes))
    } catch {
      return fail('invalid_payload', 'payload is not UTF-8 JSON')
    }
    const result = readPayload(payload, options ?? {})
    return result.ok ? { ...result, digest: createHash('sha256').update(signature).digest() } : result
  } catch {
    // Defensive: nothing above should throw, but a verifier must never turn into a 500.
    return fail('malformed', 'signed request could not be read')
  }
}

/**
 * Signs a payload the way Salesforce does: standard Base64 (padded) of the JSON text,
 * prefixed by the Base64 HMAC-SHA256 of that Base64 text. For tests and the simulator.
 */
export function signCanvasRequest(payloadJson: string, secret: string): string {
  const payload = Buffer.from(payloadJson, 'utf8').toString('base64')
  const signature = createHmac('sha256', secret).update(payload, 'utf8').digest('base64')
  return `${signature}.${payload}`
}
