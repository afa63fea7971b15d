/** The queues and their handlers. Each domain contributes its own. */
import type { PgBoss } from 'pg-boss'
import type { Logger } from 'pino'
import type { Services } from '../services.js'
import { registerUnsubscribeJobs } from '../unsubscribes/jobs.js'
import { registerMaintenanceJobs } from '../maintenance/jobs.js'
import { registerNotificationJobs } from '../notifications/jobs.js'

export async function registerJobHandlers(boss: PgBoss, services: Services, log: Logger): Promise<void> {
  await registerUnsubscribeJobs(boss, services, log)
  await registerMaintenanceJobs(boss, services, log)
  await registerNotificationJobs(boss, services, log)
}
