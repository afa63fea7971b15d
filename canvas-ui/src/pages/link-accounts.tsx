import { useEffect } from 'preact/hooks'
import { useApp } from '../app-context.js'
import { formatDateTime } from '../format.js'
import type { Credential, CredentialKind, SalesforceLink } from '../types.js'
import { ErrorAlert, Notice } from '../components/alerts.js'
import { CredentialStatusBadge } from '../components/badge.js'
import { Card } from '../components/card.js'
import { ConnectWithSalesforce } from '../components/connect-salesforce.js'
import { CopyButton } from '../components/copy-button.js'
import { CredentialForm } from '../components/credential-form.js'
import { ReadOnlyField } from '../components/form.js'
import { NotificationSettingsCard } from '../components/notification-settings.js'
import { ButtonIcon } from '../components/icon.js'
import { PageHeader } from '../components/page-header.js'
import { Spinner } from '../components/spinner.js'
import { TokenHelp } from '../components/token-help.js'

const KIND_LABEL: Record<CredentialKind, string> = {
  oauth_refresh: 'Connect with Salesforce (OAuth refresh token)',
  jwt_bearer: 'Pre-authorised by your Salesforce admin (JWT bearer)',
  password_token: 'Username, password and security token',
}

export function LinkAccountsPage({ query }: { query: URLSearchParams }) {
  const { link, reloadLink } = useApp()

  // Coming back from the Connect with Salesforce window (or from Salesforce after a
  // token reset): show the current status without asking for a reload.
  useEffect(() => {
    const onFocus = () => reloadLink()
    window.addEventListener('focus', onFocus)
    return () => window.removeEventListener('focus', onFocus)
  }, [reloadLink])

  const oauthError = query.get('error')
  return (
    <>
      <PageHeader
        eyebrow="Settings · Integrations"
        title="Link Accounts"
        icon="link"
        iconTone="connected-apps"
        actions={
          <button type="button" class="slds-button slds-button_neutral" onClick={reloadLink}>
            <ButtonIcon name="refresh" left />
            Refresh
          </button>
        }
      >
        Your Salesforce user, and how SF Link reaches your Salesforce data when you use it outside Salesforce.
      </PageHeader>

      {query.get('connected') === '1' && (
        <Notice tone="success" title="Connected with Salesforce" testId="oauth-connected">
          <p>SF Link can now reach your Salesforce data outside Salesforce, without your password or security token.</p>
        </Notice>
      )}
      {oauthError === 'SF_OAUTH_DENIED' && (
        <Notice tone="warning" title="You declined access" testId="oauth-error">
          <p>
            You chose Deny on Salesforce's page, so SF Link is not connected. To connect, choose Connect with Salesforce
            again and select Allow (<code>{oauthError}</code>).
          </p>
        </Notice>
      )}
      {oauthError && oauthError !== 'SF_OAUTH_DENIED' && (
        <Notice tone="error" title="Connect with Salesforce did not finish" testId="oauth-error">
          <p>
            Salesforce answered <code>{oauthError}</code>
            {query.get('message') ? `: ${query.get('message')}` : '.'} Try again, or use the username and token form
            below.
          </p>
        </Notice>
      )}

      {link.status === 'loading' && <Spinner label="Loading your Salesforce link" />}
      {link.status === 'error' && (
        <ErrorAlert error={link.error} title="Could not load your Salesforce link" onRetry={reloadLink} hideFixLink />
      )}
      {link.status === 'missing' && <NotLinkedYet />}
      {link.status === 'ready' && (
        <div class="sfl-two-columns">
          <div class="sfl-stack">
            <LinkFacts link={link.link} />
            <OutsideAccess link={link.link} />
            <NotificationSettingsCard />
          </div>
          <TokenHelp />
        </div>
      )}
    </>
  )
}

