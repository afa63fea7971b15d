/**
 * The `pg` pool and the one `withTransaction` helper. Repositories take a `Queryable`
 * so the same function runs on the pool or inside a transaction's client.
 */
import pg from 'pg'

export type Pool = pg.Pool
export type PoolClient = pg.PoolClient
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient

export interface PoolOptions {
  connectionString: string
  max?: number
  applicationName?: string
}

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'sf-link',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  })
  // An idle client that loses its connection (database restart) must not crash the process;
  // the pool replaces it on the next checkout.
  pool.on('error', () => {})
  return pool
}

/** Runs `fn` in a transaction; commits on success, rolls back on any error, always releases. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken = false
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    try {
      await client.query('ROLLBACK')
    } catch {
      broken = true
    }
    throw err
  } finally {
    client.release(broken)
  }
}

/** Named Postgres error codes we act on. */
export const PG_ERRORS = {
  UNIQUE_VIOLATION: '23505',
  FOREIGN_KEY_VIOLATION: '23503',
} as const

export function isPgError(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === code
}
