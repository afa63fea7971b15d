/** Builds SF Link through the runtime on a test database, for `app.inject` (no socket unless a test listens). */
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import type { AppDeps } from '../../server/src/app.js'
import type { Config, ResolvedConfig } from '../../server/src/config.js'
import type { JobSender } from '../../server/src/jobs/sender.js'
import type { DemoInfo } from '../../server/src/demo/info.js'
import { createRuntime, type Runtime } from '../../server/src/runtime.js'
import type { Services } from '../../server/src/services.js'
import { createTestDatabase, type TestDatabase } from './database.js'
import { testConfig } from './config.js'

export interface TestApp {
  app: FastifyInstance
  db: TestDatabase
  config: ResolvedConfig
  services: Services
  runtime: Runtime
  close(): Promise<void>
}

export async function createTestApp(
  options: {
    env?: Record<string, string>
    config?: (c: Config) => Config
    /** The app's logger (default none), a stand-in job sender (default no jobs), demo information (default none). */
    deps?: { logger?: AppDeps['logger']; jobs?: JobSender; demo?: DemoInfo }
    db?: TestDatabase
  } = {},
): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase())
  let config = testConfig(options.env)
  if (options.config) config = options.config(config)
  let runtime: Runtime
  try {
    runtime = await createRuntime(config, {
      database: db,
      logger: pino({ level: 'silent' }),
      appLogger: options.deps?.logger ?? false,
      demo: options.deps?.demo ?? null,
      jobs: options.deps?.jobs ?? false,
      worker: false,
    })
  } catch (err) {
    if (!options.db) await db.close()
    throw err
  }
  return {
    app: runtime.app!,
    db,
    config: runtime.config,
    services: runtime.services,
    runtime,
    async close() {
      await runtime.close()
      if (!options.db) await db.close()
    },
  }
}
