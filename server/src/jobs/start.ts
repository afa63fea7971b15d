/**
 * Background jobs on pg-boss, in the same database. The web process sends jobs; the
 * worker (same process by default, or `--worker-only`) runs the handlers that the domains
 * register in `jobs/handlers.ts`.
 */
import { PgBoss } from 'pg-boss'
import type { Logger } from 'pino'
import type { JobSender, Services } from '../services.js'
import { registerJobHandlers } from './handlers.js'

export interface RunningJobs {
  boss: PgBoss
  sender: JobSender
  work(services: Services): Promise<void>
  stop(): Promise<void>
}

export async function startJobs(opts: { databaseUrl: string; log: Logger; max?: number }): Promise<RunningJobs> {
  const boss = new PgBoss({
    connectionString: opts.databaseUrl,
    schema: 'pgboss',
    max: opts.max ?? 4,
    application_name: 'sf-link-jobs',
  })
  boss.on('error', (err: Error) => opts.log.warn({ err: { message: err.message } }, 'job queue error'))
  await boss.start()
  const sender: JobSender = {
    async send(queue, data, options) {
      return boss.send(queue, data, options ?? {})
    },
  }
  return {
    boss,
    sender,
    async work(services) {
      await registerJobHandlers(boss, services, opts.log)
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000 })
    },
  }
}
