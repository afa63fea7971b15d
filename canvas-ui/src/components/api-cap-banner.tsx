import { useApp } from '../app-context.js'
import { formatCount, formatDateTime } from '../format.js'
import { useAsync } from '../hooks.js'
import { href } from '../router.js'
import { Banner } from './alerts.js'

/**
 * Shown on every page while SF Link's background sync waits at the API cap the person set
 * (the Sync health page shows the same in its own words). Checked again on each page change.
 */
export function ApiCapBanner({ path }: { path: string }) {
  const { api, link } = useApp()
  const linked = link.status === 'ready'
  const health = useAsync(
    (signal) => (linked && path !== '/sync/health' ? api.syncHealth(signal) : Promise.resolve(null)),
    [path, linked],
  )
  const h = health.data
  if (!h || !h.api.capped || path === '/sync/health') return null
  return (
    <Banner tone="warning" testId="api-cap-banner">
      <h2 class="sfl-banner__title">
        Background sync is paused at your Salesforce API cap. <a href={href('/sync/health')}>Sync health</a>
      </h2>
      <p class="sfl-banner__detail">
        SF Link made {formatCount(h.api.callsLast24h)} API calls in the last 24 hours, the share you allowed it (
        {h.api.cap?.percent} % of the org's daily limit). Unsubscribes and bounces wait; nothing is lost. Sync goes on
        by itself {h.api.resumesAt ? `after ${formatDateTime(h.api.resumesAt)}` : 'soon'}, or when you raise the cap.
      </p>
    </Banner>
  )
}
