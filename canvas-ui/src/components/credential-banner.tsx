import { useApp } from '../app-context.js'
import { href } from '../router.js'
import { Banner } from './alerts.js'
import { formatDateTime } from '../format.js'

/**
 * Shown on every page while the stored Salesforce credential cannot be used: after a
 * token reset or password change Salesforce rejects it, and SF Link stops trying
 * (repeated failures would lock the user out) until the person enters the new one.
 */
export function CredentialBanner() {
  const { link } = useApp()
  if (link.status !== 'ready') return null
  const { credential } = link.link
  if (credential.status === 'needs_attention') {
    return (
      <Banner tone="warning" testId="credential-banner">
        <h2 class="sfl-banner__title">
          Salesforce access needs attention
          {credential.reasonMessage ? `: ${credential.reasonMessage}` : '.'}{' '}
          <a href={href('/settings/link-accounts')}>Fix it</a>
        </h2>
        <p class="sfl-banner__detail">
          Background sync is paused and SF Link will not try this credential again until you change it
          {credential.reason ? ` (${credential.reason})` : ''}.{' '}
          {credential.action === 'connect_with_salesforce' ? (
            <>
              Choose <strong>Connect with Salesforce</strong> on Link Accounts: it needs no password or security token.
            </>
          ) : credential.action === 'update_credential' ? (
            <>
              Reset your security token in Salesforce (your avatar → Settings → My Personal Information → Reset My
              Security Token), wait for the email with the new token, then enter it on Link Accounts with{' '}
              <strong>Update token only</strong>. A changed Salesforce password also needs the new password.
            </>
          ) : (
            <>{credential.adminAction ?? 'Or choose Connect with Salesforce on Link Accounts.'}</>
          )}
        </p>
      </Banner>
    )
  }
  if (credential.status === 'rate_limited') {
    return (
      <Banner tone="info" testId="rate-limit-banner">
        <h2 class="sfl-banner__title">
          Salesforce limits reached{credential.reasonMessage ? `: ${credential.reasonMessage}` : '.'} SF Link retries on
          its own with a growing delay
          {credential.lastSuccessAt ? `; last success ${formatDateTime(credential.lastSuccessAt)}` : ''}.
        </h2>
      </Banner>
    )
  }
  return null
}
