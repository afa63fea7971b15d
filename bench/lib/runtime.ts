/**
 * SF Link for a benchmark: built by the runtime (server/src/runtime.ts), as in production,
 * on a bench database (lib/database.ts), beside a Salesforce simulator from the
 * `@sf-link/simulator` package. No pg-boss: the benchmarks drive the work themselves.
 */
import crypto from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import {
  createSalesforceSimulator,
  type SalesforceSimulator,
  type SalesforceSimulatorOptions,
} from '@sf-link/simulator'
import { loadConfig, type Config, type ResolvedConfig } from '../../server/src/config.js'
import { createRuntime, type Runtime } from '../../server/src/runtime.js'
import type { BenchDatabase } from './database.js'

/** Where the app thinks it lives (OAuth callbacks are registered for it at the simulator). */
const PUBLIC_URL = 'http://localhost:3000'

/** A development configuration with fresh keys, pointed at a simulator. */
export function benchConfig(salesforce: { url: string; consumerKey: string; consumerSecret: string }): Config {
  return loadConfig({
    APP_MODE: 'development',
    LOG_LEVEL: 'silent',
    PORT: '0',
    PUBLIC_URL: PUBLIC_URL,
    ENCRYPTION_KEYS: `b1:${crypto.randomBytes(32).toString('base64')}`,
    SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
    SALESFORCE_LOGIN_URL: salesforce.url,
    SALESFORCE_CONSUMER_KEY: salesforce.consumerKey,
    SALESFORCE_CONSUMER_SECRET: salesforce.consumerSecret,
    SALESFORCE_EXTRA_HOSTS: new URL(salesforce.url).host,
  })
}

/** The app (no socket until a benchmark listens) on `db`; `salesforce` names the simulator it talks to. */
export async function startBenchRuntime(
  db: BenchDatabase,
  salesforce: { url: string; consumerKey: string; consumerSecret: string },
  adjust: (c: Config) => Config = (c) => c,
): Promise<Runtime & { app: FastifyInstance; config: ResolvedConfig }> {
  const runtime = await createRuntime(adjust(benchConfig(salesforce)), {
    database: db,
    logger: pino({ level: 'silent' }),
    appLogger: false,
    demo: null,
    jobs: false,
  })
  return { ...runtime, app: runtime.app! }
}

export interface BenchApp {
  app: FastifyInstance
  sim: SalesforceSimulator
  config: ResolvedConfig
  /** Closes the app and the simulator; the database stays (its owner drops it). */
  close(): Promise<void>
}

/** A simulator in this process, and the app on `db` pointed at it. */
export async function startBenchApp(options: {
  db: BenchDatabase
  sim?: SalesforceSimulatorOptions
  config?: (c: Config) => Config
}): Promise<BenchApp> {
  const sim = await createSalesforceSimulator({
    callbackUrls: [`${PUBLIC_URL}/oauth/salesforce/callback`],
    ...options.sim,
  })
  try {
    const runtime = await startBenchRuntime(options.db, sim, options.config)
    return {
      app: runtime.app,
      sim,
      config: runtime.config,
      async close() {
        await runtime.close()
        await sim.close()
      },
    }
  } catch (err) {
    await sim.close()
    throw err
  }
}
