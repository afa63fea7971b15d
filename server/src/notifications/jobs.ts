/**
 * The notification worker on pg-boss: one queue whose job queues due reminders and sends the
 * outbox, then queues itself again `sweepSeconds` later (singleton key: at most one waits). A
 * cron every minute restarts the chain should it ever break (a worker killed between the two).
 */
import type { PgBoss } from 'pg-boss'
import type { Logger } from 'pino'
import type { NotificationsConfig } from '../config.js'
import type { NotificationService } from './service.js'

export const DELIVER_QUEUE = 'notifications-deliver'
export const PURGE_QUEUE = 'notifications-purge'
const KEY = 'deliver'

export interface NotificationJobOptions {
  /** Seconds between runs (default config.notifications.sweepSeconds). */
  sweepSeconds?: number
  pollingIntervalSeconds?: number
  /** Cron of the backstop (default every minute); null = none. */
  cron?: string | null
}

export async function registerNotificationJobs(
  boss: PgBoss,
  services: { config: { notifications: NotificationsConfig }; notifications: NotificationService },
  log: Logger,
  options: NotificationJobOptions = {},
): Promise<void> {
  const every = options.sweepSeconds ?? services.config.notifications.sweepSeconds
  await boss.createQueue(DELIVER_QUEUE, { policy: 'short', retryLimit: 0, expireInSeconds: 600 })
  const next = (startAfter: number) => boss.send(DELIVER_QUEUE, {}, { singletonKey: KEY, startAfter })
  await boss.work(
    DELIVER_QUEUE,
    { pollingIntervalSeconds: options.pollingIntervalSeconds ?? Math.min(2, every) },
    async () => {
      try {
        const result = await services.notifications.runDue()
        if (result.sent + result.failed + result.reminders > 0) log.info(result, 'notifications')
        return result
      } finally {
        await next(every).catch((err: Error) => log.warn({ err: { message: err.message } }, 'notifications: requeue'))
      }
    },
  )
  const cron = options.cron === undefined ? '* * * * *' : options.cron
  if (cron) await boss.schedule(DELIVER_QUEUE, cron, {}, { singletonKey: KEY })
  await next(0)

  await boss.createQueue(PURGE_QUEUE, { policy: 'short', retryLimit: 2, expireInSeconds: 600 })
  await boss.work(PURGE_QUEUE, { pollingIntervalSeconds: 60 }, async () => {
    const purged = await services.notifications.purge()
    if (purged > 0) log.info({ purged }, 'notifications: old emails deleted')
    return { purged }
  })
  if (cron) await boss.schedule(PURGE_QUEUE, '41 3 * * *', {}, { singletonKey: 'purge' })
}
