/**
 * Unsubscribes (docs/spec.md §1 journey 7): the mailing side reports addresses; they are on the
 * suppression list, with a pending push per linked org, once the transaction commits —
 * before the 202. Jobs are then queued to push at once; if queuing fails nothing is lost,
 * the sweep finds the pending rows.
 */
import type { Pool } from '../db/pool.js'
import { withTransaction } from '../db/pool.js'
import { AppError } from '../errors.js'
import type { JobSender } from '../jobs/sender.js'
import type { SalesforceAccess } from '../salesforce/access-types.js'
import { parseEmailList } from '../email/addresses.js'
import * as repo from './repository.js'
import { PULL_QUEUE, PUSH_QUEUE } from './queues.js'
import { pauseMessage } from './sync.js'
import {
  MAX_EMAILS_PER_REQUEST,
  type IntakeResult,
  type SuppressionPage,
  type UnsubscribeStatus,
} from '../contract/index.js'

export { MAX_EMAILS_PER_REQUEST }
const RECENT_FAILURES = 20

export type { IntakeResult, SuppressionPage, UnsubscribeStatus }

export interface UnsubscribeService {
  /** `queueFailed` tells the caller (who has a logger) that the rows wait for the sweep. */
  intake(accountId: string, emails: readonly unknown[]): Promise<IntakeResult & { queueFailed: Error | null }>
  status(accountId: string): Promise<UnsubscribeStatus>
  suppressions(accountId: string, page: { limit: number; offset: number }): Promise<SuppressionPage>
  /** "Sync now": push and pull every link of the account. */
  syncNow(accountId: string): Promise<void>
}

const maxDate = (dates: Array<Date | null>): string | null => {
  const times = dates.filter((d): d is Date => d !== null).map((d) => d.getTime())
  return times.length > 0 ? new Date(Math.max(...times)).toISOString() : null
}

export function createUnsubscribeService(deps: {
  pool: Pool
  salesforce: SalesforceAccess
  jobs: JobSender | null
}): UnsubscribeService {
  const { pool, salesforce, jobs } = deps

  async function queue(name: string, linkIds: readonly string[]): Promise<void> {
    if (!jobs) return
    for (const linkId of linkIds) await jobs.send(name, { linkId }, { singletonKey: linkId })
  }

  return {
    async intake(accountId, raw) {
      if (raw.length > MAX_EMAILS_PER_REQUEST)
        throw new AppError('VALIDATION_FAILED', `Send at most ${MAX_EMAILS_PER_REQUEST} addresses per request.`)
      const parsed = parseEmailList(raw)
      const { added, linkIds } = await withTransaction(pool, async (client) => ({
        added: await repo.insertSuppressions(client, accountId, parsed.emails, 'app'),
        linkIds: await repo.insertPendingForAccountLinks(client, accountId, parsed.emails),
      }))
      let queueFailed: Error | null = null
      try {
        await queue(PUSH_QUEUE, linkIds)
      } catch (err) {
        queueFailed = err instanceof Error ? err : new Error(String(err))
      }
      return {
        accepted: added,
        duplicates: parsed.emails.length - added + parsed.repeated,
        invalid: parsed.invalid,
        queueFailed,
      }
    },

    async status(accountId) {
      const [counts, states, failures] = await Promise.all([
        repo.countsForAccount(pool, accountId),
        repo.statesForAccount(pool, accountId),
        repo.recentFailures(pool, accountId, RECENT_FAILURES),
      ])
      let paused: UnsubscribeStatus['paused'] = null
      const stored = states.find((s) => s.pausedCode)
      if (stored?.pausedCode) paused = { code: stored.pausedCode, message: pauseMessage(stored.pausedCode) }
      else {
        // Not paused (yet): say so now if the worker would pause at its next look.
        const access = await salesforce.state({ accountId, linkId: null, canvas: false })
        if (!access.canConnect && access.code)
          paused = { code: access.code, message: access.message ?? pauseMessage(access.code) }
      }
      return {
        ...counts,
        total: counts.pending + counts.synced + counts.failed + counts.noMatch,
        lastPushAt: maxDate(states.map((s) => s.lastPushAt)),
        lastPullAt: maxDate(states.map((s) => s.lastPullAt)),
        paused,
        recentFailures: failures.map((f) => ({
          email: f.email,
          reason: f.reason ?? 'Salesforce refused the update.',
          at: f.at.toISOString(),
        })),
      }
    },

    async suppressions(accountId, page) {
      const { items, total } = await repo.listSuppressions(pool, accountId, page.limit, page.offset)
      return {
        items: items.map((i) => ({ email: i.email, source: i.source, createdAt: i.createdAt.toISOString() })),
        total,
      }
    },

    async syncNow(accountId) {
      const linkIds = await repo.accountLinkIds(pool, accountId)
      if (linkIds.length === 0) throw new AppError('LINK_NOT_FOUND')
      if (!jobs) throw new AppError('SERVICE_UNAVAILABLE', 'Background jobs are not running here.')
      await queue(PUSH_QUEUE, linkIds)
      await queue(PULL_QUEUE, linkIds)
    },
  }
}
