/**
 * Runs SF Link (server.ts loads it once the Node version is known to be good): validates
 * configuration, opens the database (real or embedded), starts the simulator in demo mode,
 * builds the app, listens, and starts the job worker.
 * `--worker-only` runs only the worker. On SIGTERM/SIGINT it stops accepting, lets
 * in-flight requests finish, stops the worker and closes the pool.
 */
import pino from 'pino'
import { ConfigError, loadConfig, type Config } from './config.js'
import { ensureDevKeys } from './crypto/dev-keys.js'
import { openDatabase } from './db/open.js'
import { buildApp } from './app.js'
import { loggerOptions } from './logger.js'
import type { RunningSimulator } from './demo/simulator.js'
import type { MailCatcher } from './demo/mail-catcher.js'
import { startJobs } from './jobs/start.js'
import { printBanner } from './demo/banner.js'
import { createServices } from './services.js'

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

  let generatedKeys = false
  if (config.mode !== 'production') {
    const resolved = ensureDevKeys(config)
    config = resolved.config
    generatedKeys = resolved.generated
  }

  let simulator: RunningSimulator | null = null
  if (config.mode === 'demo') {
    // Loaded only in demo mode: a production instance never loads the simulator.
    const { startDemoSimulator } = await import('./demo/simulator.js')
    const started = await startDemoSimulator(config)
    config = started.config
    simulator = started.simulator
  }
  let mailCatcher: MailCatcher | null = null
  if (config.mode === 'demo' && config.notifications.enabled && !config.notifications.smtpUrl) {
    // Demo mail goes to a real SMTP server on this machine, shown at /demo/mail.
    const { startMailCatcher } = await import('./demo/mail-catcher.js')
    mailCatcher = await startMailCatcher()
    config = { ...config, notifications: { ...config.notifications, smtpUrl: mailCatcher.url } }
  }

  const database = await openDatabase(config, { runMigrations: true, log: (m) => log.warn(m) })
  const jobs = await startJobs({ databaseUrl: database.url, log })
  const services = createServices({ config, pool: database.pool, jobs: jobs.sender })

  let app: Awaited<ReturnType<typeof buildApp>> | null = null
  if (!workerOnly) {
    const demo = simulator ? { ...simulator, mail: mailCatcher } : null
    app = await buildApp({ config, pool: database.pool, logger: log, demo, services })
    await app.listen({ host: config.host, port: config.port })
  }
  if (!noWorker) await jobs.work(services)
  printBanner({ config, simulator, mailCatcher, embedded: database.embedded, generatedKeys, workerOnly })

  let closing = false
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return
    closing = true
    log.info({ signal }, 'shutting down')
    const force = setTimeout(() => process.exit(1), 15_000)
    force.unref()
    try {
      await app?.close() // stops accepting, waits for in-flight requests
      await jobs.stop()
      await database.close()
      await simulator?.close()
      await mailCatcher?.close()
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
