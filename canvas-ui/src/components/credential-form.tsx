import { useState } from 'preact/hooks'
import { useApp } from '../app-context.js'
import { useAction } from '../hooks.js'
import type { SalesforceLink } from '../types.js'
import { ErrorAlert } from './alerts.js'
import { InlineConfirm } from './confirm.js'
import { SelectField, TextField } from './form.js'
import { Spinner } from './spinner.js'
import { useToast } from './toasts.js'

type EnvironmentChoice = 'production' | 'sandbox' | 'mydomain'

const ENVIRONMENTS = [
  { value: 'production', label: 'Production (login.salesforce.com)' },
  { value: 'sandbox', label: 'Sandbox (test.salesforce.com)' },
  { value: 'mydomain', label: 'My Domain URL' },
] as const

function initialEnvironment(environment: string | null): { choice: EnvironmentChoice; url: string } {
  if (environment === 'sandbox') return { choice: 'sandbox', url: '' }
  if (environment && /^https:\/\//i.test(environment)) return { choice: 'mydomain', url: environment }
  return { choice: 'production', url: '' }
}

function myDomainProblem(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url.trim())
  } catch {
    return 'Enter the full address, for example https://yourcompany.my.salesforce.com'
  }
  return parsed.protocol === 'https:' ? undefined : 'The address must start with https://'
}

/** Salesforce username + password + security token: Save, Update token only, Forget credentials. */
export function CredentialForm({ link }: { link: SalesforceLink }) {
  const { api, reloadLink } = useApp()
  const toast = useToast()
  // The password credential itself, whichever credential leads the page.
  const stored = link.credentials.find((c) => c.kind === 'password_token')
  const credential = stored ?? link.credential
  const env = initialEnvironment(credential.environment)
  const [username, setUsername] = useState(credential.username ?? link.username ?? '')
  const [password, setPassword] = useState('')
  const [token, setToken] = useState('')
  const [environment, setEnvironment] = useState<EnvironmentChoice>(env.choice)
  const [myDomainUrl, setMyDomainUrl] = useState(env.url)
  const [attempted, setAttempted] = useState<'save' | 'patch' | null>(null)
  const [confirmForget, setConfirmForget] = useState(false)

  const done = (title: string, detail?: string) => {
    setPassword('')
    setToken('')
    setAttempted(null)
    toast({ tone: 'success', title, detail })
    reloadLink()
  }
  // One action tracker for the three buttons: one error region, one busy state.
  const action = useAction(async (kind: 'save' | 'patch' | 'forget') => {
    if (kind === 'save') {
      await api.saveCredentials({
        username: username.trim(),
        password,
        securityToken: token.trim() || undefined,
        environment: environment === 'mydomain' ? myDomainUrl.trim() : environment,
      })
      done(
        'Salesforce accepted the credentials',
        'They are stored encrypted and used when you work outside Salesforce.',
      )
    } else if (kind === 'patch') {
      await api.updateCredentials({ securityToken: token.trim() || undefined, password: password || undefined })
      done('Security token updated', 'Salesforce accepted it; background sync resumes.')
    } else {
      await api.forgetCredentials()
      setConfirmForget(false)
      done('Stored credentials forgotten')
    }
  })

  const usernameError =
    attempted === 'save' && !username.trim() ? 'Enter the username you log in to Salesforce with.' : undefined
  const passwordError = attempted === 'save' && !password ? 'Enter your Salesforce password.' : undefined
  const tokenError =
    attempted === 'patch' && !token.trim() && !password
      ? 'Enter the new security token from the Salesforce email.'
      : undefined
  const domainError = attempted === 'save' && environment === 'mydomain' ? myDomainProblem(myDomainUrl) : undefined
  // Enabled whenever a password credential is stored, working or not (a broken one is exactly when it is needed).
  const hasPasswordCredential = Boolean(stored)
  const hasAnyCredential = link.credentials.length > 0 || link.credential.kind !== null

  const onSave = (e: Event) => {
    e.preventDefault()
    setAttempted('save')
    if (!username.trim() || !password || (environment === 'mydomain' && myDomainProblem(myDomainUrl))) return
    void action.run('save')
  }
  const onPatch = () => {
    setAttempted('patch')
    if (!token.trim() && !password) return
    void action.run('patch')
  }

  return (
    // Not labelled by its heading on purpose: a form named "…security token" would also
    // match a label lookup for the "Security token" field.
    <form class="sfl-stack" noValidate onSubmit={onSave} data-testid="credential-form">
      <h3 id="credential-form-title" class="slds-text-heading_small">
        Salesforce username, password and security token
      </h3>
      {action.error && <ErrorAlert error={action.error} title="Not saved" hideFixLink id="credential-error" />}
      <div class="sfl-form-grid">
        <TextField
          id="sf-username"
          label="Salesforce username"
          autoComplete="off"
          spellcheck={false}
          inputMode="email"
          required
          value={username}
          onValue={setUsername}
          help="The email you log in to Salesforce with (not your SF Link email)."
          error={usernameError}
        />
        <TextField
          id="sf-password"
          label="Salesforce password"
          type="password"
          // new-password keeps the browser from filling in the SF Link password here
          autoComplete="new-password"
          required
          value={password}
          onValue={setPassword}
          error={passwordError}
        />
        <TextField
          id="sf-token"
          label="Security token"
          type="password"
          autoComplete="off"
          spellcheck={false}
          value={token}
          onValue={setToken}
          help="From the email Salesforce sends after Reset My Security Token. Optional inside trusted IP ranges."
          error={tokenError}
        />
        <SelectField
          id="sf-environment"
          label="Environment"
          value={environment}
          onValue={(v) => setEnvironment(v as EnvironmentChoice)}
          options={ENVIRONMENTS}
        />
        {environment === 'mydomain' && (
          <TextField
            id="sf-mydomain"
            label="My Domain URL"
            type="url"
            inputMode="url"
            placeholder="https://yourcompany.my.salesforce.com"
            required
            value={myDomainUrl}
            onValue={setMyDomainUrl}
            error={domainError}
          />
        )}
      </div>
      <div class="sfl-actions">
        <button type="submit" class="slds-button slds-button_brand" disabled={action.busy}>
          Save
        </button>
        <button
          type="button"
          class="slds-button slds-button_neutral"
          onClick={onPatch}
          disabled={action.busy || !hasPasswordCredential}
          aria-describedby="patch-hint"
        >
          Update token only
        </button>
        <button
          type="button"
          class="slds-button slds-button_text-destructive"
          onClick={() => setConfirmForget(true)}
          disabled={action.busy || !hasAnyCredential}
        >
          Forget credentials
        </button>
        {action.busy && <Spinner variant="inline" label="Checking with Salesforce" />}
      </div>
      <p id="patch-hint" class="slds-text-body_small slds-text-color_weak">
        {hasPasswordCredential
          ? 'Update token only keeps the stored username and password and checks the new token (and new password, if you typed one) with Salesforce.'
          : 'Save checks the credentials with a real Salesforce login first; wrong ones are never stored.'}
      </p>
      {confirmForget && (
        <InlineConfirm
          id="forget-confirm"
          question="Forget the stored Salesforce credentials?"
          detail="Outside Salesforce, SF Link can then only copy and delete connections until you connect again."
          confirmLabel="Forget"
          busy={action.busy}
          onCancel={() => setConfirmForget(false)}
          onConfirm={() => void action.run('forget')}
        />
      )}
    </form>
  )
}
