/**
 * The unsubscribe and bounce queues on pg-boss and their handlers.
 *
 * Queues use the `short` policy with the link ID as singletonKey: at most one job waits per
 * link, so a burst of intake calls queues one push. Exclusivity while running comes from the
 * advisory lock in sync.ts, not from a `singleton` policy: that policy would keep a killed
 * worker's job "active" — and the link blocked — until the job expired.
 *
 * Transient Salesforce errors (SF_UNAVAILABLE, SF_RATE_LIMITED) make the handler throw and
 * pg-boss retries with exponential backoff and jitter (`retryBackoff`); the sweep re-queues
 * due links every minute besides, so the longest wait between tries is about a minute.
 */
import type { PgBoss } from 'pg-boss'
import type { Logger } from 'pino'
import { PULL_QUEUE, PUSH_QUEUE, SWEEP_QUEUE } from './queues.js'
import { BOUNCE_PUSH_QUEUE } from '../bounces/queues.js'
import { createUnsubscribeSync, type UnsubscribeSync } from './sync.js'

export { BOUNCE_PUSH_QUEUE, PULL_QUEUE, PUSH_QUEUE, SWEEP_QUEUE }

export interface UnsubscribeJobOptions {
  /** Retries of a push/pull after a transient error (default 10). */
  retryLimit?: number
  /** First retry delay in seconds, doubled each time with jitter (default 10). */
  retryDelaySeconds?: number
  /** Longest retry delay in seconds (default 900). */
  retryDelayMaxSeconds?: number
  /** How often workers look for jobs (default 2). */
  pollingIntervalSeconds?: number
  /** Cron of the sweep (default every minute); null = no schedule (tests call sweep themselves). */
  sweepCron?: string | null
  /** Queue one sweep at start, so a restarted worker resumes at once (default true). */
  sweepAtStart?: boolean
}

interface LinkJob {
  linkId: string
}

/** What the handlers need from the services (the runtime passes its `Services`). */
export type UnsubscribeJobDeps = Pick<
  Parameters<typeof createUnsubscribeSync>[0],
  'pool' | 'links' | 'salesforce' | 'config'
> & { apiUsage: Parameters<typeof createUnsubscribeSync>[0]['usage'] }

export async function registerUnsubscribeJobs(
  boss: PgBoss,
  services: UnsubscribeJobDeps,
  log: Logger,
  options: UnsubscribeJobOptions = {},
): Promise<UnsubscribeSync> {
  const retry = {
    retryLimit: options.retryLimit ?? 10,
    retryDelay: options.retryDelaySeconds ?? 10,
    retryBackoff: true,
    retryDelayMax: options.retryDelayMaxSeconds ?? 900,
  }
  const queues = [
    { name: PUSH_QUEUE, options: { ...retry, expireInSeconds: 3600 } },
    { name: PULL_QUEUE, options: { ...retry, expireInSeconds: 3600 } },
    { name: BOUNCE_PUSH_QUEUE, options: { ...retry, expireInSeconds: 3600 } },
    { name: SWEEP_QUEUE, options: { retryLimit: 0, expireInSeconds: 300 } },
  ]
  for (const q of queues) {
    await boss.createQueue(q.name, { policy: 'short', ...q.options })
    // createQueue leaves an existing queue as it was: apply today's retry settings.
    await boss.updateQueue(q.name, q.options)
  }

  const send = async (queue: string, linkId: string): Promise<void> => {
    await boss.send(queue, { linkId }, { singletonKey: linkId })
  }
  const sync = createUnsubscribeSync({
    pool: services.pool,
    links: services.links,
    salesforce: services.salesforce,
    config: services.config,
    enqueue: {
      push: (id) => send(PUSH_QUEUE, id),
      pull: (id) => send(PULL_QUEUE, id),
      bounces: (id) => send(BOUNCE_PUSH_QUEUE, id),
    },
    usage: services.apiUsage,
    log,
  })

  const work = { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2, localConcurrency: 2 }
  await boss.work<LinkJob>(PUSH_QUEUE, work, async ([job]) => {
    const result = await sync.pushLink(job!.data.linkId)
    log.info({ linkId: job!.data.linkId, ...result }, 'unsubscribe push')
    return result
  })
  await boss.work<LinkJob>(PULL_QUEUE, work, async ([job]) => {
    const result = await sync.pullLink(job!.data.linkId)
    log.info({ linkId: job!.data.linkId, ...result }, 'unsubscribe pull')
    return result
  })
  await boss.work<LinkJob>(BOUNCE_PUSH_QUEUE, work, async ([job]) => {
    const result = await sync.pushBounces(job!.data.linkId)
    log.info({ linkId: job!.data.linkId, ...result }, 'bounce push')
    return result
  })
  await boss.work(SWEEP_QUEUE, { pollingIntervalSeconds: work.pollingIntervalSeconds }, async () => {
    const result = await sync.sweep()
    if (result.backfilled + result.resumed + result.pushes + result.pulls + result.bouncePushes > 0)
      log.info(result, 'unsubscribe sweep')
    return result
  })

  const cron = options.sweepCron === undefined ? '* * * * *' : options.sweepCron
  if (cron) await boss.schedule(SWEEP_QUEUE, cron, {}, { singletonKey: 'sweep' })
  if (options.sweepAtStart ?? true) await boss.send(SWEEP_QUEUE, {}, { singletonKey: 'sweep' })
  return sync
}
