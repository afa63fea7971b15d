import { useEffect, useState } from 'preact/hooks'
import { useApp } from '../app-context.js'
import { formatCount, formatDateTime } from '../format.js'
import { useAction, useAsync } from '../hooks.js'
import type { SyncHealth } from '../types.js'
import { ErrorAlert, Notice } from '../components/alerts.js'
import { Card } from '../components/card.js'
import { TextField } from '../components/form.js'
import { ButtonIcon } from '../components/icon.js'
import { PageHeader } from '../components/page-header.js'
import { Spinner } from '../components/spinner.js'
import { useToast } from '../components/toasts.js'

const POLL_MS = 15_000

const JOB_LABELS: Record<SyncHealth['jobs'][number]['job'], string> = {
  'unsubscribe-push': 'Unsubscribes pushed to Salesforce',
  'unsubscribe-pull': 'Opt-outs pulled from Salesforce',
  'bounce-push': 'Bounces written to Salesforce',
}

/** Sync health: API use and its cap, errors by kind (CSV, retry), the last success of each job. */
export function SyncHealthPage() {
  const { api } = useApp()
  const health = useAsync((signal) => api.syncHealth(signal), [])

  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') health.reload()
    }, POLL_MS)
    return () => clearInterval(timer)
  }, [health.reload])

  const h = health.data
  return (
    <>
      <PageHeader title="Sync health" icon="clock" iconTone="data-integration-hub">
        What SF Link's background sync costs your Salesforce org in API calls, what went wrong, and when each job last
        succeeded. Your org's daily API allowance is shared by every integration: cap SF Link's share so it can never
        use it up.
      </PageHeader>
      {health.loading && !h && <Spinner label="Loading sync health" />}
      {health.error && <ErrorAlert error={health.error} title="Could not load sync health" onRetry={health.reload} />}
      {h && (
        <div class="sfl-stack">
          <CapBanner health={h} />
          <ApiUseCard health={h} onChange={health.reload} />
          <ErrorsCard health={h} onChange={health.reload} />
          <Card id="jobs" title="Last success of each job" icon="clock" iconTone="dataset">
            <table class="slds-table slds-table_cell-buffer slds-table_bordered" data-testid="health-jobs">
              <tbody>
                {h.jobs.map((j) => (
                  <tr key={j.job}>
                    <th scope="row">{JOB_LABELS[j.job]}</th>
                    <td data-testid={`job-${j.job}`}>{formatDateTime(j.lastSuccessAt, 'Never')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        </div>
      )}
    </>
  )
}

/** Background work is waiting for the next window (other pages show ../components/api-cap-banner.tsx). */
function CapBanner({ health }: { health: SyncHealth }) {
  if (!health.api.capped) return null
  return (
    <Notice tone="warning" title="Background sync is paused at your API cap" testId="api-cap-banner">
      <p>
        SF Link made {formatCount(health.api.callsLast24h)} Salesforce API calls in the last 24 hours, the share you
        allowed it ({health.api.cap?.percent} % of the org's daily limit). Unsubscribes and bounces wait, nothing is
        lost; sync goes on by itself {health.api.resumesAt ? `after ${formatDateTime(health.api.resumesAt)}` : 'soon'}.
      </p>
    </Notice>
  )
}

function ApiUseCard({ health, onChange }: { health: SyncHealth; onChange: () => void }) {
  const { api } = useApp()
  const toast = useToast()
  const { callsLast24h, org, cap } = health.api
  const [percent, setPercent] = useState(cap ? String(cap.percent) : '')
  useEffect(() => setPercent(cap ? String(cap.percent) : ''), [cap?.percent])
  const save = useAction(async (value: number | null) => {
    await api.setApiCap(value)
    toast({
      tone: 'success',
      title: value === null ? 'Cap removed' : 'Cap saved',
      detail: value === null ? undefined : `Background sync stops at ${value} % of the org's daily API limit.`,
    })
    onChange()
  })
  const parsed = Number(percent.replace(',', '.'))
  const valid = percent.trim() !== '' && Number.isFinite(parsed) && parsed > 0 && parsed <= 100
  return (
    <Card id="api-use" title="Salesforce API use" icon="database" iconTone="dataset">
      <ul class="sfl-stats" aria-label="API use" data-testid="api-use">
        <li class="slds-box slds-theme_default sfl-stat">
          <span class="slds-text-title">Calls by SF Link, last 24 h</span>
          <span class="sfl-stat__value" data-testid="api-calls-24h">
            {formatCount(callsLast24h)}
          </span>
        </li>
        <li class="slds-box slds-theme_default sfl-stat">
          <span class="slds-text-title">Org's usage today</span>
          <span class="sfl-stat__value" data-testid="api-org-usage">
            {org ? `${formatCount(org.used)} / ${formatCount(org.limit)}` : '—'}
          </span>
        </li>
        <li class="slds-box slds-theme_default sfl-stat">
          <span class="slds-text-title">SF Link's cap</span>
          <span class="sfl-stat__value" data-testid="api-cap">
            {cap ? `${cap.percent} %${cap.calls === null ? '' : ` = ${formatCount(cap.calls)} calls`}` : 'None'}
          </span>
        </li>
      </ul>
      <p class="slds-text-body_small slds-text-color_weak slds-m-top_x-small">
        {org
          ? `As Salesforce reported it at ${formatDateTime(org.observedAt)}.`
          : 'Salesforce reports the org’s usage with the next call SF Link makes.'}
      </p>
      <form
        class="sfl-actions slds-m-top_small"
        onSubmit={(e) => {
          e.preventDefault()
          if (valid) void save.run(Math.round(parsed * 10_000) / 10_000)
        }}
      >
        <TextField
          id="api-cap-percent"
          label="Cap, in % of the org's daily API limit"
          value={percent}
          onValue={setPercent}
          inputMode="decimal"
          help="Background sync (unsubscribes, bounces, opt-out pulls) pauses at the cap and goes on in the next window."
        />
        <button type="submit" class="slds-button slds-button_brand" disabled={!valid || save.busy}>
          Save cap
        </button>
        {cap && (
          <button
            type="button"
            class="slds-button slds-button_neutral"
            disabled={save.busy}
            onClick={() => void save.run(null)}
          >
            Remove cap
          </button>
        )}
      </form>
      {save.error && <ErrorAlert error={save.error} title="Cap not saved" />}
    </Card>
  )
}

function ErrorsCard({ health, onChange }: { health: SyncHealth; onChange: () => void }) {
  const { api } = useApp()
  const toast = useToast()
  const retry = useAction(async (kind: string | null) => {
    const { addresses } = await api.retrySyncErrors(kind)
    toast({
      tone: 'success',
      title: 'Retrying',
      detail: `${formatCount(addresses)} addresses will be tried again now.`,
    })
    setTimeout(onChange, 1500)
  })
  const download = useAction(() => api.downloadSyncErrors())
  return (
    <Card
      id="sync-errors"
      title="Errors"
      icon="warning"
      iconTone="custom-notification"
      actions={
        health.errors.length > 0 && (
          <div class="sfl-actions">
            <button
              type="button"
              class="slds-button slds-button_neutral"
              onClick={() => void download.run()}
              disabled={download.busy}
            >
              <ButtonIcon name="download" left />
              Export CSV
            </button>
            <button
              type="button"
              class="slds-button slds-button_neutral"
              onClick={() => void retry.run(null)}
              disabled={retry.busy}
            >
              <ButtonIcon name="refresh" left />
              Retry all
            </button>
          </div>
        )
      }
    >
      {retry.error && <ErrorAlert error={retry.error} title="Not retried" />}
      {download.error && <ErrorAlert error={download.error} title="Not exported" />}
      {health.errors.length === 0 ? (
        <p class="slds-text-color_weak" data-testid="no-sync-errors">
          No errors.
        </p>
      ) : (
        <div class="sfl-scroll-x">
          <table class="slds-table slds-table_cell-buffer slds-table_bordered" data-testid="sync-errors">
            <thead>
              <tr class="slds-line-height_reset">
                <th scope="col">Kind</th>
                <th scope="col">Sync</th>
                <th scope="col">Addresses</th>
                <th scope="col">Example</th>
                <th scope="col">
                  <span class="slds-assistive-text">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {health.errors.map((e) => (
                <tr key={`${e.kind}-${e.job}`} data-testid="sync-error-row">
                  <th scope="row">
                    <code>{e.kind}</code>
                  </th>
                  <td>{e.job === 'bounce' ? 'Bounces' : 'Unsubscribes'}</td>
                  <td class="slds-cell-wrap">
                    <strong>{formatCount(e.count)}</strong>
                    {e.failed > 0 && ` (${formatCount(e.failed)} given up)`}: {e.emails.join(', ')}
                    {e.count > e.emails.length && ', …'}
                  </td>
                  <td class="slds-cell-wrap">{e.example}</td>
                  <td>
                    <button
                      type="button"
                      class="slds-button slds-button_neutral"
                      onClick={() => void retry.run(e.kind)}
                      disabled={retry.busy}
                    >
                      Retry
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  )
}
