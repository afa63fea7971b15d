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

/** How long opening a connection may take before the database counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5_000
/** How long a query may wait for a free connection behind this process's other queries. */
const CHECKOUT_TIMEOUT_MS = 30_000

/**
 * pg-pool's `connectionTimeoutMillis` bounds two different waits: opening a connection, and
 * queueing for a free one. With 5 s for both, a burst larger than the pool (200 Salesforce
 * operations sharing 10 connections on a busy machine) failed with "timeout exceeded when
 * trying to connect" although the database was fine. So opening a connection keeps its 5 s
 * (the client's own timeout: an unreachable database is still noticed at once), and waiting
 * for a free connection may take longer.
 */
class Client extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super({
      ...(typeof config === 'string' ? { connectionString: config } : config),
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    })
  }
}

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    Client,
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'sf-link',
    connectionTimeoutMillis: CHECKOUT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
  })
  // An idle client that loses its connection (database restart) must not crash the process;
  // the pool replaces it on the next checkout.
  pool.on('error', () => {})
  // Nor may a checked-out client between two queries (a sync holding its advisory lock while it
  // talks to Salesforce, a transaction awaiting other work): with no listener, pg's 'error' event
  // is an uncaught exception. Its next query rejects, and release() drops the dead client.
  pool.on('connect', (client) => client.on('error', () => {}))
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
