import type { Access } from '../types.js'
import { href } from '../router.js'
import { Notice } from './alerts.js'

export const ACCESS_REASON_ID = 'access-reason'

/**
 * Why Edit, Connect and Export are unavailable (no working Salesforce credential outside
 * Salesforce), with the way to fix it. Disabled buttons point here with aria-describedby.
 */
export function AccessNotice({ access }: { access: Access }) {
  if (access.canConnect) return null
  return (
    <Notice tone="warning" title="Salesforce is not reachable from here" testId="access-notice">
      <p id={ACCESS_REASON_ID}>
        {access.message ?? 'Add a Salesforce credential to edit, connect and export connections.'}
        {access.code && (
          <span class="slds-text-color_weak">
            {' '}
            (<code>{access.code}</code>)
          </span>
        )}
      </p>
      <p class="slds-m-top_xx-small">
        You can still copy and delete connections.{' '}
        <a href={href('/settings/link-accounts')}>Set up access on Link Accounts</a>
      </p>
    </Notice>
  )
}
