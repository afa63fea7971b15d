/**
 * Builds SF Link once, in order: configuration (secrets resolved, the simulator in demo
 * mode) → database (migrated) → jobs (pg-boss) → services → app → workers. `main.ts`, the
 * test helpers (test/helpers/) and the benchmarks (bench/) all start SF Link through here;
 * `close()` undoes it in reverse.
 */
import type { FastifyInstance } from 'fastify'
import pino, { type Logger } from 'pino'
import type { Config, ResolvedConfig } from './config.js'
import { ensureDevKeys } from './crypto/dev-keys.js'
import { openDatabase, type Database } from './db/open.js'
import { buildApp, type AppDeps } from './app.js'
import { loggerOptions } from './logger.js'
import { startJobs, type RunningJobs } from './jobs/start.js'
import type { JobSender } from './jobs/sender.js'
import { createServices, type ServiceDeps, type Services } from './services.js'
import { registerJobHandlers, type WorkerOptions } from './job-handlers.js'
import type { UnsubscribeSync } from './unsubscribes/sync.js'
import type { DemoInfo } from './demo/info.js'
import type { RunningSimulator } from './demo/simulator.js'
import type { MailCatcher } from './demo/mail-catcher.js'

export type { WorkerOptions }

export interface RuntimeOverrides {
  /** An open, migrated database (tests: one per file). The runtime neither migrates nor closes it. */
  database?: Pick<Database, 'url' | 'pool' | 'embedded'>
  /** The process logger (default: pino at `config.logLevel`). */
  logger?: Logger
  /** The app's Fastify logger, if it differs from `logger` (tests pass their own). */
  appLogger?: AppDeps['logger']
  /**
   * What `/demo.json` shows. Default: in demo mode the runtime starts the simulator itself;
   * null: none.
   */
  demo?: DemoInfo | null
  /** pg-boss on the same database (default true); false: no jobs; a JobSender: that one, no pg-boss. */
  jobs?: boolean | JobSender
  /** Run the job handlers here (default: when pg-boss runs); options tune the queues (tests poll fast). */
  worker?: boolean | WorkerOptions
  /** Build the HTTP app (default true; false for `--worker-only`). */
  app?: boolean
  /** Where the built canvas UI lives (default canvas-ui/dist). */
  uiDir?: string
  /** Service options tests set: the clock, how mail leaves, the API-cap hook. */
  services?: Pick<ServiceDeps, 'now' | 'mailer' | 'onApiCapReached'>
}

export interface Runtime {
  config: ResolvedConfig
  log: Logger
  database: Pick<Database, 'url' | 'pool' | 'embedded'>
  jobs: RunningJobs | null
  services: Services
  /** Null only with `app: false`. */
  app: FastifyInstance | null
  /** The simulator the runtime started (demo mode). */
  simulator: RunningSimulator | null
  /** The mail catcher the runtime started (demo mode with notifications and no SMTP_URL). */
  mailCatcher: MailCatcher | null
  /** Dev keys were generated on this start (demo/development). */
  generatedKeys: boolean
  /** The worker's unsubscribe sync (null without a worker). */
  unsubscribeSync: UnsubscribeSync | null
  /** Listens on `config.host`/`config.port` unless given others; returns the address. */
  listen(options?: { host?: string; port?: number }): Promise<string>
  close(): Promise<void>
}

export async function createRuntime(loaded: Config, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const log = overrides.logger ?? pino(loggerOptions(loaded.logLevel))
  const cleanups: Array<() => Promise<unknown>> = []
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {})
  }
  try {
    const keys = ensureDevKeys(loaded)
    let config: ResolvedConfig = keys.config

    let simulator: RunningSimulator | null = null
    let demo = overrides.demo ?? null
    if (overrides.demo === undefined && config.mode === 'demo') {
      // Loaded only in demo mode: a production instance never loads the simulator.
      const { startDemoSimulator } = await import('./demo/simulator.js')
      const started = await startDemoSimulator(config)
      config = { ...started.config, encryptionKeys: config.encryptionKeys, sessionSecret: config.sessionSecret }
      simulator = started.simulator
      cleanups.push(() => started.simulator.close())
    }
    let mailCatcher: MailCatcher | null = null
    if (simulator && config.notifications.enabled && !config.notifications.smtpUrl) {
      // Demo mail goes to a real SMTP server on this machine, shown at /demo/mail.
      const { startMailCatcher } = await import('./demo/mail-catcher.js')
      const catcher = await startMailCatcher()
      cleanups.push(() => catcher.close())
      mailCatcher = catcher
      config = { ...config, notifications: { ...config.notifications, smtpUrl: catcher.url } }
    }
    if (simulator) demo = { ...simulator, mail: mailCatcher }

    let database = overrides.database
    if (!database) {
      const opened = await openDatabase(config, { runMigrations: true, log: (m) => log.warn(m) })
      cleanups.push(() => opened.close())
      database = opened
    }

    const jobsOption = overrides.jobs ?? true
    let jobs: RunningJobs | null = null
    if (jobsOption === true) {
      const started = await startJobs({ databaseUrl: database.url, log })
      cleanups.push(() => started.stop())
      jobs = started
    }
    const sender = jobs?.sender ?? (typeof jobsOption === 'object' ? jobsOption : null)
    const services = createServices({ config, pool: database.pool, jobs: sender, ...overrides.services })

    let app: FastifyInstance | null = null
    if (overrides.app !== false) {
      const built = await buildApp({
        config,
        pool: database.pool,
        logger: overrides.appLogger ?? log,
        demo,
        services,
        uiDir: overrides.uiDir,
      })
      cleanups.push(() => built.close())
      await built.ready()
      app = built
    }

    let unsubscribeSync: UnsubscribeSync | null = null
    const worker = overrides.worker ?? jobs !== null
    if (worker !== false) {
      if (!jobs) throw new Error('a worker needs pg-boss (jobs: true)')
      const registered = await registerJobHandlers(jobs.boss, services, log, worker === true ? {} : worker)
      unsubscribeSync = registered.unsubscribeSync
    }

    return {
      config,
      log,
      database,
      jobs,
      services,
      app,
      simulator,
      mailCatcher,
      generatedKeys: keys.generated,
      unsubscribeSync,
      async listen(options = {}) {
        if (!app) throw new Error('this runtime has no app (app: false)')
        return app.listen({ host: options.host ?? config.host, port: options.port ?? config.port })
      },
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}
