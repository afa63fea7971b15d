/**
 * AES-256-GCM secret box (docs/spec.md §9). A fresh 12-byte IV for every value; the associated
 * data names the row the value belongs to; the key ID is stored beside the ciphertext so
 * old keys keep decrypting until `npm run rotate-keys` has re-encrypted everything.
 * Stored layout: iv (12) ‖ auth tag (16) ‖ ciphertext.
 */
import crypto from 'node:crypto'
import type { EncryptionKey } from '../config.js'

export interface Sealed {
  keyId: string
  ciphertext: Buffer
}

export interface SecretBox {
  readonly currentKeyId: string
  seal(plaintext: string, associatedData: string): Sealed
  open(sealed: Sealed, associatedData: string): string
  hasKey(keyId: string): boolean
}

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SecretBoxError'
  }
}

const IV_LENGTH = 12
const TAG_LENGTH = 16
/** IVs drawn from the CSPRNG at a time: 341 of them per refill. */
export const IV_POOL_IVS = 341

/**
 * Fresh IVs from a pool the CSPRNG fills IV_POOL_IVS at a time: one `randomFillSync` per 341
 * seals instead of one `randomBytes` call each, which was a third of a seal's cost on the canvas
 * entry's hot path (bench/canvas-entry.ts profile). The same randomness, each IV handed out once;
 * a returned IV is a view into the pool, valid until the next call (seal copies it at once).
 */
export function createIvSource(): () => Buffer {
  const pool = Buffer.allocUnsafeSlow(IV_POOL_IVS * IV_LENGTH)
  let offset = pool.length
  return () => {
    if (offset === pool.length) {
      crypto.randomFillSync(pool)
      offset = 0
    }
    const iv = pool.subarray(offset, offset + IV_LENGTH)
    offset += IV_LENGTH
    return iv
  }
}

export function createSecretBox(keys: readonly EncryptionKey[]): SecretBox {
  if (keys.length === 0) throw new SecretBoxError('at least one encryption key is required')
  const byId = new Map(keys.map((k) => [k.id, k.key]))
  const current = keys[0]!
  const nextIv = createIvSource()

  return {
    currentKeyId: current.id,
    hasKey: (keyId) => byId.has(keyId),
    seal(plaintext, associatedData) {
      const iv = nextIv()
      const cipher = crypto.createCipheriv('aes-256-gcm', current.key, iv, { authTagLength: TAG_LENGTH })
      cipher.setAAD(Buffer.from(associatedData, 'utf8'))
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return { keyId: current.id, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]) }
    },
    open(sealed, associatedData) {
      const key = byId.get(sealed.keyId)
      if (!key) throw new SecretBoxError(`encryption key "${sealed.keyId}" is not configured`)
      if (sealed.ciphertext.length < IV_LENGTH + TAG_LENGTH) throw new SecretBoxError('ciphertext is truncated')
      const iv = sealed.ciphertext.subarray(0, IV_LENGTH)
      const tag = sealed.ciphertext.subarray(IV_LENGTH, IV_LENGTH + TAG_LENGTH)
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH })
      decipher.setAAD(Buffer.from(associatedData, 'utf8'))
      decipher.setAuthTag(tag)
      try {
        return Buffer.concat([
          decipher.update(sealed.ciphertext.subarray(IV_LENGTH + TAG_LENGTH)),
          decipher.final(),
        ]).toString('utf8')
      } catch {
        throw new SecretBoxError('secret does not decrypt for this row (wrong key or wrong row)')
      }
    },
  }
}
