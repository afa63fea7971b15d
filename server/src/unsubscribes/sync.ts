/**
 * The unsubscribe synchronisation (docs/spec.md §1 journey 7), run by the job worker:
 *
 * - push: the link's pending addresses → HasOptedOutOfEmail = true on the matching
 *   Contacts and Leads, recording each address's outcome after every Salesforce call;
 * - pull: opt-outs made in Salesforce since the watermark → the suppression list;
 * - sweep (every minute): queues pushes for links with due pending rows, pulls when the
 *   interval has passed, resumes paused links whose credential works again, and gives new
 *   links the addresses reported before they existed.
 *
 * The pending rows are the truth; jobs only make things happen sooner. One push (and one
 * pull) at a time per link, across processes, by an advisory lock that dies with its
 * connection: a killed worker frees the link at once and the next run picks up where the
 * rows say.
 */
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Pool, PoolClient } from '../db/pool.js'
import { withTransaction } from '../db/pool.js'
import { AppError, ERRORS, type ErrorCode } from '../errors.js'
import * as policy from '../links/credential-policy.js'
import type { LinkService } from '../links/service.js'
import type { AccessTarget, SalesforceAccess } from '../salesforce/access-types.js'
import { translateSalesforceError } from '../salesforce/error-translation.js'
import * as repo from './repository.js'
import type { PushTable } from './repository.js'
import * as bounceRepo from '../bounces/repository.js'
import type { ApiUsage } from '../salesforce/api-usage.js'
import { parseSalesforceDateTime, readOptOuts } from './salesforce-ops.js'
import { MAX_ATTEMPTS, pushRound, retryDelaySeconds, type PushSpec } from './push-round.js'

export { MAX_ATTEMPTS }

/** EmailBouncedReason holds 255 characters. */
const MAX_BOUNCE_REASON = 255

/**
 * Hard bounces: EmailBouncedReason and EmailBouncedDate on every matching record, never
 * HasOptedOutOfEmail (a bounce is not an opt-out). A record already carrying this bounce's
 * date is not written again (a restarted push re-reads it and skips what was done).
 */
export function bounceSpec(due: ReadonlyArray<{ email: string; reason: string; at: Date }>): PushSpec {
  const byEmail = new Map(due.map((b) => [b.email, b]))
  return {
    extraFields: ['EmailBouncedDate'],
    plan(email, records) {
      if (records.length === 0)
        return { status: 'no_match', reason: 'No Contact or Lead in Salesforce has this address.' }
      const bounce = byEmail.get(email)!
      const open = records.filter(
        (r) => parseSalesforceDateTime(r.values.EmailBouncedDate)?.getTime() !== bounce.at.getTime(),
      )
      if (open.length === 0) return { status: 'synced', reason: 'Already recorded in Salesforce.' }
      const fields = {
        EmailBouncedReason: bounce.reason.slice(0, MAX_BOUNCE_REASON) || 'Hard bounce',
        EmailBouncedDate: bounce.at.toISOString(),
      }
      return { writes: open.map((r) => ({ sobject: r.sobject, id: r.id, fields })) }
    },
  }
}

/** Opt out the records still opted in; never set the flag back. */
export const OPT_OUT: PushSpec = {
  extraFields: [],
  plan(_email, records) {
    if (records.length === 0)
      return { status: 'no_match', reason: 'No Contact or Lead in Salesforce has this address.' }
    const open = records.filter((r) => !r.optedOut)
    if (open.length === 0) return { status: 'synced', reason: 'Already opted out in Salesforce.' }
    return { writes: open.map((r) => ({ sobject: r.sobject, id: r.id, fields: { HasOptedOutOfEmail: true } })) }
  },
}

/** Addresses taken per round: large rounds waste fewer partly-filled queries and updates. */
export const PUSH_ROUND_SIZE = 10_000
/** Pull re-reads this much before the watermark: SystemModstamp is stamped before commit, so a late commit can land behind it. Re-reading is harmless (ON CONFLICT DO NOTHING). */
const PULL_OVERLAP_MS = 5 * 60_000
const PULL_FLUSH_SIZE = 5_000
const SWEEP_BATCH = 500

