/**
 * Salesforce API use: every API call SF Link makes is counted per org in hour buckets
 * (durably, one row per org and hour), the org's own usage and daily limit are read from
 * each answer's `Sforce-Limit-Info`, and background work stops at the cap — the share of
 * the org's daily limit the person allowed — until enough of the last 24 h have passed.
 *
 * `meter` is attached to each jsforce connection by ./access.ts (it wraps the connection's
 * transport, so REST, composite and Bulk API calls are all seen). A call counts as
 * Salesforce counts it: not when refused for the session (401), at the org's own limit
 * (403 REQUEST_LIMIT_EXCEEDED, API_DISABLED_FOR_ORG), or by an outage (5xx).
 */
import type { Logger } from 'pino'
import type { Pool } from '../db/pool.js'
import { AppError } from '../errors.js'
import * as repo from './api-usage-repository.js'

const HOUR_MS = 3_600_000
export const WINDOW_MS = 24 * HOUR_MS

export interface CapState {
  /** Calls SF Link made to the org in the last 24 h. */
  callsLast24h: number
  /** The share of the org's daily limit SF Link's background work may use (null: no cap). */
  capPercent: number | null
  /** That share in calls (null: no cap, or the org's limit is not known yet). */
  capCalls: number | null
  capped: boolean
  /** When enough of the window has passed for background work to go on (null unless capped). */
  resumesAt: Date | null
  org: { used: number; limit: number; observedAt: Date } | null
}

export interface Meter {
  /** Before a request is sent: throws SF_API_CAP_REACHED when a background call would pass the cap. */
  beforeCall(): void
  afterResponse(status: number, headers: Record<string, string | string[] | undefined>, body: unknown): void
  /** The request got no answer (network): not a call. */
  failed(): void
  /** Waits until every count is stored. */
  close(): Promise<void>
}

export interface ApiUsage {
  meter(orgId: string, options: { background: boolean }): Promise<Meter>
  state(orgId: string): Promise<CapState>
  isCapped(orgId: string): Promise<boolean>
  /** Percent of the org's daily limit (0 < p ≤ 100), or null for no cap. */
  setCap(orgId: string, percent: number | null): Promise<CapState>
}

/** Called once when an org's background work first meets its cap in a window. */
export type CapReachedHook = (orgId: string, state: CapState) => Promise<void>

const floorHour = (d: Date): Date => new Date(Math.floor(d.getTime() / HOUR_MS) * HOUR_MS)

/** Does Salesforce count this answer as an API call? */
export function isCountedCall(status: number, body: unknown): boolean {
  if (status === 401 || status >= 500) return false
  if (status === 403 && typeof body === 'string' && /REQUEST_LIMIT_EXCEEDED|API_DISABLED_FOR_ORG/.test(body))
    return false
  return true
}

/** `api-usage=123/15000; per-app-api-usage=17/250(appName=x)` → {used: 123, limit: 15000}. */
export function parseLimitInfo(header: unknown): { used: number; limit: number } | null {
  const value = Array.isArray(header) ? header[0] : header
  if (typeof value !== 'string') return null
  // Not `per-app-api-usage=…`, which Salesforce may send beside it.
  const m = /(?:^|[;,\s])api-usage=(\d+)\/(\d+)/.exec(value)
  return m ? { used: Number(m[1]), limit: Number(m[2]) } : null
}

export function createApiUsage(deps: {
  pool: Pool
  now?: () => Date
  log?: Logger
  /** Where "cap reached" is announced (an email to the account owners); nothing when absent. */
  onCapReached?: CapReachedHook
}): ApiUsage {
  const { pool, log } = deps
  const now = deps.now ?? (() => new Date())
  const windowStart = (at: Date) => new Date(at.getTime() - WINDOW_MS)

  async function state(orgId: string): Promise<CapState> {
    const at = now()
    const [usage, org] = await Promise.all([repo.callsSince(pool, orgId, windowStart(at)), repo.findOrg(pool, orgId)])
    const capPercent = org?.capPercent ?? null
    const capCalls = capPercent !== null && org?.apiLimit != null ? Math.floor((org.apiLimit * capPercent) / 100) : null
    const capped = capCalls !== null && usage.calls >= capCalls
    let resumesAt: Date | null = null
    if (capped) {
      let left = usage.calls
      for (const bucket of await repo.bucketsSince(pool, orgId, windowStart(at))) {
        left -= bucket.calls
        resumesAt = new Date(bucket.hour.getTime() + WINDOW_MS)
        if (left < capCalls) break
      }
    } else if (org?.capReachedAt) {
      await repo.clearCapReached(pool, orgId)
    }
    return {
      callsLast24h: usage.calls,
      capPercent,
      capCalls,
      capped,
      resumesAt,
      org:
        org?.apiUsed != null && org.apiLimit != null && org.observedAt
          ? { used: org.apiUsed, limit: org.apiLimit, observedAt: org.observedAt }
          : null,
    }
  }

  async function capReached(orgId: string): Promise<void> {
    if (!(await repo.markCapReached(pool, orgId, now()))) return
    log?.warn({ organizationId: orgId }, 'Salesforce API cap for SF Link reached: background sync waits')
    if (deps.onCapReached) await deps.onCapReached(orgId, await state(orgId))
  }

  return {
    state,

    async isCapped(orgId) {
      const s = await state(orgId)
      if (s.capped) await capReached(orgId).catch(() => {})
      return s.capped
    },

    async setCap(orgId, percent) {
      await repo.setCap(pool, orgId, percent)
      return state(orgId)
    },

    async meter(orgId, { background }) {
      const start = background ? await state(orgId) : null
      // The org's limit may become known (or change) with this connection's first answer.
      let limit = start?.org?.limit ?? null
      const capCalls = () =>
        start?.capPercent != null && limit !== null ? Math.floor((limit * start.capPercent) / 100) : null
      let sent = 0
      let chain: Promise<void> = Promise.resolve()
      const store = (fn: () => Promise<unknown>) => {
        chain = chain.then(fn).then(
          () => {},
          (err) => log?.error({ err: { message: (err as Error).message } }, 'could not store Salesforce API use'),
        )
      }
      return {
        beforeCall() {
          const cap = capCalls()
          if (start && cap !== null && start.callsLast24h + sent >= cap) {
            store(() => capReached(orgId))
            throw new AppError('SF_API_CAP_REACHED')
          }
          sent++
        },
        afterResponse(status, headers, body) {
          const at = now()
          const info = parseLimitInfo(headers['sforce-limit-info'])
          if (info) {
            limit = info.limit
            store(() => repo.recordLimitInfo(pool, orgId, info.used, info.limit, at))
          }
          if (!isCountedCall(status, body)) {
            sent--
            return
          }
          store(() => repo.addCalls(pool, orgId, floorHour(at), 1))
        },
        failed() {
          sent--
        },
        close: () => chain,
      }
    },
  }
}
