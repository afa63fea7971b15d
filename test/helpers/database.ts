/**
 * Gives each test file its own database: a fresh database on the real Postgres named by
 * DATABASE_URL, or an in-memory embedded Postgres (PGlite) when it is unset. Migrations
 * are applied, as at app start.
 */
import crypto from 'node:crypto'
import pg from 'pg'
import { startEmbeddedPostgres } from '../../server/src/db/embedded.js'
import { runMigrations } from '../../server/src/db/migrate.js'
import { createPool, type Pool } from '../../server/src/db/pool.js'

export interface TestDatabase {
  url: string
  pool: Pool
  embedded: boolean
  close(): Promise<void>
}

export function realDatabaseUrl(): string | null {
  return process.env.DATABASE_URL || null
}

export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const migrate = options.migrate ?? true
  const base = realDatabaseUrl()
  let url: string
  let dropDatabase: (() => Promise<void>) | null = null
  let stopEmbedded: (() => Promise<void>) | null = null
  if (base) {
    const name = `sflink_test_${crypto.randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: base })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${name}`)
    await admin.end()
    const u = new URL(base)
    u.pathname = `/${name}`
    url = u.toString()
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: base })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await c.end()
    }
  } else {
    const embedded = await startEmbeddedPostgres({ dataDir: null })
    url = embedded.url
    stopEmbedded = () => embedded.close()
  }
  const pool = createPool({ connectionString: url, max: base ? 10 : 8 })
  if (migrate) {
    const client = await pool.connect()
    try {
      await runMigrations(client)
    } finally {
      client.release()
    }
  }
  return {
    url,
    pool,
    embedded: !base,
    async close() {
      await pool.end().catch(() => {})
      await dropDatabase?.().catch(() => {})
      await stopEmbedded?.().catch(() => {})
    },
  }
}
