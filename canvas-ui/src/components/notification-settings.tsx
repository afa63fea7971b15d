import { useEffect, useState } from 'preact/hooks'
import { isAbortError, toApiError, type ApiError } from '../api.js'
import { useApp } from '../app-context.js'
import { formatDateTime } from '../format.js'
import type { NotificationKind, NotificationPreview, NotificationSettings } from '../types.js'
import { ErrorAlert, Notice } from './alerts.js'
import { Card } from './card.js'
import { CheckboxField, SelectField } from './form.js'
import { Spinner } from './spinner.js'
import { useToast } from './toasts.js'

const KINDS: { value: NotificationKind; label: string }[] = [
  { value: 'access_broken', label: 'Access needs attention' },
  { value: 'access_reminder', label: 'Reminder (24 h and 72 h later)' },
  { value: 'access_restored', label: 'Access works again' },
  { value: 'api_cap_reached', label: 'API cap reached' },
]

const KIND_LABEL: Record<string, string> = Object.fromEntries(KINDS.map((k) => [k.value, k.label]))

const STATUS_LABEL: Record<string, string> = {
  pending: 'Waiting to be sent',
  sent: 'Sent',
  skipped: 'Not sent',
  failed: 'Could not be sent',
}

/** Settings → Link Accounts: the emails SF Link sends when Salesforce access breaks. */
export function NotificationSettingsCard() {
  const { api } = useApp()
  const toast = useToast()
  const [settings, setSettings] = useState<NotificationSettings | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [saving, setSaving] = useState(false)
  const [kind, setKind] = useState<NotificationKind>('access_broken')
  const [preview, setPreview] = useState<NotificationPreview | null>(null)
  const [version, setVersion] = useState(0)

  useEffect(() => {
    const controller = new AbortController()
    api.notificationSettings(controller.signal).then(setSettings, (e: unknown) => {
      if (!isAbortError(e)) setError(toApiError(e))
    })
    return () => controller.abort()
  }, [api, version])

  const toggle = async (on: boolean) => {
    setSaving(true)
    try {
      setSettings(await api.setAccessEmails(on))
      toast({ tone: 'success', title: on ? 'Access emails turned on' : 'Access emails turned off' })
    } catch (e) {
      toast({ tone: 'error', title: 'Could not change the email setting', detail: toApiError(e).message })
    } finally {
      setSaving(false)
    }
  }

  const showPreview = async () => {
    try {
      setPreview(await api.previewNotification(kind))
    } catch (e) {
      toast({ tone: 'error', title: 'Could not preview the email', detail: toApiError(e).message })
    }
  }

  return (
    <Card id="notifications" title="Email notifications" icon="email" iconTone="default" testId="notification-settings">
      {error && (
        <ErrorAlert
          error={error}
          title="Could not load the email settings"
          onRetry={() => {
            setError(null)
            setVersion((v) => v + 1)
          }}
          hideFixLink
        />
      )}
      {!settings && !error && <Spinner label="Loading email settings" />}
      {settings && (
        <>
          <CheckboxField
            id="access-emails"
            label={`Email me at ${settings.email} when SF Link loses access to Salesforce`}
            checked={settings.accessEmails}
            disabled={saving}
            onChecked={(on) => void toggle(on)}
            help="One email when access breaks, reminders after 24 and 72 hours while it stays broken, and one when it works again. Never a password or token."
          />
          {!settings.serverSends && (
            <Notice tone="info" title="This SF Link server sends no email" testId="server-sends-no-email">
              <p>Its administrator turned notification emails off, or configured no SMTP server.</p>
            </Notice>
          )}
          <div class="sfl-notification-preview slds-m-top_medium">
            <SelectField
              id="preview-kind"
              label="Preview an email"
              value={kind}
              options={KINDS}
              onValue={(v) => {
                setKind(v as NotificationKind)
                setPreview(null)
              }}
            />
            <button type="button" class="slds-button slds-button_neutral slds-m-top_x-small" onClick={showPreview}>
              Preview
            </button>
          </div>
          {preview && (
            <div class="slds-box slds-m-top_small" data-testid="notification-preview">
              <p class="slds-text-title_bold">{preview.subject}</p>
              <pre class="sfl-mail-preview">{preview.text}</pre>
              <details class="slds-m-top_small">
                <summary>HTML version</summary>
                <iframe
                  class="sfl-mail-preview-frame"
                  title={`HTML version of ${preview.subject}`}
                  sandbox=""
                  srcdoc={preview.html}
                />
              </details>
            </div>
          )}
          {settings.recent.length > 0 && (
            <table class="slds-table slds-table_cell-buffer slds-table_bordered slds-m-top_medium">
              <caption class="slds-text-title_caps slds-p-vertical_x-small">Latest emails</caption>
              <thead>
                <tr class="slds-line-height_reset">
                  <th scope="col">Email</th>
                  <th scope="col">Status</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                {settings.recent.map((r, i) => (
                  <tr key={`${r.createdAt}-${i}`} data-testid="recent-notification">
                    <td>{KIND_LABEL[r.kind] ?? r.kind}</td>
                    <td>
                      {STATUS_LABEL[r.status] ?? r.status}
                      {r.note && <span class="slds-text-color_weak">: {r.note}</span>}
                    </td>
                    <td>{formatDateTime(r.sentAt ?? r.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </Card>
  )
}
