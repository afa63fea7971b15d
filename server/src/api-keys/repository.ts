/** All SQL for api_keys. */
import type { Queryable } from '../db/pool.js'

export interface ApiKeyRow {
  id: string
  accountId: string
  name: string
  prefix: string
  createdAt: Date
  lastUsedAt: Date | null
  revokedAt: Date | null
}

export interface ApiKeyWithHash extends ApiKeyRow {
  keyHash: Buffer
}

/** The columns of a key, named as {@link ApiKeyRow}'s fields. */
const API_KEY_COLUMNS = `id, account_id AS "accountId", name, prefix, created_at AS "createdAt",
  last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`

export async function insertApiKey(
  db: Queryable,
  k: { accountId: string; name: string; prefix: string; keyHash: Buffer },
): Promise<ApiKeyRow> {
  const { rows } = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (account_id, name, prefix, key_hash) VALUES ($1, $2, $3, $4) RETURNING ${API_KEY_COLUMNS}`,
    [k.accountId, k.name, k.prefix, k.keyHash],
  )
  return rows[0]
}

export async function listApiKeys(db: Queryable, accountId: string): Promise<ApiKeyRow[]> {
  const { rows } = await db.query<ApiKeyRow>(
    `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE account_id = $1 ORDER BY created_at DESC, id`,
    [accountId],
  )
  return rows
}

export async function findApiKeyByPrefix(db: Queryable, prefix: string): Promise<ApiKeyWithHash | null> {
  const { rows } = await db.query<ApiKeyWithHash>(
    `SELECT ${API_KEY_COLUMNS}, key_hash AS "keyHash" FROM api_keys WHERE prefix = $1`,
    [prefix],
  )
  return rows[0] ?? null
}

/** Revokes the account's key: 'revoked' now, 'already' revoked before, or null when the account has no such key. */
export async function revokeApiKey(
  db: Queryable,
  accountId: string,
  id: string,
): Promise<'revoked' | 'already' | null> {
  const { rowCount } = await db.query(
    `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL`,
    [id, accountId],
  )
  if (rowCount === 1) return 'revoked'
  const { rows } = await db.query(`SELECT 1 FROM api_keys WHERE id = $1 AND account_id = $2`, [id, accountId])
  return rows.length > 0 ? 'already' : null
}

/** Records use at most once a minute per key, so a busy key does not write on every request. */
export async function touchApiKey(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [id],
  )
}
