import { useState } from 'preact/hooks'
import { useApp } from '../app-context.js'
import { useAction } from '../hooks.js'
import { ErrorAlert } from './alerts.js'
import { ButtonIcon } from './icon.js'

export const OAUTH_START_PATH = '/oauth/salesforce/start'

/**
 * "Connect with Salesforce" (OAuth web-server flow with PKCE). Standalone, the browser
 * simply goes to /oauth/salesforce/start (the session cookie rides along). Inside the
 * Salesforce iframe a bearer token cannot ride a navigation, and Salesforce's login page
 * refuses to be framed, so we ask the server for a one-time ticket URL and open it in a
 * new window.
 */
export function ConnectWithSalesforce({ variant = 'brand' }: { variant?: 'brand' | 'neutral' }) {
  const { api, runtime } = useApp()
  const [fallbackUrl, setFallbackUrl] = useState<string | null>(null)
  const [opened, setOpened] = useState(false)
  const ticket = useAction(async (popup: Window | null) => {
    try {
      const { url } = await api.oauthTicket()
      if (popup && !popup.closed) {
        popup.location.href = url
        setOpened(true)
      } else {
        setFallbackUrl(url) // the popup was blocked: let the person open it with a real click
      }
    } catch (error) {
      popup?.close()
      throw error
    }
  })

  const onClick = () => {
    if (runtime.mode === 'standalone') {
      window.location.assign(OAUTH_START_PATH)
      return
    }
    // Open the window inside the click (popup blockers allow that), fill in the URL once the ticket arrives.
    const popup = window.open('', '_blank')
    void ticket.run(popup)
  }

  return (
    <div class="sfl-connect">
      <button
        type="button"
        class={variant === 'brand' ? 'slds-button slds-button_brand' : 'slds-button slds-button_neutral'}
        onClick={onClick}
        disabled={ticket.busy}
        data-href={runtime.mode === 'standalone' ? OAUTH_START_PATH : undefined}
      >
        <ButtonIcon name="salesforce1" left />
        Connect with Salesforce
      </button>
      {opened && (
        <p class="slds-text-body_small slds-m-top_x-small" role="status">
          Finish in the window that opened; this page updates when you come back.
        </p>
      )}
      {fallbackUrl && (
        <p class="slds-m-top_x-small" role="status">
          Your browser blocked the new window.{' '}
          <a href={fallbackUrl} target="_blank" rel="noopener" onClick={() => setFallbackUrl(null)}>
            Open the Salesforce authorization page
          </a>
        </p>
      )}
      {ticket.error && <ErrorAlert error={ticket.error} hideFixLink />}
    </div>
  )
}
