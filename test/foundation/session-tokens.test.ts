import jwt from 'jsonwebtoken'
import { describe, expect, it } from 'vitest'
import { sessionKey, signSessionToken, verifySessionToken } from '../../server/src/http/session-tokens.js'

describe('session tokens: a standard HS256 JWT', () => {
  const key = sessionKey('a session secret of sixty-four characters, more or less, for tests')
  const expiresAt = new Date(Date.now() + 15 * 60_000)

  it('is what jsonwebtoken itself verifies (header, claims, issuer, expiry)', () => {
    const token = signSessionToken(key, { sid: 'b4a1c2d3-0000-4000-8000-000000000001', knd: 'canvas' }, expiresAt)
    const payload = jwt.verify(token, key, { algorithms: ['HS256'], issuer: 'sf-link' }) as jwt.JwtPayload
    expect(payload).toMatchObject({ sid: 'b4a1c2d3-0000-4000-8000-000000000001', knd: 'canvas', iss: 'sf-link' })
    expect(payload.exp! - payload.iat!).toBeGreaterThan(14 * 60)
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(15 * 60)
    expect(jwt.decode(token, { complete: true })!.header).toEqual({ alg: 'HS256', typ: 'JWT' })
    expect(verifySessionToken(key, token)).toEqual({ sid: 'b4a1c2d3-0000-4000-8000-000000000001', knd: 'canvas' })
  })

  it('refuses a token signed with another key, tampered with, or expired', () => {
    const token = signSessionToken(key, { sid: 's1', knd: 'cookie' }, expiresAt)
    expect(verifySessionToken(sessionKey('another secret'), token)).toBeNull()
    const [h, p, s] = token.split('.')
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), knd: 'canvas' }),
    )
    expect(verifySessionToken(key, `${h}.${forged.toString('base64url')}.${s}`)).toBeNull()
    const expired = jwt.sign({ sid: 's1', knd: 'cookie' }, key, {
      algorithm: 'HS256',
      expiresIn: -10,
      issuer: 'sf-link',
    })
    expect(verifySessionToken(key, expired)).toBeNull()
  })
})
