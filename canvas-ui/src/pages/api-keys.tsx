import { useState } from 'preact/hooks'
import { useApp } from '../app-context.js'
import { formatDateTime } from '../format.js'
import { useAction, useAsync } from '../hooks.js'
import type { ApiKey, NewApiKey } from '../types.js'
import { ErrorAlert, Notice } from '../components/alerts.js'
import { Card } from '../components/card.js'
import { InlineConfirm } from '../components/confirm.js'
import { CopyButton } from '../components/copy-button.js'
import { TextField } from '../components/form.js'
import { PageHeader } from '../components/page-header.js'
import { Spinner } from '../components/spinner.js'
import { useToast } from '../components/toasts.js'

export function ApiKeysPage() {
  const { api } = useApp()
  const keys = useAsync((signal) => api.apiKeys(signal), [])
  const [created, setCreated] = useState<NewApiKey | null>(null)
  return (
    <>
      <PageHeader eyebrow="Settings" title="API keys" icon="key" iconTone="connected-apps">
        Keys let the mailing side pull connection records and report unsubscribes without a browser session. Send one as{' '}
        <code>Authorization: Bearer sfl_…</code>. Only a hash is stored.
      </PageHeader>
      <div class="sfl-stack">
        <CreateKey
          onCreated={(key) => {
            setCreated(key)
            keys.reload()
          }}
        />
        {created && <NewKeyOnce apiKey={created} onDone={() => setCreated(null)} />}
        <Card id="keys" title="Keys" icon="key" iconTone="connected-apps">
          {keys.loading && !keys.data && <Spinner label="Loading keys" />}
          {keys.error && <ErrorAlert error={keys.error} title="Could not load the keys" onRetry={keys.reload} />}
          {keys.data && keys.data.items.length === 0 && <p class="slds-text-color_weak">No keys yet.</p>}
          {keys.data && keys.data.items.length > 0 && (
            <table class="slds-table slds-table_cell-buffer slds-table_bordered" data-testid="api-keys-table">
              <thead>
                <tr class="slds-line-height_reset">
                  <th scope="col">Name</th>
                  <th scope="col">Prefix</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span class="slds-assistive-text">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.items.map((k) => (
                  <KeyRow key={k.id} apiKey={k} onRevoked={keys.reload} />
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
    </>
  )
}

function CreateKey({ onCreated }: { onCreated: (key: NewApiKey) => void }) {
  const { api } = useApp()
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [touched, setTouched] = useState(false)
  const create = useAction(async () => {
    try {
      onCreated(await api.createApiKey(name.trim(), password))
      setName('')
      setTouched(false)
    } finally {
      // Never kept in the page longer than the request that needs it.
      setPassword('')
    }
  })
  return (
    <Card id="create-key" title="Create a key" icon="add" iconTone="connected-apps">
      <form
        class="sfl-inline-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          setTouched(true)
          if (name.trim() && password) void create.run()
        }}
      >
        <TextField
          id="api-key-name"
          label="Name"
          required
          maxLength={100}
          value={name}
          onValue={setName}
          placeholder="Mailing server (production)"
          help="Say where the key will be used, so you know which to revoke later."
          error={touched && !name.trim() ? 'Give the key a name.' : undefined}
        />
        <TextField
          id="api-key-password"
          label="Your SF Link password"
          type="password"
          autoComplete="current-password"
          required
          maxLength={1024}
          value={password}
          onValue={setPassword}
          help="A key works without signing in, so SF Link asks for your password once more."
          error={touched && !password ? 'Enter your SF Link password.' : undefined}
        />
        <div class="sfl-inline-form__submit">
          <button type="submit" class="slds-button slds-button_brand" disabled={create.busy}>
            Create key
          </button>
          {create.busy && <Spinner variant="inline" label="Creating the key" />}
        </div>
      </form>
      {create.error && <ErrorAlert error={create.error} title="No key created" hideFixLink />}
    </Card>
  )
}

function NewKeyOnce({ apiKey, onDone }: { apiKey: NewApiKey; onDone: () => void }) {
  return (
    <Notice tone="warning" title={`Your new key “${apiKey.name}”`} testId="new-api-key-notice">
      <p class="slds-m-bottom_x-small">
        <strong>Copy it now. It will not be shown again</strong>: SF Link keeps only a hash.
      </p>
      <div class="sfl-copy-field">
        <TextField
          id="new-api-key"
          label="New API key"
          value={apiKey.key}
          onValue={() => undefined}
          readOnly
          inputClass="sfl-mono"
          data-testid="new-api-key"
          onFocus={(e: FocusEvent) => (e.currentTarget as HTMLInputElement).select()}
        />
        <CopyButton text={apiKey.key} label="Copy key" />
        <button type="button" class="slds-button slds-button_neutral" onClick={onDone}>
          Done
        </button>
      </div>
    </Notice>
  )
}

function KeyRow({ apiKey: k, onRevoked }: { apiKey: ApiKey; onRevoked: () => void }) {
  const { api } = useApp()
  const toast = useToast()
  const [confirm, setConfirm] = useState(false)
  const revoke = useAction(async () => {
    await api.revokeApiKey(k.id)
    setConfirm(false)
    toast({ tone: 'success', title: `Revoked “${k.name}”` })
    onRevoked()
  })
  const nameId = `key-${k.id}-name`
  return (
    <>
      <tr data-testid="api-key-row">
        <th scope="row" id={nameId}>
          {k.name}
        </th>
        <td class="sfl-mono">{k.prefix}…</td>
        <td class="sfl-nowrap">{formatDateTime(k.createdAt)}</td>
        <td class="sfl-nowrap">{formatDateTime(k.lastUsedAt, 'Never')}</td>
        <td>
          {k.revokedAt ? (
            <span class="slds-badge">Revoked {formatDateTime(k.revokedAt)}</span>
          ) : (
            <button
              type="button"
              class="slds-button slds-button_text-destructive"
              aria-describedby={nameId}
              onClick={() => setConfirm(true)}
            >
              Revoke
            </button>
          )}
        </td>
      </tr>
      {(confirm || revoke.error) && (
        <tr>
          <td colSpan={5} class="sfl-row-detail">
            {revoke.error && <ErrorAlert error={revoke.error} />}
            {confirm && (
              <InlineConfirm
                id={`revoke-${k.id}`}
                question={`Revoke “${k.name}”?`}
                detail="Anything using this key gets 401 from now on. This cannot be undone."
                confirmLabel="Revoke key"
                busy={revoke.busy}
                onCancel={() => setConfirm(false)}
                onConfirm={() => void revoke.run()}
              />
            )}
          </td>
        </tr>
      )}
    </>
  )
}
