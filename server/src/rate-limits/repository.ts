/** All SQL for rate_limit_hits: fixed-window counters shared by every instance. */
import type { Queryable } from '../db/pool.js'

export interface Hit {
  /** Hits in the current window, this one included. */
  hits: number
  /** Milliseconds until the window ends. */
  ttlMs: number
}

/**
 * Counts one hit for each key in one statement, atomically: a window that has ended starts
 * again at 1. Parallel calls each see a distinct count, so a limit of N lets exactly N through.
 */
export async function hit(db: Queryable, keys: Array<{ key: string; windowMs: number }>): Promise<Hit[]> {
  const { rows } = await db.query(
    `INSERT INTO rate_limit_hits AS r (key, hits, window_ends_at)
     SELECT k.key, 1, now() + make_interval(secs => k.window_ms / 1000.0)
     FROM unnest($1::text[], $2::float8[]) AS k(key, window_ms)
     -- One lock order for every caller: two statements counting the same keys cannot deadlock.
     ORDER BY k.key
     ON CONFLICT (key) DO UPDATE SET
       hits = CASE WHEN r.window_ends_at <= now() THEN 1 ELSE r.hits + 1 END,
       window_ends_at = CASE WHEN r.window_ends_at <= now() THEN EXCLUDED.window_ends_at ELSE r.window_ends_at END
     RETURNING key, hits, greatest(0, ceil(extract(epoch FROM (window_ends_at - now())) * 1000))::float8 AS ttl_ms`,
    [keys.map((k) => k.key), keys.map((k) => k.windowMs)],
  )
  const byKey = new Map(rows.map((r) => [r.key as string, { hits: r.hits as number, ttlMs: r.ttl_ms as number }]))
  return keys.map((k) => byKey.get(k.key)!)
}
