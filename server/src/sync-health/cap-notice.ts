/**
 * "API cap reached" as an email: when background work first meets the cap in a window
 * (./api-usage.ts calls this once per window), each account linked to the org gets one
 * `api_cap_reached` email (../notifications/templates.ts), deduplicated per org, account and window.
 */
import type { Pool } from '../db/pool.js'
import type { NotificationService } from '../notifications/service.js'
import type { CapReachedHook } from '../salesforce/api-usage.js'
import { accountsOfOrg } from './repository.js'

export function capReachedNotice(deps: {
  pool: Pool
  notifications: () => Pick<NotificationService, 'enqueue'>
  also?: CapReachedHook
}): CapReachedHook {
  return async (orgId, state) => {
    const window = state.resumesAt?.toISOString() ?? 'open'
    for (const accountId of await accountsOfOrg(deps.pool, orgId)) {
      await deps
        .notifications()
        .enqueue(
          'api_cap_reached',
          accountId,
          { used: state.callsLast24h, cap: state.capCalls, resumesAt: state.resumesAt?.toISOString() ?? null },
          { dedupeKey: `api_cap_reached:${orgId}:${accountId}:${window}` },
        )
    }
    if (deps.also) await deps.also(orgId, state)
  }
}