export interface Enqueuer {
  push(linkId: string): Promise<void>
  pull(linkId: string): Promise<void>
  bounces(linkId: string): Promise<void>
}

export type RunResult =
  | { outcome: 'done'; addresses: number; updated: number }
  | { outcome: 'paused'; code: ErrorCode }
  /** The org's API cap for SF Link is used up: everything waits, pending, for the next window. */
  | { outcome: 'capped' }
  | { outcome: 'busy' | 'gone' }

export interface SweepResult {
  backfilled: number
  resumed: number
  pushes: number
  pulls: number
  bouncePushes: number
}

export interface UnsubscribeSync {
  pushLink(linkId: string): Promise<RunResult>
  /** Writes the link's pending hard bounces to the matching Contacts and Leads. */
  pushBounces(linkId: string): Promise<RunResult>
  pullLink(linkId: string): Promise<RunResult>
  sweep(): Promise<SweepResult>
}

/** Errors that stop the link's sync until the person fixes the credential. */
export function pausesSync(code: ErrorCode): boolean {
  return policy.isCredentialError(code)
}

/** Errors that pass by themselves: the job throws and pg-boss retries with backoff. */
export function isTransient(code: ErrorCode): boolean {
  return policy.isTransient(code)
}

const BUSY = Symbol('busy')

