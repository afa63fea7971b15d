/**
 * A @fastify/rate-limit store on Postgres (its `store` option), so every instance shares
 * one count per client and route. The plugin builds the store itself (`new Store(options)`)
 * and gives it no way to receive a pool, hence a factory that closes over the rate limits.
 * Each route gets its own counters (`child`), as with the plugin's in-memory store.
 */
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { RateLimits } from './service.js'

export function postgresRateLimitStore(limits: RateLimits): FastifyRateLimitStoreCtor {
  class PostgresStore implements FastifyRateLimitStore {
    constructor(
      _options: unknown,
      private readonly namespace = 'global',
    ) {}

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      limits.hit([{ key: `route:${this.namespace}:${key}`, windowMs: timeWindow }]).then(
        ([result]) => callback(null, { current: result!.hits, ttl: result!.ttlMs }),
        (err: Error) => callback(err),
      )
    }

    child(routeOptions: { method?: string | string[]; url?: string; routeInfo?: { method?: unknown; url?: string } }) {
      const info = routeOptions.routeInfo ?? routeOptions
      const method = Array.isArray(info.method) ? info.method.join(',') : String(info.method ?? '')
      return new PostgresStore(undefined, `${method} ${info.url ?? ''}`)
    }
  }
  return PostgresStore as unknown as FastifyRateLimitStoreCtor
}
