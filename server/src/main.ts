/**
 * Runs SF Link (server.ts loads it once the Node version is known to be good): validates
 * configuration, opens the database (real or embedded), starts the simulator in demo mode,
 * builds the app, listens, and starts the job worker.
 * `--worker-only` runs only the worker. On SIGTERM/SIGINT it stops accepting, lets
 * in-flight requests finish, stops the worker and closes the pool.
 */
import pino from 'pino'
import { ConfigError, loadConfig, type Config } from './config.js'
import { loggerOptions } from './logger.js'
import { printBanner } from './demo/banner.js'
import { createRuntime } from './runtime.js'

async function main(): Promise<void> {
  const workerOnly = process.argv.includes('--worker-only')
  const noWorker = process.argv.includes('--no-worker')
  let config: Config
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`SF Link cannot start.\n${err.message}\nSee .env.example and the README's configuration table.`)
      process.exit(1)
    }
    throw err
  }
  const log = pino(loggerOptions(config.logLevel))
  for (const warning of config.warnings) log.warn(warning)

  const runtime = await createRuntime(config, { logger: log, app: !workerOnly, worker: !noWorker })
  if (runtime.app) await runtime.listen()
  printBanner({
    config: runtime.config,
    simulator: runtime.simulator,
    mailCatcher: runtime.mailCatcher,
    embedded: runtime.database.embedded,
    generatedKeys: runtime.generatedKeys,
    workerOnly,
  })

  let closing = false
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return
    closing = true
    log.info({ signal }, 'shutting down')
    const force = setTimeout(() => process.exit(1), 15_000)
    force.unref()
    try {
      // Stops accepting and waits for in-flight requests, then the worker, the pool, the simulator
      // and the mail catcher.
      await runtime.close()
    } finally {
      process.exit(0)
    }
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}

main().catch((err) => {
  console.error('SF Link failed to start:', err instanceof Error ? err.message : err)
  process.exit(1)
})
