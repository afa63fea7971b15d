/** Builds the app on a test database, for `app.inject` (no socket unless a test listens). */
import type { FastifyInstance } from 'fastify'
import { buildApp, type AppDeps } from '../../server/src/app.js'
import type { Config } from '../../server/src/config.js'
import { createTestDatabase, type TestDatabase } from './database.js'
import { testConfig } from './config.js'

export interface TestApp {
  app: FastifyInstance
  db: TestDatabase
  config: Config
  close(): Promise<void>
}

export async function createTestApp(
  options: {
    env?: Record<string, string>
    config?: (c: Config) => Config
    deps?: Partial<AppDeps>
    db?: TestDatabase
  } = {},
): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase())
  let config = testConfig(options.env)
  if (options.config) config = options.config(config)
  const app = await buildApp({ config, pool: db.pool, ...options.deps })
  await app.ready()
  return {
    app,
    db,
    config,
    async close() {
      await app.close()
      if (!options.db) await db.close()
    },
  }
}
