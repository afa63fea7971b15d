/**
 * Sync health: what SF Link costs the org in API calls (last 24 h, the org's own usage and
 * limit, the cap), the push errors grouped by kind with their addresses (CSV export, retry),
 * and the last success of each job. One answer for the page and for `GET /api/salesforce/health`.
 */
import type { AuditLog } from '../audit/audit-log.js'
import type { Pool } from '../db/pool.js'
import { AppError } from '../errors.js'
import type { LinkService } from '../links/service.js'
import type { JobSender } from '../jobs/sender.js'
import { csvField } from '../connections/record-format.js'
import { PUSH_QUEUE } from '../unsubscribes/queues.js'
import { BOUNCE_PUSH_QUEUE } from '../bounces/queues.js'
import type { ApiUsage, CapState } from '../salesforce/api-usage.js'
import * as repo from './repository.js'
import type { SyncHealth } from '../contract/index.js'

export type { SyncHealth }

const SAMPLE_ADDRESSES = 20
const MAX_CSV_ROWS = 100_000

export interface SyncHealthService {
  health(accountId: string): Promise<SyncHealth>
  setCap(accountId: string, percent: number | null): Promise<SyncHealth>
  errorsCsv(accountId: string): Promise<string>
  retry(accountId: string, kind: string | null): Promise<{ addresses: number }>
}

const iso = (d: Date | null) => d?.toISOString() ?? null

function apiView(s: CapState): SyncHealth['api'] {
  return {
    callsLast24h: s.callsLast24h,
    org: s.org ? { used: s.org.used, limit: s.org.limit, observedAt: s.org.observedAt.toISOString() } : null,
    cap: s.capPercent === null ? null : { percent: s.capPercent, calls: s.capCalls },
    capped: s.capped,
    resumesAt: iso(s.resumesAt),
  }
}

export function createSyncHealthService(deps: {
  pool: Pool
  links: Pick<LinkService, 'currentLink'>
  usage: ApiUsage
  jobs: JobSender | null
  audit: Pick<AuditLog, 'record'>
}): SyncHealthService {
  const { pool, links, usage, jobs, audit } = deps

  async function orgOf(accountId: string): Promise<string> {
    const link = await links.currentLink(accountId, null)
    if (!link) throw new AppError('LINK_NOT_FOUND')
    return link.organizationId
  }

  async function health(accountId: string): Promise<SyncHealth> {
    const organizationId = await orgOf(accountId)
    const [api, groups, times] = await Promise.all([
      usage.state(organizationId),
      repo.errorGroups(pool, accountId, SAMPLE_ADDRESSES),
      repo.lastSuccesses(pool, accountId),
    ])
    return {
      organizationId,
      api: apiView(api),
      errors: groups.map((g) => ({ ...g, lastAt: g.lastAt.toISOString() })),
      jobs: [
        { job: 'unsubscribe-push', lastSuccessAt: iso(times.unsubscribePush) },
        { job: 'unsubscribe-pull', lastSuccessAt: iso(times.unsubscribePull) },
        { job: 'bounce-push', lastSuccessAt: iso(times.bouncePush) },
      ],
    }
  }

  return {
    health,

    async setCap(accountId, percent) {
      const organizationId = await orgOf(accountId)
      await usage.setCap(organizationId, percent)
      await audit.record({
        event: 'salesforce.api_cap_set',
        outcome: 'success',
        accountId,
        detail: { organizationId, percent },
      })
      // A raised or removed cap lets waiting work go on now rather than at the next sweep.
      if (jobs)
        for (const linkId of await repo.accountLinkIds(pool, accountId)) {
          await jobs.send(PUSH_QUEUE, { linkId }, { singletonKey: linkId })
          await jobs.send(BOUNCE_PUSH_QUEUE, { linkId }, { singletonKey: linkId })
        }
      return health(accountId)
    },

    async errorsCsv(accountId) {
      const rows = await repo.errorRows(pool, accountId, MAX_CSV_ROWS)
      const lines = ['kind,job,email,status,attempts,reason,updated_at']
      for (const r of rows)
        lines.push(
          [r.kind, r.job, r.email, r.status, r.attempts, r.reason, r.updatedAt.toISOString()].map(csvField).join(','),
        )
      return lines.join('\r\n') + '\r\n'
    },

    async retry(accountId, kind) {
      const result = await repo.retryErrors(pool, accountId, kind)
      if (jobs) {
        for (const linkId of result.unsubscribeLinks) await jobs.send(PUSH_QUEUE, { linkId }, { singletonKey: linkId })
        for (const linkId of result.bounceLinks)
          await jobs.send(BOUNCE_PUSH_QUEUE, { linkId }, { singletonKey: linkId })
      }
      return { addresses: result.addresses }
    },
  }
}
