/** All SQL for `encrypted_secrets`. */
import type { Queryable } from '../db/pool.js'
import { SqlParams } from '../db/sql.js'

export interface SecretRow {
  ownerKind: string
  ownerId: string
  name: string
  keyId: string
  ciphertext: Buffer
}

/** The columns of a secret, named as {@link SecretRow}'s fields. */
const SECRET_COLUMNS = `owner_kind AS "ownerKind", owner_id AS "ownerId", name, key_id AS "keyId", ciphertext`

/** Stores a sealed secret, replacing the owner's one of that name (also a fragment of server/src/canvas/repository.ts). */
export function upsertSecretSql(p: SqlParams, row: SecretRow): string {
  return `INSERT INTO encrypted_secrets (owner_kind, owner_id, name, key_id, ciphertext)
     VALUES (${p.add(row.ownerKind)}, ${p.add(row.ownerId)}, ${p.add(row.name)}, ${p.add(row.keyId)}, ${p.add(row.ciphertext)})
     ON CONFLICT (owner_kind, owner_id, name)
     DO UPDATE SET key_id = EXCLUDED.key_id, ciphertext = EXCLUDED.ciphertext, updated_at = now()`
}

export async function upsertSecret(db: Queryable, row: SecretRow): Promise<void> {
  const p = new SqlParams()
  await db.query(upsertSecretSql(p, row), p.values)
}

export async function findSecret(
  db: Queryable,
  ownerKind: string,
  ownerId: string,
  name: string,
): Promise<SecretRow | null> {
  const { rows } = await db.query<SecretRow>(
    `SELECT ${SECRET_COLUMNS} FROM encrypted_secrets
     WHERE owner_kind = $1 AND owner_id = $2 AND name = $3`,
    [ownerKind, ownerId, name],
  )
  return rows[0] ?? null
}

export async function deleteSecrets(
  db: Queryable,
  ownerKind: string,
  ownerId: string,
  names?: string[],
): Promise<void> {
  if (names) {
    await db.query(`DELETE FROM encrypted_secrets WHERE owner_kind = $1 AND owner_id = $2 AND name = ANY($3)`, [
      ownerKind,
      ownerId,
      names,
    ])
  } else {
    await db.query(`DELETE FROM encrypted_secrets WHERE owner_kind = $1 AND owner_id = $2`, [ownerKind, ownerId])
  }
}

/** A batch of rows not yet under `currentKeyId`, for rotation. */
export async function findSecretsNotUnderKey(db: Queryable, currentKeyId: string, limit: number): Promise<SecretRow[]> {
  const { rows } = await db.query<SecretRow>(
    `SELECT ${SECRET_COLUMNS} FROM encrypted_secrets
     WHERE key_id <> $1 ORDER BY owner_kind, owner_id, name LIMIT $2`,
    [currentKeyId, limit],
  )
  return rows
}

/** Replaces a row's ciphertext only if it is still the one we read (a concurrent write wins). */
export async function replaceSecretIfUnchanged(db: Queryable, before: SecretRow, after: SecretRow): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE encrypted_secrets SET key_id = $5, ciphertext = $6, updated_at = now()
     WHERE owner_kind = $1 AND owner_id = $2 AND name = $3 AND key_id = $4 AND ciphertext = $7`,
    [before.ownerKind, before.ownerId, before.name, before.keyId, after.keyId, after.ciphertext, before.ciphertext],
  )
  return rowCount === 1
}

export async function countSecretsByKey(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query(`SELECT key_id, count(*)::int AS n FROM encrypted_secrets GROUP BY key_id`)
  return Object.fromEntries(rows.map((r) => [r.key_id, r.n]))
}
