/**
 * Session tokens: a short JWT (HS256, SESSION_SECRET) that carries only the session row's
 * ID and kind. The row decides: revoking it ends the session at once, on every instance.
 */
import crypto from 'node:crypto'
import jwt from 'jsonwebtoken'
import type { SessionKind } from './session-repository.js'

export interface TokenClaims {
  sid: string
  knd: SessionKind
}

/**
 * The HMAC key, made once: given a string, jsonwebtoken tries to parse it as a PEM key on
 * every call before falling back to a secret, which costs more than the signature itself.
 */
export function sessionKey(secret: string): crypto.KeyObject {
  return crypto.createSecretKey(Buffer.from(secret, 'utf8'))
}

/** The JOSE header jsonwebtoken writes for HS256, Base64url-encoded once. */
const HS256_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')

/**
 * A standard HS256 JWT (`{sid, knd, iat, exp, iss}`), as jsonwebtoken's `sign` writes it and
 * `verify` reads it, written directly: it is signed on every canvas entry, and jsonwebtoken's
 * option checks cost several times the HMAC itself.
 */
export function signSessionToken(secret: crypto.KeyObject, claims: TokenClaims, expiresAt: Date): string {
  const iat = Math.floor(Date.now() / 1000)
  const exp = iat + Math.max(1, Math.floor((expiresAt.getTime() - Date.now()) / 1000))
  const payload = Buffer.from(JSON.stringify({ sid: claims.sid, knd: claims.knd, iat, exp, iss: 'sf-link' })).toString(
    'base64url',
  )
  const signature = crypto.createHmac('sha256', secret).update(`${HS256_HEADER}.${payload}`).digest('base64url')
  return `${HS256_HEADER}.${payload}.${signature}`
}

export function verifySessionToken(secret: crypto.KeyObject, token: string): TokenClaims | null {
  try {
    const payload = jwt.verify(token, secret, { algorithms: ['HS256'], issuer: 'sf-link' }) as jwt.JwtPayload
    if (typeof payload.sid !== 'string' || typeof payload.knd !== 'string') return null
    return { sid: payload.sid, knd: payload.knd as SessionKind }
  } catch {
    return null
  }
}

/**
 * CSRF token for cookie sessions: an HMAC of the session ID. Bound to the session row, so
 * signing out or revoking the session also kills the CSRF token. (@fastify/csrf-protection
 * keeps its own secret cookie unrelated to our session rows, which is why it isn't used.)
 */
export function csrfTokenFor(secret: string, sessionId: string): string {
  return crypto.createHmac('sha256', secret).update(`csrf:${sessionId}`).digest('base64url')
}

export function csrfTokenMatches(secret: string, sessionId: string, presented: string | undefined): boolean {
  if (!presented) return false
  const expected = Buffer.from(csrfTokenFor(secret, sessionId))
  const got = Buffer.from(presented)
  return got.length === expected.length && crypto.timingSafeEqual(got, expected)
}
