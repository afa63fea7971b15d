import { useEffect, useRef, useState } from 'preact/hooks'
import { useApp } from '../app-context.js'
import { useAction } from '../hooks.js'
import { ErrorAlert, Notice } from './alerts.js'
import { ButtonIcon } from './icon.js'

export const OAUTH_START_PATH = '/oauth/salesforce/start'

/** What the popup's last page (`/oauth/salesforce/done`, same origin) tells the window that opened it. */
interface OAuthMessage {
  type: 'sflink:oauth'
  outcome: 'connected' | 'approved' | 'failed'
  code: string | null
  message: string
}

function isOAuthMessage(data: unknown): data is OAuthMessage {
  return Boolean(data && typeof data === 'object' && (data as { type?: unknown }).type === 'sflink:oauth')
}

/**
 * "Connect with Salesforce" (OAuth web-server flow with PKCE). Standalone, the browser
 * simply goes to /oauth/salesforce/start (the session cookie rides along). Inside the
 * Salesforce iframe a bearer token cannot ride a navigation, and Salesforce's login page
 * refuses to be framed, so we ask the server for a one-time ticket URL and open it in a
 * new window. That window ends on a page that says how it went, tells this one, and closes
 * itself; this page then shows the outcome and reloads the link.
 */
export function ConnectWithSalesforce({
  variant = 'brand',
  label = 'Connect with Salesforce',
}: {
  variant?: 'brand' | 'neutral'
  label?: string
}) {
  const { api, runtime, reloadLink } = useApp()
  const [fallbackUrl, setFallbackUrl] = useState<string | null>(null)
  const [opened, setOpened] = useState(false)
  const [outcome, setOutcome] = useState<OAuthMessage | null>(null)
  /** Only the button that opened the window reports its outcome (a page may show several). */
  const started = useRef(false)

  useEffect(() => {
    const onMessage = (event: MessageEvent) => {
      if (!started.current || event.origin !== window.location.origin || !isOAuthMessage(event.data)) return
      started.current = false
      setOpened(false)
      setOutcome(event.data)
      reloadLink()
    }
    window.addEventListener('message', onMessage)
    return () => window.removeEventListener('message', onMessage)
  }, [reloadLink])
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
    setOutcome(null)
    started.current = true
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
        {label}
      </button>
      {outcome && outcome.outcome !== 'failed' && (
        <Notice tone="success" title="Connected with Salesforce" testId="oauth-connected">
          <p>{outcome.message}</p>
        </Notice>
      )}
      {outcome && outcome.outcome === 'failed' && (
        <Notice
          tone={outcome.code === 'SF_OAUTH_DENIED' ? 'warning' : 'error'}
          title={outcome.code === 'SF_OAUTH_DENIED' ? 'You declined access' : 'Connect with Salesforce did not finish'}
          testId="oauth-error"
        >
          <p>
            {outcome.message}
            {outcome.code && (
              <>
                {' '}
                (<code>{outcome.code}</code>)
              </>
            )}
          </p>
        </Notice>
      )}
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