export function createUnsubscribeSync(deps: {
  pool: Pool
  links: Pick<LinkService, 'byId'>
  salesforce: SalesforceAccess
  config: Pick<Config, 'unsubscribePullIntervalMinutes'>
  enqueue: Enqueuer
  usage: Pick<ApiUsage, 'isCapped'>
  log: Logger
}): UnsubscribeSync {
  const { pool, links, salesforce, config, enqueue, usage, log } = deps
  /** Lock keys held by this process: advisory locks are re-entrant within one session (and the embedded Postgres has one). */
  const held = new Set<string>()

  async function withLinkLock<T>(key: string, fn: () => Promise<T>): Promise<T | typeof BUSY> {
    if (held.has(key)) return BUSY
    held.add(key)
    let client: PoolClient | null = null
    let broken = false
    try {
      client = await pool.connect()
      if (!(await repo.tryLock(client, key))) return BUSY
      try {
        return await fn()
      } finally {
        await repo.unlock(client, key).catch(() => {
          broken = true
        })
      }
    } finally {
      client?.release(broken)
      held.delete(key)
    }
  }

  async function pauseLink(linkId: string, code: ErrorCode): Promise<RunResult> {
    if (await repo.pause(pool, linkId, code))
      log.warn({ linkId, code }, 'unsubscribe sync paused: the Salesforce credential needs attention')
    return { outcome: 'paused', code }
  }

  /** Checks access without calling Salesforce; pauses or resumes the link. Null when it may go on. */
  async function gate(linkId: string, target: AccessTarget): Promise<RunResult | null> {
    const access = await salesforce.state(target)
    if (!access.canConnect) return pauseLink(linkId, access.code ?? 'SF_CREDENTIALS_REQUIRED')
    if (await repo.clearPause(pool, linkId)) log.info({ linkId }, 'unsubscribe sync resumed')
    return null
  }

  const asAppError = (err: unknown): AppError => (err instanceof AppError ? err : translateSalesforceError(err))

  interface PushKind {
    what: string
    table: PushTable
    lock: string
    /** The next round's addresses and how to write them; null when none is due. */
    nextRound(linkId: string): Promise<{ emails: string[]; spec: PushSpec } | null>
    touch(linkId: string): Promise<void>
    requeue(linkId: string): Promise<void>
  }

  const UNSUBSCRIBES: PushKind = {
    what: 'unsubscribe push',
    table: 'unsubscribe_sync',
    lock: 'sf-link:unsubscribes:push',
    async nextRound(linkId) {
      const emails = await repo.duePending(pool, linkId, PUSH_ROUND_SIZE)
      return emails.length === 0 ? null : { emails, spec: OPT_OUT }
    },
    touch: (linkId) => repo.touchPush(pool, linkId),
    requeue: (linkId) => enqueue.push(linkId),
  }

  const BOUNCES: PushKind = {
    what: 'bounce push',
    table: 'bounce_sync',
    lock: 'sf-link:bounces:push',
    async nextRound(linkId) {
      const due = await bounceRepo.duePending(pool, linkId, PUSH_ROUND_SIZE)
      return due.length === 0 ? null : { emails: due.map((b) => b.email), spec: bounceSpec(due) }
    },
    touch: (linkId) => bounceRepo.touchPush(pool, linkId),
    requeue: (linkId) => enqueue.bounces(linkId),
  }

  async function runPush(linkId: string, kind: PushKind): Promise<RunResult> {
    const link = await links.byId(linkId)
    if (!link) return { outcome: 'gone' }
    const target: AccessTarget = { accountId: link.accountId, linkId, canvas: false, background: true }
    const result = await withLinkLock(`${kind.lock}:${linkId}`, async (): Promise<RunResult> => {
      const stop = await gate(linkId, target)
      if (stop) return stop
      if (await usage.isCapped(link.organizationId)) return { outcome: 'capped' }
      let addresses = 0
      let updated = 0
      for (;;) {
        const round = await kind.nextRound(linkId)
        if (!round) break
        const { emails, spec } = round
        addresses += emails.length
        const attempts = await repo.attemptsOf(pool, linkId, emails, kind.table)
        try {
          updated += await salesforce.withConnection(target, (conn) =>
            pushRound(conn, emails, attempts, spec, (outcomes) =>
              repo.recordOutcomes(pool, linkId, outcomes, kind.table),
            ),
          )
        } catch (err) {
          const e = asAppError(err)
          // Every answer received so far is recorded; the rest stays pending for the next window.
          if (e.code === 'SF_API_CAP_REACHED') return { outcome: 'capped' }
          if (pausesSync(e.code)) return pauseLink(linkId, e.code)
          if (isTransient(e.code)) throw e
          // Salesforce refused the round for another reason (a query it will not run for this
          // user, say): each address gets an attempt and waits, so one bad round cannot spin.
          log.warn({ linkId, code: e.code, err: { message: e.message } }, `${kind.what} round refused by Salesforce`)
          const left = await repo.attemptsOf(pool, linkId, emails, kind.table)
          await repo.recordOutcomes(
            pool,
            linkId,
            emails.map((email) => {
              const tried = (left.get(email) ?? 0) + 1
              return {
                email,
                status: tried >= MAX_ATTEMPTS ? 'failed' : 'retry',
                reason: e.message,
                retryInSeconds: retryDelaySeconds(tried),
              }
            }),
            kind.table,
          )
        }
      }
      await kind.touch(linkId)
      return { outcome: 'done', addresses, updated }
    })
    if (result === BUSY) return { outcome: 'busy' }
    // Addresses that arrived while this run was finishing: their job found the link busy.
    if (result.outcome === 'done' && (await repo.hasDuePending(pool, linkId, kind.table))) await kind.requeue(linkId)
    return result
  }

  const pushLink = (linkId: string) => runPush(linkId, UNSUBSCRIBES)
  const pushBounces = (linkId: string) => runPush(linkId, BOUNCES)

  async function pullLink(linkId: string): Promise<RunResult> {
    const link = await links.byId(linkId)
    if (!link) return { outcome: 'gone' }
    const target: AccessTarget = { accountId: link.accountId, linkId, canvas: false, background: true }
    const result = await withLinkLock(`sf-link:unsubscribes:pull:${linkId}`, async (): Promise<RunResult> => {
      const stop = await gate(linkId, target)
      if (stop) return stop
      if (await usage.isCapped(link.organizationId)) return { outcome: 'capped' }
      const state = await repo.findState(pool, linkId)
      const since = state?.pullWatermark ? new Date(state.pullWatermark.getTime() - PULL_OVERLAP_MS) : null
      let newest: Date | null = null
      let pending = new Set<string>()
      let addresses = 0
      try {
        await salesforce.withConnection(target, (conn) =>
          readOptOuts(conn, since, async (page) => {
            for (const email of page.emails) pending.add(email)
            if (page.newest && (!newest || page.newest > newest)) newest = page.newest
            if (pending.size >= PULL_FLUSH_SIZE) {
              addresses += await repo.insertSuppressions(pool, link.accountId, [...pending], 'salesforce')
              pending = new Set()
            }
          }),
        )
      } catch (err) {
        const e = asAppError(err)
        // The watermark stays: the next pull, in the next window, reads these pages again.
        if (e.code === 'SF_API_CAP_REACHED') return { outcome: 'capped' }
        if (pausesSync(e.code)) return pauseLink(linkId, e.code)
        throw e
      }
      // The watermark moves with the last rows, in one transaction, and only once every page is in.
      await withTransaction(pool, async (client) => {
        addresses += await repo.insertSuppressions(client, link.accountId, [...pending], 'salesforce')
        await repo.advancePull(client, linkId, newest)
      })
      return { outcome: 'done', addresses, updated: 0 }
    })
    return result === BUSY ? { outcome: 'busy' } : result
  }

  async function sweep(): Promise<SweepResult> {
    const summary: SweepResult = { backfilled: 0, resumed: 0, pushes: 0, pulls: 0, bouncePushes: 0 }

    for (const link of await repo.linksToBackfill(pool, SWEEP_BATCH)) {
      summary.backfilled += await withTransaction(pool, async (client) => {
        const added = await repo.backfillLink(client, link)
        // Hard bounces too; a pair that exists already is left as it is, so a second sweep adds nothing.
        return added + (await bounceRepo.backfillLink(client, link))
      })
    }

    // A paused link resumes when its credential works again (the person changed it).
    for (const link of await repo.pausedLinks(pool, SWEEP_BATCH)) {
      const access = await salesforce.state({ accountId: link.accountId, linkId: link.linkId, canvas: false })
      if (!access.canConnect) {
        // Still broken: keep the pause, with the current reason.
        if (access.code && access.code !== link.pausedCode) await repo.pause(pool, link.linkId, access.code)
        continue
      }
      if (await repo.clearPause(pool, link.linkId)) {
        log.info({ linkId: link.linkId }, 'unsubscribe sync resumed')
        summary.resumed++
      }
      await enqueue.push(link.linkId)
      await enqueue.pull(link.linkId)
      await enqueue.bounces(link.linkId)
    }

    for (const link of await repo.linksWithDuePending(pool, SWEEP_BATCH)) {
      if (link.pausedCode) continue
      await enqueue.push(link.linkId)
      summary.pushes++
    }
    for (const link of await bounceRepo.linksWithDuePending(pool, SWEEP_BATCH)) {
      if (link.pausedCode) continue
      await enqueue.bounces(link.linkId)
      summary.bouncePushes++
    }

    const due = await repo.linksDueForPull(pool, config.unsubscribePullIntervalMinutes, SWEEP_BATCH)
    for (const link of due) {
      const access = await salesforce.state({ accountId: link.accountId, linkId: link.linkId, canvas: false })
      if (access.canConnect) {
        await enqueue.pull(link.linkId)
        summary.pulls++
      } else if (access.code && pausesSync(access.code)) {
        await pauseLink(link.linkId, access.code)
      }
    }
    await repo.markPullAttempted(
      pool,
      due.map((l) => l.linkId),
    )
    return summary
  }

  return { pushLink, pushBounces, pullLink, sweep }
}

/** What status shows for a pause code. */
export function pauseMessage(code: string): string {
  return code in ERRORS ? ERRORS[code as ErrorCode].message : 'Unsubscribe synchronisation is paused.'
}
