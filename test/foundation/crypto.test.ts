import crypto from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IV_POOL_IVS, createIvSource, createSecretBox } from '../../server/src/crypto/secret-box.js'
import { createSecretStore } from '../../server/src/crypto/secret-store.js'
import { rotateKeys } from '../../server/src/crypto/rotate-keys.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

const key = (id: string) => ({ id, key: crypto.randomBytes(32) })

describe('secret box', () => {
  it('uses a fresh IV for every value and needs the same associated data to open', () => {
    const box = createSecretBox([key('a')])
    const one = box.seal('s3cret-token', 'row-1')
    const two = box.seal('s3cret-token', 'row-1')
    expect(one.ciphertext.equals(two.ciphertext)).toBe(false)
    expect(one.ciphertext.subarray(0, 12).equals(two.ciphertext.subarray(0, 12))).toBe(false)
    expect(one.ciphertext.includes(Buffer.from('s3cret-token'))).toBe(false)
    expect(box.open(one, 'row-1')).toBe('s3cret-token')
    expect(() => box.open(one, 'row-2')).toThrow(/does not decrypt/)
  })

  it('IVs come from a pooled CSPRNG: never one twice, across refills and across boxes, and each seal keeps its own', () => {
    const box = createSecretBox([key('a')])
    const other = createSecretBox([key('b')])
    const sealed = Array.from({ length: IV_POOL_IVS * 3 + 7 }, (_, i) => (i % 2 ? box : other).seal(`v${i}`, 'ad'))
    const ivs = new Set(sealed.map((s) => s.ciphertext.subarray(0, 12).toString('hex')))
    expect(ivs.size).toBe(sealed.length)
    // A later refill of the pool does not change what an earlier seal returned: each still opens.
    sealed.forEach((s, i) => expect((i % 2 ? box : other).open(s, 'ad')).toBe(`v${i}`))

    const next = createIvSource()
    const first = Buffer.from(next())
    const seen = new Set([first.toString('hex')])
    for (let i = 1; i < IV_POOL_IVS * 2; i++) seen.add(next().toString('hex'))
    expect(seen.size).toBe(IV_POOL_IVS * 2)
    expect([...seen].every((iv) => iv.length === 24)).toBe(true)
  })

  it('rejects a tampered ciphertext and an unknown key id', () => {
    const box = createSecretBox([key('a')])
    const sealed = box.seal('value', 'ad')
    const tampered = Buffer.from(sealed.ciphertext)
    tampered[tampered.length - 1]! ^= 1
    expect(() => box.open({ keyId: 'a', ciphertext: tampered }, 'ad')).toThrow()
    expect(() => box.open({ keyId: 'zz', ciphertext: sealed.ciphertext }, 'ad')).toThrow(/not configured/)
  })
})

describe('secrets in Postgres', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(async () => {
    await db.close()
  })

  it('a ciphertext copied to another row does not decrypt', async () => {
    const store = createSecretStore(createSecretBox([key('k1')]))
    const a = crypto.randomUUID()
    const b = crypto.randomUUID()
    await store.put(db.pool, 'credential', a, 'password', 'hunter2-password')
    await store.put(db.pool, 'credential', b, 'password', 'other-password')
    await db.pool.query(
      `UPDATE encrypted_secrets SET ciphertext = (SELECT ciphertext FROM encrypted_secrets WHERE owner_id = $1), key_id = (SELECT key_id FROM encrypted_secrets WHERE owner_id = $1) WHERE owner_id = $2`,
      [a, b],
    )
    expect(await store.get(db.pool, 'credential', a, 'password')).toBe('hunter2-password')
    await expect(store.get(db.pool, 'credential', b, 'password')).rejects.toThrow(/does not decrypt/)
    // Same owner, other name: also bound.
    await db.pool.query(
      `INSERT INTO encrypted_secrets (owner_kind, owner_id, name, key_id, ciphertext) SELECT owner_kind, owner_id, 'securityToken', key_id, ciphertext FROM encrypted_secrets WHERE owner_id = $1 AND name = 'password'`,
      [a],
    )
    await expect(store.get(db.pool, 'credential', a, 'securityToken')).rejects.toThrow()
  })

  it('rotation re-encrypts every stored secret under the first key, and old keys can then go', async () => {
    await db.pool.query('DELETE FROM encrypted_secrets')
    const oldKey = key('old')
    const newKey = key('new')
    const oldStore = createSecretStore(createSecretBox([oldKey]))
    const owners = Array.from({ length: 120 }, () => crypto.randomUUID())
    for (const [i, owner] of owners.entries())
      await oldStore.put(db.pool, 'credential', owner, 'refreshToken', `refresh-${i}`)

    const ring = createSecretBox([newKey, oldKey])
    const result = await rotateKeys(db.pool, ring, 50)
    expect(result.rotated).toBe(120)
    expect(result.remainingByKey).toEqual({ new: 120 })

    const newOnly = createSecretStore(createSecretBox([newKey]))
    for (const [i, owner] of owners.entries()) {
      expect(await newOnly.get(db.pool, 'credential', owner, 'refreshToken')).toBe(`refresh-${i}`)
    }
    // Running it again finds nothing to do.
    expect((await rotateKeys(db.pool, ring)).rotated).toBe(0)
  })
})
