/**
 * API key format: `sfl_<prefix>_<secret>`. The prefix (8 lower-case letters and digits)
 * names the key in lists and finds its row; the secret is 32 random bytes in base64url.
 *
 * Only SHA-256 of the whole key is stored. A fast hash is right here, unlike for
 * passwords: the key carries 256 random bits, so there is nothing to guess and nothing a
 * slow hash (argon2) would protect; it would only make every API call slower.
 */
import crypto from 'node:crypto'

const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'
const PREFIX_LENGTH = 8
const KEY_PATTERN = /^sfl_([a-z0-9]{8})_([A-Za-z0-9_-]{32,128})$/

export interface GeneratedKey {
  key: string
  prefix: string
  hash: Buffer
}

function randomPrefix(): string {
  let out = ''
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 36).
  while (out.length < PREFIX_LENGTH) {
    for (const byte of crypto.randomBytes(PREFIX_LENGTH)) {
      if (byte < 252 && out.length < PREFIX_LENGTH) out += PREFIX_ALPHABET[byte % 36]
    }
  }
  return out
}

export function hashApiKey(key: string): Buffer {
  return crypto.createHash('sha256').update(key, 'utf8').digest()
}

export function generateApiKey(): GeneratedKey {
  const prefix = randomPrefix()
  const key = `sfl_${prefix}_${crypto.randomBytes(32).toString('base64url')}`
  return { key, prefix, hash: hashApiKey(key) }
}

/** The prefix of a well-formed key, or null. */
export function apiKeyPrefix(key: string): string | null {
  const match = KEY_PATTERN.exec(key)
  return match ? match[1]! : null
}

export function apiKeyHashMatches(key: string, stored: Buffer): boolean {
  const presented = hashApiKey(key)
  return stored.length === presented.length && crypto.timingSafeEqual(presented, stored)
}
