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
import type { Connection } from 'jsforce'
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
import type { PushOutcome } from './repository.js'
import {
  findPeopleByEmail,
  MAX_RECORDS_PER_UPDATE,
  optOut,
  PERSON_OBJECTS,
  readOptOuts,
  type PersonRecord,
} from './salesforce-ops.js'

/** Addresses taken per round: large rounds waste fewer partly-filled queries and updates. */
export const PUSH_ROUND_SIZE = 10_000
/** An address whose records Salesforce refused is tried this many times, then marked failed. */
export const MAX_ATTEMPTS = 5
/** Pull re-reads this much before the watermark: SystemModstamp is stamped before commit, so a late commit can land behind it. Re-reading is harmless (ON CONFLICT DO NOTHING). */
const PULL_OVERLAP_MS = 5 * 60_000
const PULL_FLUSH_SIZE = 5_000
const SWEEP_BATCH = 500

export interface Enqueuer {
  push(linkId: string): Promise<void>
  pull(linkId: string): Promise<void>
}

export type RunResult =
  | { outcome: 'done'; addresses: number; updated: number }
  | { outcome: 'paused'; code: ErrorCode }
  | { outcome: 'busy' | 'gone' }

export interface SweepResult {
  backfilled: number
  resumed: number
  pushes: number
  pulls: number
}

