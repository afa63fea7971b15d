import type { AriaRole, ComponentChildren } from 'preact'
import { useContext } from 'preact/hooks'
import type { ApiError } from '../api.js'
import { AppContext, type LinkState } from '../app-context.js'
import { Icon, type IconName } from './icon.js'
import { href } from '../router.js'

type Tone = 'info' | 'success' | 'warning' | 'error'

const TONE_ICON: Record<Tone, IconName> = { info: 'info', success: 'success', warning: 'warning', error: 'error' }
// Written out in full: the build keeps only SLDS classes it finds in the sources (canvas-ui/vite.config.ts).
const BANNER_TONE: Record<Tone, string> = {
  info: '',
  success: 'slds-theme_success',
  warning: 'slds-alert_warning',
  error: 'slds-alert_error',
}

/**
 * Full-width SLDS alert banner (`slds-notify_alert`), used at the top of the page.
 * Errors and warnings are announced (`role="alert"`), the rest politely.
 */
export function Banner(props: { tone: Tone; testId?: string; children: ComponentChildren; onClose?: () => void }) {
  const { tone, testId, children, onClose } = props
  const toneClass = BANNER_TONE[tone]
  const iconClass =
    tone === 'warning' ? 'slds-icon slds-icon_x-small slds-icon-text-default' : 'slds-icon slds-icon_x-small'
  return (
    <div
      class={`slds-notify slds-notify_alert sfl-banner ${toneClass}`}
      role={tone === 'error' || tone === 'warning' ? 'alert' : 'status'}
      data-testid={testId}
    >
      <span class="slds-assistive-text">{tone}</span>
      <span class="slds-icon_container slds-m-right_x-small sfl-banner__icon">
        <Icon name={TONE_ICON[tone]} class={iconClass} />
      </span>
      <div class="sfl-banner__body">{children}</div>
      {onClose && (
        <div class="slds-notify__close">
          <button
            type="button"
            class="slds-button slds-button_icon slds-button_icon-small slds-button_icon-inverse"
            title="Dismiss"
            onClick={onClose}
          >
            <Icon name="close" class="slds-button__icon" />
            <span class="slds-assistive-text">Dismiss</span>
          </button>
        </div>
      )}
    </div>
  )
}

/** A boxed message inside a card or next to a form (SLDS scoped notification). */
export function Notice(props: {
  tone: Tone
  title?: string
  children?: ComponentChildren
  testId?: string
  id?: string
  role?: AriaRole
}) {
  const { tone, title, children, testId, id, role } = props
  return (
    <div
      id={id}
      class={`slds-scoped-notification slds-media slds-media_center sfl-notice sfl-notice_${tone}`}
      role={role ?? (tone === 'error' ? 'alert' : 'status')}
      data-testid={testId}
    >
      <div class="slds-media__figure">
        <span class="slds-icon_container">
          <Icon name={TONE_ICON[tone]} class={`slds-icon slds-icon_small sfl-notice__icon`} />
          <span class="slds-assistive-text">{tone}</span>
        </span>
      </div>
      <div class="slds-media__body">
        {title && <p class="slds-text-heading_small sfl-notice__title">{title}</p>}
        {children}
      </div>
    </div>
  )
}

/**
 * Does Link Accounts fix this error? The server's credential policy decides (the link view's
 * `canConnect` and each credential's `action`); the UI only reads that decision.
 */
function fixedOnLinkAccounts(code: string, link: LinkState | undefined): boolean {
  if (code === 'LINK_NOT_FOUND') return true
  if (!code.startsWith('SF_') || link?.status !== 'ready') return false
  return !link.link.canConnect || link.link.credentials.some((c) => c.action !== null)
}

/**
 * False for faults that asking again cannot fix: a credential Salesforce refuses (fixed on
 * Link Accounts) and a connection definition Salesforce refuses (fixed in the editor).
 */
export function isRetryable(error: ApiError, link?: LinkState): boolean {
  return !fixedOnLinkAccounts(error.code, link) && connectionProblem(error) === null && error.code !== 'SF_API_DISABLED'
}

/** Why a connection cannot run, as the server's details say: the field removed, not filterable, or the query refused. */
export function connectionProblem(error: ApiError): 'field_removed' | 'not_filterable' | 'query_refused' | null {
  if (!error.code.startsWith('CONNECTION_') || error.code === 'CONNECTION_NOT_FOUND') return null
  const reason = (error.details as { reason?: unknown } | undefined)?.reason
  if (reason === 'FIELD_REMOVED' || error.code === 'CONNECTION_FIELD_REMOVED') return 'field_removed'
  if (reason === 'FIELD_NOT_FILTERABLE' || error.code === 'CONNECTION_FIELD_NOT_FILTERABLE') return 'not_filterable'
  return 'query_refused'
}

/**
 * An API error as a person sees it: the server's message, its code, and the way forward
 * that fits: Link Accounts for access, the editor for a definition Salesforce refuses, and
 * "Try again" only where trying again can help.
 */
export function ErrorAlert(props: {
  error: ApiError
  title?: string
  onRetry?: () => void
  id?: string
  hideFixLink?: boolean
  /** Where to edit the connection concerned, offered when the definition is what is wrong. */
  editHref?: string
}) {
  const { error, title, onRetry, id, hideFixLink, editHref } = props
  const app = useContext(AppContext)
  const fixAccess = !hideFixLink && fixedOnLinkAccounts(error.code, app?.link)
  const edit = editHref && connectionProblem(error) ? editHref : null
  const retry = onRetry && isRetryable(error, app?.link) ? onRetry : null
  return (
    <Notice tone="error" title={title} id={id} testId="error-alert">
      <p class="sfl-error-message">{error.message}</p>
      <p class="slds-text-body_small sfl-error-code">
        Code: <code data-testid="error-code">{error.code}</code>
      </p>
      {(retry || fixAccess || edit) && (
        <p class="slds-m-top_x-small">
          {fixAccess && (
            <a href={href('/settings/link-accounts')} class="slds-m-right_medium">
              Go to Link Accounts
            </a>
          )}
          {edit && (
            <a href={edit} class="slds-m-right_medium" data-testid="error-edit">
              Edit the connection
            </a>
          )}
          {retry && (
            <button type="button" class="slds-button" onClick={retry}>
              Try again
            </button>
          )}
        </p>
      )}
    </Notice>
  )
}
