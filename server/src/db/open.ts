/**
 * Opens the database the config names: DATABASE_URL, or the embedded Postgres with its
 * data in ./data when it is unset. Runs migrations on request.
 */
import type { Config } from '../config.js'
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js'
import { runMigrations } from './migrate.js'
import { createPool, type Pool } from './pool.js'

export interface Database {
  pool: Pool
  url: string
  embedded: boolean
  close(): Promise<void>
}

export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  options: { runMigrations: boolean; log?: (msg: string) => void; poolMax?: number },
): Promise<Database> {
  let embedded: EmbeddedPostgres | null = null
  let url = config.databaseUrl
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir })
    url = embedded.url
  }
  const pool = createPool({ connectionString: url, max: options.poolMax ?? (embedded ? 8 : 10) })
  try {
    if (options.runMigrations) {
      const client = await pool.connect()
      try {
        await runMigrations(client, options.log)
      } finally {
        client.release()
      }
    }
  } catch (err) {
    await pool.end().catch(() => {})
    await embedded?.close().catch(() => {})
    throw err
  }
  return {
    pool,
    url,
    embedded: embedded !== null,
    async close() {
      await pool.end().catch(() => {})
      await embedded?.close()
    },
  }
}
