/**
 * Encrypted secrets by owner: `put`, `get`, `remove`. The associated data is the row's
 * identity, so a ciphertext moved to another owner or name fails to decrypt.
 */
import type { Queryable } from '../db/pool.js'
import type { SecretBox } from './secret-box.js'
import * as repo from './secrets-repository.js'

export type SecretOwnerKind = 'credential' | 'sf_session' | 'canvas' | 'oauth_state'

export interface SecretStore {
  /**
   * Seals a value for its owner without storing it: the row for a statement that writes it
   * along with other tables (server/src/canvas/repository.ts). `put` is seal, then store.
   */
  seal(ownerKind: SecretOwnerKind, ownerId: string, name: string, value: string): repo.SecretRow
  /** Opens a sealed value read along with other tables (the counterpart of `seal`); throws when it is not this owner's. */
  open(ownerKind: SecretOwnerKind, ownerId: string, name: string, sealed: { keyId: string; ciphertext: Buffer }): string
  put(db: Queryable, ownerKind: SecretOwnerKind, ownerId: string, name: string, value: string): Promise<void>
  get(db: Queryable, ownerKind: SecretOwnerKind, ownerId: string, name: string): Promise<string | null>
  remove(db: Queryable, ownerKind: SecretOwnerKind, ownerId: string, names?: string[]): Promise<void>
}

export function associatedData(ownerKind: string, ownerId: string, name: string): string {
  return `sf-link/v1/${ownerKind}/${ownerId}/${name}`
}

export function createSecretStore(box: SecretBox): SecretStore {
  function seal(ownerKind: SecretOwnerKind, ownerId: string, name: string, value: string): repo.SecretRow {
    const sealed = box.seal(value, associatedData(ownerKind, ownerId, name))
    return { ownerKind, ownerId, name, keyId: sealed.keyId, ciphertext: sealed.ciphertext }
  }
  return {
    seal,
    open: (ownerKind, ownerId, name, sealed) => box.open(sealed, associatedData(ownerKind, ownerId, name)),
    async put(db, ownerKind, ownerId, name, value) {
      await repo.upsertSecret(db, seal(ownerKind, ownerId, name, value))
    },
    async get(db, ownerKind, ownerId, name) {
      const row = await repo.findSecret(db, ownerKind, ownerId, name)
      if (!row) return null
      return box.open({ keyId: row.keyId, ciphertext: row.ciphertext }, associatedData(ownerKind, ownerId, name))
    },
    async remove(db, ownerKind, ownerId, names) {
      await repo.deleteSecrets(db, ownerKind, ownerId, names)
    },
  }
}
