/**
 * Unsubscribe links: `<accountId>.<HMAC>`, signed with a key derived from SESSION_SECRET for
 * this one purpose. The token only turns an account's notification emails off or on again, so
 * it never expires: a link in an old email must still work.
 */
import crypto from 'node:crypto'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export interface UnsubscribeTokens {
  sign(accountId: string): string
  /** The account the token was made for, or null for anything not made here. */
  verify(token: string): string | null
}

export function createUnsubscribeTokens(secret: string): UnsubscribeTokens {
  const key = crypto.createHmac('sha256', secret).update('sf-link:notification-unsubscribe:v1').digest()
  const mac = (accountId: string) => crypto.createHmac('sha256', key).update(accountId).digest()
  return {
    sign(accountId) {
      return `${accountId}.${mac(accountId).toString('base64url')}`
    },
    verify(token) {
      const dot = token.indexOf('.')
      if (dot <= 0) return null
      const accountId = token.slice(0, dot)
      if (!UUID.test(accountId)) return null
      const given = Buffer.from(token.slice(dot + 1), 'base64url')
      const expected = mac(accountId)
      return given.length === expected.length && crypto.timingSafeEqual(given, expected) ? accountId : null
    },
  }
}
