/** The queues and their handlers (the worker side of `jobs/start.ts`). Each domain contributes its own. */
import type { PgBoss } from 'pg-boss'
import type { Logger } from 'pino'
import type { Services } from './services.js'
import { registerUnsubscribeJobs, type UnsubscribeJobOptions } from './unsubscribes/jobs.js'
import type { UnsubscribeSync } from './unsubscribes/sync.js'
import { registerMaintenanceJobs, type CleanupJobOptions } from './maintenance/jobs.js'
import { registerNotificationJobs, type NotificationJobOptions } from './notifications/jobs.js'

export interface WorkerOptions {
  unsubscribes?: UnsubscribeJobOptions
  /** false: no cleanup queue in this worker (tests that run it themselves). */
  maintenance?: CleanupJobOptions | false
  /** false: no notification queue in this worker. */
  notifications?: NotificationJobOptions | false
}

export async function registerJobHandlers(
  boss: PgBoss,
  services: Services,
  log: Logger,
  options: WorkerOptions = {},
): Promise<{ unsubscribeSync: UnsubscribeSync }> {
  const unsubscribeSync = await registerUnsubscribeJobs(boss, services, log, options.unsubscribes)
  if (options.maintenance !== false) await registerMaintenanceJobs(boss, services, log, options.maintenance)
  if (options.notifications !== false) await registerNotificationJobs(boss, services, log, options.notifications)
  return { unsubscribeSync }
}