export interface UnsubscribeSync {
  pushLink(linkId: string): Promise<RunResult>
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

function retryDelaySeconds(attempts: number): number {
  return Math.min(60 * 2 ** Math.max(0, attempts - 1), 3600)
}

const BUSY = Symbol('busy')

export function createUnsubscribeSync(deps: {
  pool: Pool
  links: Pick<LinkService, 'byId'>
  salesforce: SalesforceAccess
  config: Pick<Config, 'unsubscribePullIntervalMinutes'>
  enqueue: Enqueuer
  log: Logger
}): UnsubscribeSync {
  const { pool, links, salesforce, config, enqueue, log } = deps
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

  /**
   * One round: find the records, opt out those still opted in, 200 per call, and record each
   * address's outcome as soon as all its records have an answer.
   */
  async function pushRound(
    conn: Connection,
    linkId: string,
    emails: string[],
    attempts: Map<string, number>,
  ): Promise<number> {
    const found = await findPeopleByEmail(conn, emails)
    const remaining = new Map<string, number>()
    const updatedIds = new Map<string, string[]>()
    const errors = new Map<string, string[]>()
    const immediate: PushOutcome[] = []
    const toUpdate = new Map<string, PersonRecord[]>(PERSON_OBJECTS.map((o) => [o, []]))
    for (const email of emails) {
      const records = found.get(email) ?? []
      const open = records.filter((r) => !r.optedOut)
      if (records.length === 0)
        immediate.push({ email, status: 'no_match', reason: 'No Contact or Lead in Salesforce has this address.' })
      else if (open.length === 0)
        immediate.push({ email, status: 'synced', reason: 'Already opted out in Salesforce.' })
      else {
        remaining.set(email, open.length)
        for (const r of open) toUpdate.get(r.sobject)!.push(r)
      }
    }
    await repo.recordOutcomes(pool, linkId, immediate)

    let updated = 0
    for (const sobject of PERSON_OBJECTS) {
      const records = toUpdate.get(sobject)!
      for (let i = 0; i < records.length; i += MAX_RECORDS_PER_UPDATE) {
        const chunk = records.slice(i, i + MAX_RECORDS_PER_UPDATE)
        const results = await optOut(
          conn,
          sobject,
          chunk.map((r) => r.id),
        )
        const finished: PushOutcome[] = []
        chunk.forEach((record, k) => {
          const result = results[k]!
          if (result.success) {
            updated++
            updatedIds.set(record.email, [...(updatedIds.get(record.email) ?? []), record.id])
          } else if (result.errorCode !== 'ENTITY_IS_DELETED') {
            // A record deleted since the query has nothing left to opt out.
            errors.set(record.email, [...(errors.get(record.email) ?? []), `${sobject} ${record.id}: ${result.error}`])
          }
          const left = remaining.get(record.email)! - 1
          remaining.set(record.email, left)
          if (left > 0) return
          const problems = errors.get(record.email)
          if (!problems) {
            finished.push({
              email: record.email,
              status: 'synced',
              reason: null,
              recordIds: updatedIds.get(record.email) ?? [],
            })
            return
          }
          const tried = (attempts.get(record.email) ?? 0) + 1
          finished.push({
            email: record.email,
            status: tried >= MAX_ATTEMPTS ? 'failed' : 'retry',
            reason: problems.join('; ').slice(0, 1000),
            recordIds: updatedIds.get(record.email) ?? [],
            retryInSeconds: retryDelaySeconds(tried),
          })
        })
        await repo.recordOutcomes(pool, linkId, finished)
      }
    }
    return updated
  }

  async function pushLink(linkId: string): Promise<RunResult> {
    const link = await links.byId(linkId)
    if (!link) return { outcome: 'gone' }
    const target: AccessTarget = { accountId: link.accountId, linkId, canvas: false }
    const result = await withLinkLock(`sf-link:unsubscribes:push:${linkId}`, async (): Promise<RunResult> => {
      const stop = await gate(linkId, target)
      if (stop) return stop
      let addresses = 0
      let updated = 0
      for (;;) {
        const emails = await repo.duePending(pool, linkId, PUSH_ROUND_SIZE)
        if (emails.length === 0) break
        addresses += emails.length
        const attempts = await repo.attemptsOf(pool, linkId, emails)
        try {
          updated += await salesforce.withConnection(target, (conn) => pushRound(conn, linkId, emails, attempts))
        } catch (err) {
          const e = asAppError(err)
          if (pausesSync(e.code)) return pauseLink(linkId, e.code)
          if (isTransient(e.code)) throw e
          // Salesforce refused the round for another reason (a query it will not run for this
          // user, say): each address gets an attempt and waits, so one bad round cannot spin.
          log.warn(
            { linkId, code: e.code, err: { message: e.message } },
            'unsubscribe push round refused by Salesforce',
          )
          const left = await repo.attemptsOf(pool, linkId, emails)
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
          )
        }
      }
      await repo.touchPush(pool, linkId)
      return { outcome: 'done', addresses, updated }
    })
    if (result === BUSY) return { outcome: 'busy' }
    // Addresses that arrived while this run was finishing: their job found the link busy.
    if (result.outcome === 'done' && (await repo.hasDuePending(pool, linkId))) await enqueue.push(linkId)
    return result
  }

  async function pullLink(linkId: string): Promise<RunResult> {
    const link = await links.byId(linkId)
    if (!link) return { outcome: 'gone' }
    const target: AccessTarget = { accountId: link.accountId, linkId, canvas: false }
    const result = await withLinkLock(`sf-link:unsubscribes:pull:${linkId}`, async (): Promise<RunResult> => {
      const stop = await gate(linkId, target)
      if (stop) return stop
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
    const summary: SweepResult = { backfilled: 0, resumed: 0, pushes: 0, pulls: 0 }

    for (const link of await repo.linksToBackfill(pool, SWEEP_BATCH)) {
      summary.backfilled += await withTransaction(pool, (client) => repo.backfillLink(client, link))
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
    }

    for (const link of await repo.linksWithDuePending(pool, SWEEP_BATCH)) {
      if (link.pausedCode) continue
      await enqueue.push(link.linkId)
      summary.pushes++
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

  return { pushLink, pullLink, sweep }
}

/** What status shows for a pause code. */
export function pauseMessage(code: string): string {
  return code in ERRORS ? ERRORS[code as ErrorCode].message : 'Unsubscribe synchronisation is paused.'
}