function LinkFacts({ link }: { link: SalesforceLink }) {
  return (
    <Card id="link-facts" title="Salesforce user" icon="user" iconTone="user" testId="link-facts">
      <div class="sfl-facts">
        <ReadOnlyField label="Salesforce user ID" id="fact-user-id">
          <span class="sfl-mono sfl-mono-field" data-testid="sf-user-id">
            {link.salesforceUserId}
          </span>
          <span class="slds-m-left_x-small">
            <CopyButton text={link.salesforceUserId} describedBy="fact-user-id-label" />
          </span>
        </ReadOnlyField>
        <ReadOnlyField label="Organization ID">
          <span class="sfl-mono" data-testid="sf-org-id">
            {link.organizationId}
          </span>
        </ReadOnlyField>
        <ReadOnlyField label="Instance URL">
          <a href={link.instanceUrl} target="_blank" rel="noopener" data-testid="sf-instance-url">
            {link.instanceUrl}
          </a>
        </ReadOnlyField>
        <ReadOnlyField label="Salesforce username">
          <span data-testid="sf-username-value">{link.username ?? '—'}</span>
        </ReadOnlyField>
        <ReadOnlyField label="Linked since">{formatDateTime(link.linkedAt)}</ReadOnlyField>
        <ReadOnlyField label="Last seen inside Salesforce">{formatDateTime(link.lastSeenAt, 'Not yet')}</ReadOnlyField>
      </div>
      <p class="slds-text-body_small slds-text-color_weak slds-m-top_small">
        SF Link learned these the first time you opened it inside Salesforce, and refreshes them on every visit there.
      </p>
    </Card>
  )
}

/** One stored credential: its own status, last use and, when it failed, why and what to do. */
function StoredCredential({ credential, showReason }: { credential: Credential; showReason: boolean }) {
  const kind = credential.kind!
  return (
    <li class="sfl-stored-credential" data-testid="stored-credential" data-kind={kind}>
      <div class="sfl-facts">
        <ReadOnlyField label="Method">{KIND_LABEL[kind]}</ReadOnlyField>
        <ReadOnlyField label="Status">
          <CredentialStatusBadge status={credential.status} testId="stored-credential-status" />
        </ReadOnlyField>
        <ReadOnlyField label="Last successful use">{formatDateTime(credential.lastSuccessAt, 'Never')}</ReadOnlyField>
        {credential.status !== 'ok' && credential.lastFailureAt && (
          <ReadOnlyField label="Last failure">{formatDateTime(credential.lastFailureAt)}</ReadOnlyField>
        )}
        {kind === 'password_token' && (
          <ReadOnlyField label="Stored for">
            {credential.username ?? '—'}
            {credential.environment ? ` · ${credential.environment}` : ''}
          </ReadOnlyField>
        )}
      </div>
      {showReason && credential.status === 'needs_attention' && credential.reasonMessage && (
        <p class="slds-m-top_xx-small" data-testid="stored-credential-reason">
          {credential.reasonMessage} (<code>{credential.reason}</code>)
          {credential.adminAction && <span class="sfl-admin-action"> {credential.adminAction}</span>}
        </p>
      )}
      {credential.notice && (
        <Notice tone="info" title="Salesforce retires this in Summer '27" testId="retirement-notice">
          <p>{credential.notice}</p>
          <p class="slds-m-top_x-small">
            After you connect, SF Link deletes the stored password and security token: it no longer needs them.
          </p>
          <div class="slds-m-top_x-small">
            <ConnectWithSalesforce variant="neutral" label="Switch to Connect with Salesforce" />
          </div>
        </Notice>
      )}
    </li>
  )
}

/** What the person can do about the failure that actually happened, as the server decided it. */
function FailureNotice({ credential }: { credential: Credential }) {
  const connect = credential.action === 'connect_with_salesforce'
  return (
    <Notice
      tone="warning"
      title={connect ? 'Use Connect with Salesforce' : 'Salesforce stopped accepting the stored credential'}
      testId="credential-reason"
    >
      <p>
        {credential.reasonMessage ?? 'The last login failed.'}
        {credential.reason && (
          <>
            {' '}
            (<code data-testid="credential-reason-code">{credential.reason}</code>)
          </>
        )}
      </p>
      {credential.adminAction && (
        <p class="slds-m-top_xx-small" data-testid="admin-action">
          For your Salesforce admin: {credential.adminAction}
        </p>
      )}
      {connect ? (
        <div class="slds-m-top_x-small">
          <ConnectWithSalesforce />
        </div>
      ) : credential.action === 'update_credential' ? (
        <p class="slds-m-top_xx-small">
          SF Link will not try it again until you change it. Reset your security token in Salesforce (avatar → Settings
          → My Personal Information → Reset My Security Token), then enter the token from the email below and choose{' '}
          <strong>Update token only</strong>. Or use Connect with Salesforce.
        </p>
      ) : (
        <p class="slds-m-top_xx-small">
          SF Link will not try it again until it changes. Or use Connect with Salesforce.
        </p>
      )}
    </Notice>
  )
}

