/** Re-encrypts every stored secret under the first (current) key. Safe to re-run and to interrupt. */
import type { Queryable } from '../db/pool.js'
import type { SecretBox } from './secret-box.js'
import { associatedData } from './secret-store.js'
import * as repo from './secrets-repository.js'

export interface RotationResult {
  rotated: number
  skipped: number
  remainingByKey: Record<string, number>
}

export async function rotateKeys(db: Queryable, box: SecretBox, batchSize = 500): Promise<RotationResult> {
  let rotated = 0
  let skipped = 0
  for (;;) {
    const batch = await repo.findSecretsNotUnderKey(db, box.currentKeyId, batchSize)
    let progress = 0
    for (const row of batch) {
      const ad = associatedData(row.ownerKind, row.ownerId, row.name)
      const plaintext = box.open({ keyId: row.keyId, ciphertext: row.ciphertext }, ad)
      const sealed = box.seal(plaintext, ad)
      // A row rewritten meanwhile by the app is already under the current key: skip it.
      if (
        await repo.replaceSecretIfUnchanged(db, row, { ...row, keyId: sealed.keyId, ciphertext: sealed.ciphertext })
      ) {
        rotated++
        progress++
      } else skipped++
    }
    if (progress === 0) break
  }
  return { rotated, skipped, remainingByKey: await repo.countSecretsByKey(db) }
}
