import { useEffect, useState } from 'preact/hooks'
import { useApp } from '../app-context.js'
import { formatCount, formatDateTime } from '../format.js'
import { useAction, useAsync } from '../hooks.js'
import { href } from '../router.js'
import type { UnsubscribeResult } from '../types.js'
import { ErrorAlert, Notice } from '../components/alerts.js'
import { Card } from '../components/card.js'
import { TextareaField } from '../components/form.js'
import { ButtonIcon } from '../components/icon.js'
import { PageHeader } from '../components/page-header.js'
import { Spinner } from '../components/spinner.js'
import { useToast } from '../components/toasts.js'

const POLL_MS = 15_000
const PAGE = 20

export function SyncPage() {
  const { api } = useApp()
  const toast = useToast()
  const status = useAsync((signal) => api.unsubscribeStatus(signal), [])
  const bounces = useAsync((signal) => api.bounceStatus(signal), [])

  // Keep the numbers current while the page is open and visible.
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState !== 'visible') return
      status.reload()
      bounces.reload()
    }, POLL_MS)
    return () => clearInterval(timer)
  }, [status.reload, bounces.reload])

  const sync = useAction(async () => {
    await api.syncNow()
    toast({
      tone: 'success',
      title: 'Sync started',
      detail: 'Pushing opt-outs to Salesforce and pulling its opt-outs back.',
    })
    setTimeout(status.reload, 1500)
  })

  const s = status.data
  return (
    <>
      <PageHeader
        title="Unsubscribe sync"
        icon="sync"
        iconTone="data-integration-hub"
        actions={
          <button
            type="button"
            class="slds-button slds-button_brand"
            onClick={() => void sync.run()}
            disabled={sync.busy}
          >
            <ButtonIcon name="sync" left />
            Sync now
          </button>
        }
      >
        Unsubscribes reported by the mailing side are stored at once, then set Email Opt Out on the matching Contacts
        and Leads in Salesforce. Opt-outs made in Salesforce come back into the suppression list. An opt-out is never
        undone automatically. Hard bounces set Email Bounced Reason and Date on the matching records; they never opt
        anyone out.
      </PageHeader>
      {sync.error && <ErrorAlert error={sync.error} title="Sync did not start" />}
      {status.loading && !s && <Spinner label="Loading sync status" />}
      {status.error && (
        <ErrorAlert error={status.error} title="Could not load the sync status" onRetry={status.reload} />
      )}
      {s && (
        <div class="sfl-stack">
          {s.paused && (
            <Notice tone="warning" title="Sync is paused" testId="sync-paused">
              <p>
                {s.paused.message} (<code>{s.paused.code}</code>)
              </p>
              <p class="slds-m-top_xx-small">
                <a href={href('/settings/link-accounts')}>Fix it on Link Accounts</a>; sync resumes on its own once
                Salesforce accepts the credential.
              </p>
            </Notice>
          )}
          <ul class="sfl-stats" aria-label="Unsubscribe counts" data-testid="sync-counts">
            <Stat label="Pending" value={s.pending} testId="count-pending" />
            <Stat label="Synced" value={s.synced} testId="count-synced" />
            <Stat label="Failed" value={s.failed} testId="count-failed" tone={s.failed > 0 ? 'error' : undefined} />
            <Stat label="No match in Salesforce" value={s.noMatch} testId="count-no-match" />
            <Stat label="Total" value={s.total} testId="count-total" />
          </ul>
          {bounces.data && (
            <>
              <h2 class="slds-text-heading_small">Bounces</h2>
              <ul class="sfl-stats" aria-label="Bounce counts" data-testid="bounce-counts">
                <Stat label="Hard bounces" value={bounces.data.hard} testId="bounce-hard" />
                <Stat label="Soft bounces (counted only)" value={bounces.data.soft} testId="bounce-soft" />
                <Stat label="Written to Salesforce" value={bounces.data.synced} testId="bounce-synced" />
                <Stat label="Pending" value={bounces.data.pending} testId="bounce-pending" />
                <Stat label="No match in Salesforce" value={bounces.data.noMatch} testId="bounce-no-match" />
                <Stat
                  label="Failed"
                  value={bounces.data.failed}
                  testId="bounce-failed"
                  tone={bounces.data.failed > 0 ? 'error' : undefined}
                />
              </ul>
            </>
          )}
          <p>
            <a href={href('/sync/health')}>Sync health</a>: API use and its cap, errors by kind, the last success of
            each job.
          </p>
          <div class="sfl-facts sfl-facts_inline">
            <p>
              <span class="slds-text-title">Last push to Salesforce</span>
              <br />
              <span data-testid="last-push">{formatDateTime(s.lastPushAt, 'Never')}</span>
            </p>
            <p>
              <span class="slds-text-title">Last pull from Salesforce</span>
              <br />
              <span data-testid="last-pull">{formatDateTime(s.lastPullAt, 'Never')}</span>
            </p>
          </div>
          <Card id="failures" title="Recent failures" icon="warning" iconTone="custom-notification">
            {s.recentFailures.length === 0 ? (
              <p class="slds-text-color_weak">None.</p>
            ) : (
              <table class="slds-table slds-table_cell-buffer slds-table_bordered" data-testid="sync-failures">
                <thead>
                  <tr class="slds-line-height_reset">
                    <th scope="col">Email</th>
                    <th scope="col">Reason</th>
                    <th scope="col">When</th>
                  </tr>
                </thead>
                <tbody>
                  {s.recentFailures.map((f) => (
                    <tr key={`${f.email}-${f.at}`}>
                      <th scope="row">{f.email}</th>
                      <td class="slds-cell-wrap">{f.reason}</td>
                      <td class="sfl-nowrap">{formatDateTime(f.at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
        </div>
      )}
      <div class="sfl-halves slds-m-top_medium">
        <AddUnsubscribes onAdded={status.reload} />
        <SuppressionList />
      </div>
    </>
  )
}

function Stat({ label, value, testId, tone }: { label: string; value: number; testId: string; tone?: 'error' }) {
  return (
    <li class="slds-box slds-theme_default sfl-stat">
      <span class="slds-text-title">{label}</span>
      <span class={`sfl-stat__value ${tone === 'error' ? 'slds-text-color_error' : ''}`} data-testid={testId}>
        {formatCount(value)}
      </span>
    </li>
  )
}

/** Splits pasted text into addresses: one per line, or separated by commas, semicolons or spaces. */
export function parseEmails(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ]
}

function AddUnsubscribes({ onAdded }: { onAdded: () => void }) {
  const { api } = useApp()
  const [text, setText] = useState('')
  const [result, setResult] = useState<UnsubscribeResult | null>(null)
  const emails = parseEmails(text)
  const add = useAction(async () => {
    setResult(await api.addUnsubscribes(emails))
    setText('')
    onAdded()
  })
  return (
    <Card id="add-unsubscribes" title="Add unsubscribes by hand" icon="email" iconTone="dataset">
      <form
        class="sfl-stack"
        onSubmit={(e) => {
          e.preventDefault()
          if (emails.length) void add.run()
        }}
      >
        <TextareaField
          id="unsubscribe-emails"
          label="Email addresses"
          value={text}
          onValue={setText}
          rows={5}
          placeholder={'ana@example.com\nbo@example.org'}
          help="One per line, or separated by commas. They join the suppression list at once and are pushed to Salesforce."
        />
        {add.error && <ErrorAlert error={add.error} title="Not added" />}
        {result && (
          <Notice tone="success" testId="unsubscribe-result">
            <p>
              Accepted {formatCount(result.accepted)}, already listed {formatCount(result.duplicates)}, invalid{' '}
              {formatCount(result.invalid)}.
            </p>
          </Notice>
        )}
        <div class="sfl-actions">
          <button type="submit" class="slds-button slds-button_brand" disabled={add.busy || emails.length === 0}>
            Add to suppression list
          </button>
          <span class="slds-text-body_small slds-text-color_weak">
            {emails.length ? `${emails.length} address${emails.length === 1 ? '' : 'es'}` : ''}
          </span>
          {add.busy && <Spinner variant="inline" label="Adding" />}
        </div>
      </form>
    </Card>
  )
}

function SuppressionList() {
  const { api } = useApp()
  const [offset, setOffset] = useState(0)
  const list = useAsync((signal) => api.suppressions(PAGE, offset, signal), [offset])
  const total = list.data?.total ?? 0
  return (
    <Card
      id="suppressions"
      title={list.data ? `Suppression list (${formatCount(total)})` : 'Suppression list'}
      icon="list"
      iconTone="dataset"
      footer={
        total > PAGE && (
          <div class="sfl-actions sfl-actions_center">
            <button
              type="button"
              class="slds-button slds-button_neutral"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE))}
            >
              Previous
            </button>
            <span class="slds-text-body_small">
              {offset + 1}–{Math.min(offset + PAGE, total)} of {formatCount(total)}
            </span>
            <button
              type="button"
              class="slds-button slds-button_neutral"
              disabled={offset + PAGE >= total}
              onClick={() => setOffset(offset + PAGE)}
            >
              Next
            </button>
          </div>
        )
      }
    >
      {list.loading && !list.data && <Spinner label="Loading the suppression list" />}
      {list.error && <ErrorAlert error={list.error} onRetry={list.reload} />}
      {list.data && list.data.items.length === 0 && <p class="slds-text-color_weak">Nobody is suppressed yet.</p>}
      {list.data && list.data.items.length > 0 && (
        <div class="sfl-scroll-x">
          <table
            class="slds-table slds-table_cell-buffer slds-table_bordered slds-table_striped"
            data-testid="suppressions-table"
          >
            <thead>
              <tr class="slds-line-height_reset">
                <th scope="col">Email</th>
                <th scope="col">Source</th>
                <th scope="col">Added</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((s) => (
                <tr key={s.email}>
                  <th scope="row">{s.email}</th>
                  <td>{s.source === 'salesforce' ? 'Salesforce' : 'SF Link'}</td>
                  <td class="sfl-nowrap">{formatDateTime(s.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  )
}
