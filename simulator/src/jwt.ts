// JWT bearer assertions (RFC 7523) checked as Salesforce does: RS256 signed with the key of
// the X.509 certificate uploaded to the connected app.
import { verify, X509Certificate } from 'node:crypto'
import type { ConnectedApp, SimulatorState, User } from './state.js'

export type AssertionCheck =
  { ok: true; app: ConnectedApp; user: User } | { ok: false; error: string; description: string }

/** Salesforce wants exp within three minutes; a few seconds of clock skew are tolerated. */
const MAX_EXP_AHEAD_MS = 3 * 60_000 + 5_000
const SKEW_MS = 5_000

function decodeJson(part: string): any {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
}

function invalid(description = 'invalid assertion'): AssertionCheck {
  return { ok: false, error: 'invalid_grant', description }
}

export function checkJwtAssertion(state: SimulatorState, assertion: string): AssertionCheck {
  const parts = assertion.split('.')
  if (parts.length !== 3) return invalid()
  let header: any
  let claims: any
  try {
    header = decodeJson(parts[0])
    claims = decodeJson(parts[1])
  } catch {
    return invalid()
  }
  if (header?.alg !== 'RS256' || !claims || typeof claims !== 'object') return invalid()

  const app = typeof claims.iss === 'string' ? state.connectedApps.get(claims.iss) : undefined
  if (!app) return { ok: false, error: 'invalid_client_id', description: 'client identifier invalid' }
  if (!app.jwtCertificatePem) return invalid()
  let signatureOk: boolean
  try {
    const key = new X509Certificate(app.jwtCertificatePem).publicKey
    signatureOk = verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2], 'base64url'))
  } catch {
    signatureOk = false
  }
  if (!signatureOk) return invalid()

  const audiences = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter(
    (a: unknown): a is string => typeof a === 'string',
  )
  const accepted = new Set(
    [state.baseUrl, 'https://login.salesforce.com', 'https://test.salesforce.com'].map((a) => a.replace(/\/$/, '')),
  )
  if (!audiences.some((a: string) => accepted.has(a.replace(/\/$/, '')))) return invalid('audience is invalid')

  const now = state.now()
  if (typeof claims.exp !== 'number') return invalid()
  if (claims.exp * 1000 < now - SKEW_MS) return invalid('expired authorization code')
  if (claims.exp * 1000 > now + MAX_EXP_AHEAD_MS) return invalid()

  const user = typeof claims.sub === 'string' ? state.usersByUsername.get(claims.sub.toLowerCase()) : undefined
  if (!user) return invalid()
  if (!user.active) return invalid('inactive user')
  if (!app.preauthorizedUserIds.has(user.id) && !app.approvedUserIds.has(user.id)) {
    return invalid("user hasn't approved this consumer")
  }
  return { ok: true, app, user }
}
