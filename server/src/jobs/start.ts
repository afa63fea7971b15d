/**
 * Background jobs on pg-boss, in the same database. The web process sends jobs; the
 * worker (same process by default, or `--worker-only`) runs the handlers that the domains
 * register in `job-handlers.ts` (runtime.ts calls it).
 */
import { PgBoss } from 'pg-boss'
import type { Logger } from 'pino'
import type { JobSender } from './sender.js'

export type { JobSender }

export interface RunningJobs {
  boss: PgBoss
  sender: JobSender
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
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000 })
    },
  }
}
