/**
 * The cleanup job (pg-boss, scheduled): deletes expired sessions with the tokens of pending
 * links never completed, OAuth states never completed (and their PKCE verifiers), old
 * signed-request digests, and stale rate-limit and sign-in throttle rows. Without it each
 * `/oauth/salesforce/start`, each first canvas visit and each client address would leave a row
 * forever. One run at a time (singleton key); safe to run on any instance, and again.
 */
import type { PgBoss } from 'pg-boss'
import type { Logger } from 'pino'
import type { Pool } from '../db/pool.js'
import { purgeExpired, type Purged, type RetentionPolicy } from './repository.js'

export const CLEANUP_QUEUE = 'maintenance-cleanup'

const HOUR = 3600
const DAY = 24 * HOUR

export const RETENTION: RetentionPolicy = {
  sessionGraceSeconds: HOUR,
  usedOAuthStateSeconds: HOUR,
  // Replay detection lasts as long as a digest is kept: far longer than any Salesforce session
  // (24 hours at most) whose token a captured request could carry. A request held back longer
  // than this would count as new once more (see README, Security).
  signedRequestSeconds: 30 * DAY,
  rateLimitSeconds: HOUR,
  loginThrottleSeconds: DAY,
}

export interface CleanupJobOptions {
  /** Cron of the cleanup (default every hour at :17); null = no schedule (tests send the job). */
  cron?: string | null
  pollingIntervalSeconds?: number
}

export async function registerMaintenanceJobs(
  boss: PgBoss,
  services: { pool: Pool },
  log: Logger,
  options: CleanupJobOptions = {},
): Promise<void> {
  await boss.createQueue(CLEANUP_QUEUE, { policy: 'short', retryLimit: 2, expireInSeconds: 600 })
  await boss.work(CLEANUP_QUEUE, { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 10 }, async () => {
    const purged: Purged = await purgeExpired(services.pool, RETENTION)
    if (Object.values(purged).some((n) => n > 0)) log.info(purged, 'cleanup: expired rows deleted')
    return purged
  })
  const cron = options.cron === undefined ? '17 * * * *' : options.cron
  if (cron) await boss.schedule(CLEANUP_QUEUE, cron, {}, { singletonKey: 'cleanup' })
}
