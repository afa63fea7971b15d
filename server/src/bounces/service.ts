/**
 * Bounces: the mailing side reports them; every one is stored, and each hard bounce has a
 * pending push per linked org, once the transaction commits — before the 202 (as for
 * unsubscribes). Soft bounces are counted, never written to Salesforce. Jobs are then
 * queued to push at once; if queuing fails nothing is lost, the sweep finds the pending rows.
 */
import type { Pool } from '../db/pool.js'
import { withTransaction } from '../db/pool.js'
import { AppError } from '../errors.js'
import type { JobSender } from '../jobs/sender.js'
import { parseEmail } from '../email/addresses.js'
import { BOUNCE_PUSH_QUEUE } from './queues.js'
import * as repo from './repository.js'

import {
  MAX_BOUNCES_PER_REQUEST,
  type Bounce as BounceReport,
  type BounceIntakeResult,
  type BounceStatus,
} from '../contract/index.js'

export { MAX_BOUNCES_PER_REQUEST }

export interface BounceService {
  intake(
    accountId: string,
    reports: readonly BounceReport[],
  ): Promise<BounceIntakeResult & { queueFailed: Error | null }>
  status(accountId: string): Promise<BounceStatus>
}

export function createBounceService(deps: { pool: Pool; jobs: JobSender | null }): BounceService {
  const { pool, jobs } = deps
  return {
    async intake(accountId, reports) {
      if (reports.length > MAX_BOUNCES_PER_REQUEST)
        throw new AppError('VALIDATION_FAILED', `Send at most ${MAX_BOUNCES_PER_REQUEST} bounces per request.`)
      const valid: repo.BounceInput[] = []
      let invalid = 0
      for (const [i, r] of reports.entries()) {
        const at = new Date(r.at)
        if (Number.isNaN(at.getTime()))
          throw new AppError('VALIDATION_FAILED', `bounces[${i}].at is not a date and time (ISO 8601).`)
        const email = parseEmail(r.email)
        if (!email) {
          invalid++
          continue
        }
        valid.push({ email, type: r.type, reason: (r.reason ?? '').trim(), at })
      }
      const hard = valid.filter((b) => b.type === 'hard')
      const linkIds = await withTransaction(pool, async (client) => {
        await repo.insertBounces(client, accountId, valid)
        return repo.upsertPendingForAccountLinks(client, accountId, hard)
      })
      let queueFailed: Error | null = null
      try {
        if (jobs) for (const linkId of linkIds) await jobs.send(BOUNCE_PUSH_QUEUE, { linkId }, { singletonKey: linkId })
      } catch (err) {
        queueFailed = err instanceof Error ? err : new Error(String(err))
      }
      return { hard: hard.length, soft: valid.length - hard.length, invalid, queueFailed }
    },

    async status(accountId) {
      const [counts, last] = await Promise.all([
        repo.countsForAccount(pool, accountId),
        repo.lastPushAt(pool, accountId),
      ])
      return { ...counts, lastPushAt: last?.toISOString() ?? null }
    },
  }
}
