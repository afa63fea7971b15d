/**
 * API keys (docs/spec.md §6): per account, hashed at rest, shown once. The verifier is what
 * `registerAuth` calls for `Authorization: Bearer sfl_…` on routes that accept keys.
 */
import type { Pool } from '../db/pool.js'
import { PG_ERRORS, isPgError } from '../db/pool.js'
import { AppError } from '../errors.js'
import type { AuditLog } from '../audit/audit-log.js'
import type { ApiKeyVerifier } from '../http/auth.js'
import { apiKeyHashMatches, apiKeyPrefix, generateApiKey } from './keys.js'
import * as repo from './repository.js'
import type { ApiKey, CreatedApiKey } from '../contract/index.js'

/** The contract's shapes (server/src/contract/api-keys.ts). */
export type ApiKeyView = ApiKey
export type { CreatedApiKey }

export interface ApiKeyService extends ApiKeyVerifier {
  list(accountId: string): Promise<ApiKeyView[]>
  create(accountId: string, name: string, ctx?: { ip?: string }): Promise<CreatedApiKey>
  revoke(accountId: string, id: string, ctx?: { ip?: string }): Promise<void>
}

function view(row: repo.ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  }
}

/** last_used_at is written at most this often per key. */
const TOUCH_INTERVAL_MS = 60_000

export function createApiKeyService({ pool, audit }: { pool: Pool; audit: AuditLog }): ApiKeyService {
  return {
    async list(accountId) {
      return (await repo.listApiKeys(pool, accountId)).map(view)
    },

    async create(accountId, rawName, ctx = {}) {
      const name = rawName.trim()
      if (name.length === 0) throw new AppError('VALIDATION_FAILED', 'Give the API key a name.')
      // The prefix is unique; a collision (1 in 2.8 × 10¹² per pair) just draws again.
      for (let attempt = 0; ; attempt++) {
        const generated = generateApiKey()
        try {
          const row = await repo.insertApiKey(pool, {
            accountId,
            name,
            prefix: generated.prefix,
            keyHash: generated.hash,
          })
          await audit.record({
            event: 'api_key.created',
            outcome: 'success',
            accountId,
            ip: ctx.ip,
            detail: { keyId: row.id, prefix: row.prefix, name },
          })
          return {
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            key: generated.key,
            createdAt: row.createdAt.toISOString(),
          }
        } catch (err) {
          if (attempt < 3 && isPgError(err, PG_ERRORS.UNIQUE_VIOLATION)) continue
          throw err
        }
      }
    },

    async revoke(accountId, id, ctx = {}) {
      const outcome = await repo.revokeApiKey(pool, accountId, id)
      if (!outcome) throw new AppError('NOT_FOUND', 'There is no such API key.')
      if (outcome === 'revoked')
        await audit.record({
          event: 'api_key.revoked',
          outcome: 'success',
          accountId,
          ip: ctx.ip,
          detail: { keyId: id },
        })
    },

    async verify(key) {
      const prefix = apiKeyPrefix(key)
      if (!prefix) return null
      const row = await repo.findApiKeyByPrefix(pool, prefix)
      if (!row || !apiKeyHashMatches(key, row.keyHash) || row.revokedAt) return null
      if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS)
        await repo.touchApiKey(pool, row.id)
      return { accountId: row.accountId, keyId: row.id }
    },
  }
}