function OutsideAccess({ link }: { link: SalesforceLink }) {
  const { credential, credentials } = link
  const leadsWithConnect = credential.status === 'needs_attention' && credential.action === 'connect_with_salesforce'
  return (
    <Card
      id="outside-access"
      title="Access from outside Salesforce"
      icon="key"
      iconTone="connected-apps"
      testId="outside-access"
    >
      <div class="sfl-facts">
        <ReadOnlyField label="Credential status">
          <CredentialStatusBadge status={credential.status} />
        </ReadOnlyField>
        <ReadOnlyField label="Method">{credential.kind ? KIND_LABEL[credential.kind] : 'None stored'}</ReadOnlyField>
        <ReadOnlyField label="Last successful use">{formatDateTime(credential.lastSuccessAt, 'Never')}</ReadOnlyField>
      </div>
      {credential.status === 'needs_attention' && <FailureNotice credential={credential} />}
      {credential.status === 'rate_limited' && (
        <Notice tone="info" title="Salesforce limits reached">
          <p>{credential.reasonMessage ?? 'SF Link retries on its own with a growing delay.'}</p>
        </Notice>
      )}
      {!link.canConnect && credential.status === 'none' && (
        <p class="slds-m-top_small">
          Without a credential, outside Salesforce you can only copy and delete connections. Add one of the two below.
        </p>
      )}
      {credentials.length > 0 && (
        <section class="slds-m-top_medium" aria-labelledby="stored-credentials-title">
          <h3 id="stored-credentials-title" class="slds-text-heading_small">
            Stored credentials ({credentials.length})
          </h3>
          <p class="slds-text-body_small slds-text-color_weak">
            SF Link tries them in this order and uses the first that works.
          </p>
          <ul class="sfl-stack slds-m-top_x-small" data-testid="stored-credentials">
            {credentials.map((c) => (
              // With one credential, the notice above already leads with its failure.
              <StoredCredential key={c.kind} credential={c} showReason={credentials.length > 1} />
            ))}
          </ul>
        </section>
      )}

      {!leadsWithConnect && (
        <section class="sfl-option slds-m-top_medium" aria-labelledby="option-oauth">
          <h3 id="option-oauth" class="slds-text-heading_small">
            Connect with Salesforce <span class="slds-badge slds-theme_success slds-m-left_x-small">Recommended</span>
          </h3>
          <p class="slds-m-vertical_x-small">
            You approve SF Link on Salesforce's own page. SF Link keeps a refresh token, never your password, and keeps
            working after you reset your security token.
          </p>
          <ConnectWithSalesforce />
        </section>
      )}

      <section class="sfl-option slds-m-top_large">
        <CredentialForm link={link} key={`${credential.kind}-${credential.username}-${credential.environment}`} />
      </section>
    </Card>
  )
}

function NotLinkedYet() {
  const { demo } = useApp()
  return (
    <div class="sfl-two-columns">
      <Card
        id="not-linked"
        title="No Salesforce user linked yet"
        icon="link"
        iconTone="connected-apps"
        testId="link-empty-state"
      >
        <p>
          SF Link learns your Salesforce user ID the first time you open it <strong>inside Salesforce</strong>; there is
          nothing to type. Once that visit has happened, this page shows your user ID, organization and instance.
        </p>
        <ol class="slds-list_ordered slds-m-vertical_small">
          <li>Log in to Salesforce.</li>
          <li>Open the App Launcher and choose the SF Link tab (or the page where your admin placed SF Link).</li>
          <li>SF Link asks you once to sign in to this account. After that you are linked.</li>
        </ol>
        {demo && (
          <p class="slds-m-bottom_small">
            In this demo, use <em>Open SF Link inside the simulated Salesforce</em> in the banner above.
          </p>
        )}
        <section class="sfl-option slds-m-top_medium" aria-labelledby="option-oauth-empty">
          <h3 id="option-oauth-empty" class="slds-text-heading_small">
            Or connect from here
          </h3>
          <p class="slds-m-vertical_x-small">
            Connect with Salesforce links your Salesforce user and gives SF Link access in one step.
          </p>
          <ConnectWithSalesforce />
        </section>
      </Card>
      <TokenHelp />
    </div>
  )
}
