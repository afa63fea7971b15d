/**
 * Describes cached per org in Postgres (table describe_cache), so every instance shares
 * one copy and Salesforce sees about one describe call per object per org per hour, not
 * one per request. Keyed by org, not user: field-level security can hide a field from one
 * user that another sees; Salesforce then refuses that user's query, and the error says so.
 * No in-memory layer: two requests missing at once both load (harmless, last write wins),
 * and a load never borrows another user's Salesforce session.
 */
import type { Queryable } from '../db/pool.js'
import type { DescribeView } from './describe.js'
import { DESCRIBE_VERSION, toDescribeView } from './describe.js'
import * as repo from './repository.js'

export const DESCRIBE_TTL_SECONDS = 60 * 60

export interface DescribeCache {
  /** The cached describe when fresh, else `load()`'s result, which is stored for everyone. */
  get(organizationId: string, sobject: string, load: () => Promise<DescribeView>): Promise<DescribeView>
  /** The cached describe whatever its age (null when none): for checks that must not call Salesforce. */
  peek(organizationId: string, sobject: string): Promise<DescribeView | null>
  /** Forgets the cached describe, so the next `get` asks Salesforce (a query was refused: the org changed). */
  invalidate(organizationId: string, sobject: string): Promise<void>
}

export function createDescribeCache({
  db,
  ttlSeconds = DESCRIBE_TTL_SECONDS,
}: {
  db: Queryable
  ttlSeconds?: number
}): DescribeCache {
  return {
    async get(organizationId, sobject, load) {
      const cached = await repo.findFreshDescribe(db, organizationId, sobject, ttlSeconds)
      if (cached && (cached as { version?: unknown }).version === DESCRIBE_VERSION) return toDescribeView(cached)
      const fresh = await load()
      await repo.saveDescribe(db, organizationId, sobject, fresh)
      return fresh
    },
    async peek(organizationId, sobject) {
      const cached = await repo.findFreshDescribe(db, organizationId, sobject, Number.MAX_SAFE_INTEGER / 1e6)
      return cached && (cached as { version?: unknown }).version === DESCRIBE_VERSION ? toDescribeView(cached) : null
    },
    async invalidate(organizationId, sobject) {
      await repo.deleteDescribe(db, organizationId, sobject)
    },
  }
}
