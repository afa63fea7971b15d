/**
 * Where benchmarks keep their data: a fresh database `sflink_bench_<random>` on a real
 * Postgres (DATABASE_URL, else the local default when it answers), dropped afterwards; or,
 * when no Postgres answers, an in-memory embedded Postgres (PGlite), with a note saying so
 * because its figures are not comparable.
 */
import crypto from 'node:crypto'
import pg from 'pg'
import { startEmbeddedPostgres } from '../../server/src/db/embedded.js'
import { runMigrations } from '../../server/src/db/migrate.js'
import { createPool, type Pool } from '../../server/src/db/pool.js'

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres'

/** The server every benchmark creates its database on; `baseUrl` null = embedded. */
export interface DatabaseTarget {
  baseUrl: string | null
  /** e.g. "PostgreSQL 15.20 (Debian 15.20-0+deb12u1)" or "embedded PGlite (WASM)". */
  label: string
  /** Why this target was chosen (shown in the report). */
  note: string
}

/** Same shape as test/helpers/database.ts's TestDatabase, so test helpers accept it. */
export interface BenchDatabase {
  url: string
  pool: Pool
  embedded: boolean
  close(): Promise<void>
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 })
  await client.connect()
  try {
    const { rows } = await client.query<{ version: string }>('SELECT version() AS version')
    // "PostgreSQL 15.20 (Debian 15.20-0+deb12u1) on x86_64-pc-linux-gnu, compiled by …"
    return rows[0]!.version.split(' on ')[0]!
  } finally {
    await client.end().catch(() => {})
  }
}

function redact(url: string): string {
  const u = new URL(url)
  if (u.password) u.password = '***'
  return u.toString()
}

export async function resolveDatabaseTarget(env: { DATABASE_URL?: string } = process.env): Promise<DatabaseTarget> {
  const candidates = env.DATABASE_URL
    ? [{ url: env.DATABASE_URL, why: 'DATABASE_URL' }]
    : [{ url: DEFAULT_DATABASE_URL, why: 'DATABASE_URL unset; local default answered' }]
  const failures: string[] = []
  for (const { url, why } of candidates) {
    try {
      const label = await serverVersion(url)
      return {
        baseUrl: url,
        label,
        note: `real Postgres at ${redact(url)} (${why}); a fresh database per benchmark, dropped after`,
      }
    } catch (err) {
      failures.push(`${redact(url)}: ${(err as Error).message}`)
    }
  }
  return {
    baseUrl: null,
    label: 'embedded PGlite (Postgres in WASM, one session)',
    note: `NO real Postgres reachable (${failures.join('; ')}): fell back to the embedded PGlite; its figures are far below a real server's and are not comparable`,
  }
}

export async function createBenchDatabase(
  target: DatabaseTarget,
  options: { poolMax?: number } = {},
): Promise<BenchDatabase> {
  let url: string
  let cleanup: () => Promise<void>
  if (target.baseUrl) {
    const base = target.baseUrl
    const name = `sflink_bench_${crypto.randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: base })
    await admin.connect()
    try {
      await admin.query(`CREATE DATABASE ${name}`)
    } finally {
      await admin.end()
    }
    const u = new URL(base)
    u.pathname = `/${name}`
    url = u.toString()
    cleanup = async () => {
      const c = new pg.Client({ connectionString: base })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await c.end()
      }
    }
  } else {
    const embedded = await startEmbeddedPostgres({ dataDir: null })
    url = embedded.url
    cleanup = () => embedded.close()
  }
  // The production default (server/src/db/open.ts): 10 connections per instance, 8 embedded.
  const pool = createPool({
    connectionString: url,
    max: options.poolMax ?? (target.baseUrl ? 10 : 8),
    applicationName: 'sf-link-bench',
  })
  try {
    const client = await pool.connect()
    try {
      await runMigrations(client)
    } finally {
      client.release()
    }
  } catch (err) {
    await pool.end().catch(() => {})
    await cleanup().catch(() => {})
    throw err
  }
  return {
    url,
    pool,
    embedded: !target.baseUrl,
    async close() {
      await pool.end().catch(() => {})
      await cleanup()
    },
  }
}
