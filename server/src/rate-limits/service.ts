/**
 * Rate limits kept in Postgres, so that N instances enforce one limit (an in-memory counter
 * would give each instance its own, and a client would get N times the allowance). Used by
 * @fastify/rate-limit through `store.ts` and directly by services (credential proving).
 */
import type { Queryable } from '../db/pool.js'
import { AppError } from '../errors.js'
import * as repo from './repository.js'

export interface Limit {
  /** The thing counted, e.g. `prove:account:<id>`. */
  key: string
  max: number
  windowSeconds: number
}

export interface RateLimits {
  /** Counts one hit for each key (atomically) and answers the current counts. */
  hit(keys: Array<{ key: string; windowMs: number }>): Promise<repo.Hit[]>
  /**
   * Counts one attempt against every limit at once; throws 429 RATE_LIMITED (with the wait)
   * when any of them is exceeded. An attempt refused still counts, so hammering a limit
   * does not reopen it sooner.
   */
  consume(limits: Limit[], message: string): Promise<void>
}

export function createRateLimits({ db }: { db: Queryable }): RateLimits {
  return {
    hit: (keys) => repo.hit(db, keys),
    async consume(limits, message) {
      const unique = [...new Map(limits.map((l) => [l.key, l])).values()]
      const counts = await repo.hit(
        db,
        unique.map((l) => ({ key: l.key, windowMs: l.windowSeconds * 1000 })),
      )
      const exceeded = counts.map((c, i) => ({ ...c, limit: unique[i]! })).filter((c) => c.hits > c.limit.max)
      if (exceeded.length === 0) return
      const retryAfterSeconds = Math.max(...exceeded.map((c) => Math.ceil(c.ttlMs / 1000)), 1)
      throw new AppError('RATE_LIMITED', message, { retryAfterSeconds })
    },
  }
}
