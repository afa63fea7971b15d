import { useState } from 'preact/hooks'
import { useApp } from '../app-context.js'
import { fileNameFor } from '../download.js'
import { formatDateTime } from '../format.js'
import { useAction, useAsync } from '../hooks.js'
import { href, navigate } from '../router.js'
import type { Access, Connection, ConnectionHealth, Describe, Readiness } from '../types.js'
import { CsvHeadersChoice, type CsvHeaders } from '../components/csv-headers.js'
import { ACCESS_REASON_ID, AccessNotice } from '../components/access-notice.js'
import { ErrorAlert } from '../components/alerts.js'
import { InlineConfirm } from '../components/confirm.js'
import { ButtonIcon } from '../components/icon.js'
import { PageHeader } from '../components/page-header.js'
import { Spinner } from '../components/spinner.js'
import { useToast } from '../components/toasts.js'

export const SOBJECT_LABEL: Record<string, string> = {
  Contact: 'Contact',
  Lead: 'Lead',
  CampaignMember: 'Campaign Member',
}

export function ConnectionsPage() {
  const { api } = useApp()
  const list = useAsync((signal) => api.connections(signal), [])
  const newButton = (
    <button type="button" class="slds-button slds-button_brand" onClick={() => navigate('/connections/new')}>
      <ButtonIcon name="add" left />
      New connection
    </button>
  )
  return (
    <>
      <PageHeader title="Connections" icon="database" iconTone="dataset" actions={newButton}>
        Saved, live queries of your Salesforce org: who receives a mailing is fetched from Salesforce at send time.
      </PageHeader>
      {list.loading && !list.data && <Spinner label="Loading connections" />}
      {list.error && <ErrorAlert error={list.error} title="Could not load connections" onRetry={list.reload} />}
      {list.data && (
        <>
          <AccessNotice access={list.data.access} />
          {list.data.items.length === 0 ? (
            <div
              class="slds-box slds-theme_default slds-text-align_center slds-p-around_large"
              data-testid="connections-empty"
            >
              <h2 class="slds-text-heading_small">No connections yet</h2>
              <p class="slds-m-vertical_small slds-text-color_weak">
                A connection picks Contacts, Leads or Campaign Members, the fields to fetch and the filters to apply.
              </p>
              {newButton}
            </div>
          ) : (
            <ConnectionsTable
              items={list.data.items}
              access={list.data.access}
              health={list.data.health ?? {}}
              onChanged={list.reload}
            />
          )}
        </>
      )}
    </>
  )
}

function ConnectionsTable({
  items,
  access,
  health,
  onChanged,
}: {
  items: Connection[]
  access: Access
  health: Record<string, ConnectionHealth>
  onChanged: () => void
}) {
  const { api } = useApp()
  const [headers, setHeaders] = useState<CsvHeaders>('api')
  // Salesforce's labels for the fields column (the describes are cached by the server).
  const sobjects = [...new Set(items.map((c) => c.sobject))].sort()
  const describes = useAsync(
    async (signal) => {
      if (!access.canConnect) return {} as Record<string, Describe>
      const entries = await Promise.all(
        sobjects.map(async (s) => [s, await api.describe(s, signal).catch(() => null)] as const),
      )
      return Object.fromEntries(entries.filter(([, d]) => d !== null)) as Record<string, Describe>
    },
    [sobjects.join(','), access.canConnect],
  )
  return (
    <>
      <CsvHeadersChoice id="list-csv-headers" value={headers} onValue={setHeaders} />
      <div class="slds-card sfl-table-card">
        <table
          class="slds-table slds-table_cell-buffer slds-table_bordered sfl-connections-table"
          aria-label="Connections"
          data-testid="connections-table"
        >
          <thead>
            <tr class="slds-line-height_reset">
              <th scope="col" class="sfl-col-name">
                Name
              </th>
              <th scope="col" class="sfl-col-object">
                Object
              </th>
              <th scope="col" class="sfl-col-fields">
                Fields
              </th>
              <th scope="col" class="sfl-col-status">
                Status
              </th>
              <th scope="col" class="sfl-col-updated">
                Updated
              </th>
              <th scope="col" class="sfl-col-actions">
                <span class="slds-assistive-text">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <ConnectionRow
                key={c.id}
                connection={c}
                access={access}
                health={health[c.id]}
                describe={describes.data?.[c.sobject]}
                headers={headers}
                onChanged={onChanged}
              />
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}

/** Seconds a connection's record count may be reused by the list (POST …/readiness maxAgeSeconds). */
const LIST_COUNT_MAX_AGE = 300

/**
 * Whether the connection can be sent to now: the server's readiness check (access, then a
 * COUNT() of the saved query), or what is known without Salesforce.
 */
function StatusCell({
  connection,
  access,
  health,
}: {
  connection: Connection
  access: Access
  health: ConnectionHealth | undefined
}) {
  const { api } = useApp()
  const readiness = useAsync(
    (signal): Promise<Readiness | null> =>
      // A count from the last five minutes will do for the list: each new one is an API call.
      access.canConnect
        ? api.readiness(connection.id, { maxAgeSeconds: LIST_COUNT_MAX_AGE }, signal)
        : Promise.resolve(null),
    [connection.id, connection.updatedAt, access.canConnect],
  )
  const r = readiness.data
  let tone: 'ok' | 'broken' | 'unknown' = 'unknown'
  let text = 'Not checked'
  let detail: string | null = null
  let action: { label: string; href: string | null } | null = null
  if (r?.ready) {
    tone = 'ok'
    text = `Ready · ${r.count.toLocaleString('en-US')} ${r.count === 1 ? 'record' : 'records'}`
  } else if (r && !r.ready) {
    tone = 'broken'
    text = r.code.startsWith('CONNECTION_') && r.code !== 'CONNECTION_EMPTY' ? 'Broken' : 'Not ready'
    detail = r.message
    action = r.action
  } else if (health?.state === 'broken') {
    tone = 'broken'
    text = 'Broken'
    detail = health.message
    action = { label: 'Edit the connection', href: `#/connections/${connection.id}` }
  } else if (!access.canConnect) {
    text = 'Needs Salesforce access'
  } else if (readiness.loading) {
    text = 'Checking…'
  }
  return (
    <div
      class="sfl-status"
      data-testid="connection-status"
      data-state={tone}
      data-code={r && !r.ready ? r.code : !r && health?.state === 'broken' ? (health.code ?? '') : ''}
    >
      <span class={`slds-badge sfl-status__badge sfl-status_${tone}`}>{text}</span>
      {detail && (
        <span class="slds-text-body_small sfl-status__detail slds-line-clamp_x-small" title={detail}>
          {detail}
        </span>
      )}
      {action?.href && (
        <a href={action.href} class="slds-text-body_small">
          {action.label}
        </a>
      )}
    </div>
  )
}

function ConnectionRow({
  connection: c,
  access,
  health,
  describe,
  headers,
  onChanged,
}: {
  connection: Connection
  access: Access
  health: ConnectionHealth | undefined
  describe: Describe | undefined
  headers: CsvHeaders
  onChanged: () => void
}) {
  const { api } = useApp()
  const toast = useToast()
  const [confirmDelete, setConfirmDelete] = useState(false)
  const [exporting, setExporting] = useState<'csv' | 'ndjson' | null>(null)
  const nameId = `connection-${c.id}-name`
  const can = access.canConnect
  // Disabled buttons say why: the access notice above the table.
  const describedBy = can ? nameId : `${nameId} ${ACCESS_REASON_ID}`
  const reason = can ? undefined : (access.message ?? 'Needs a working Salesforce credential')

  const action = useAction(async (kind: 'copy' | 'delete' | 'csv' | 'ndjson') => {
    if (kind === 'copy') {
      const copy = await api.copyConnection(c.id)
      toast({ tone: 'success', title: `Copied as “${copy.name}”` })
      onChanged()
    } else if (kind === 'delete') {
      await api.deleteConnection(c.id)
      toast({ tone: 'success', title: `Deleted “${c.name}”` })
      onChanged()
    } else {
      setExporting(kind)
      try {
        await api.downloadRecords(c.id, kind, fileNameFor(c.name, kind), headers)
      } finally {
        setExporting(null)
      }
    }
  })

  const labelOf = (name: string) => describe?.fields.find((f) => f.name === name)?.label ?? name
  const fieldList = c.fields.map(labelOf).join(', ')
  return (
    <>
      <tr class="slds-hint-parent" data-testid="connection-row" data-connection-id={c.id}>
        <th scope="row" id={nameId} class="sfl-col-name">
          {can ? (
            <a href={href(`/connections/${encodeURIComponent(c.id)}`)} class="sfl-row-title sfl-name" title={c.name}>
              {c.name}
            </a>
          ) : (
            <span class="sfl-row-title sfl-name" title={c.name}>
              {c.name}
            </span>
          )}
        </th>
        <td>{SOBJECT_LABEL[c.sobject] ?? c.sobject}</td>
        <td class="sfl-fields-cell">
          <span class="slds-line-clamp_x-small" title={c.fields.join(', ')}>
            {fieldList || '—'}
          </span>
        </td>
        <td class="sfl-col-status">
          <StatusCell connection={c} access={access} health={health} />
        </td>
        <td class="sfl-nowrap">{formatDateTime(c.updatedAt)}</td>
        <td>
          <div class="sfl-row-actions">
            <button
              type="button"
              class="slds-button slds-button_neutral sfl-button_small"
              disabled={!can}
              title={reason}
              aria-describedby={describedBy}
              onClick={() => navigate(`/connections/${encodeURIComponent(c.id)}`)}
            >
              Edit
            </button>
            <button
              type="button"
              class="slds-button slds-button_neutral sfl-button_small"
              disabled={!can}
              title={reason}
              aria-describedby={describedBy}
              onClick={() => navigate(`/connections/${encodeURIComponent(c.id)}/preview`)}
            >
              Connect
            </button>
            <button
              type="button"
              class="slds-button slds-button_neutral sfl-button_small"
              disabled={action.busy}
              aria-describedby={nameId}
              onClick={() => void action.run('copy')}
            >
              Copy
            </button>
            <button
              type="button"
              class="slds-button slds-button_neutral sfl-button_small sfl-text-destructive"
              disabled={action.busy}
              aria-describedby={nameId}
              onClick={() => setConfirmDelete(true)}
            >
              Delete
            </button>
            <button
              type="button"
              class="slds-button slds-button_neutral sfl-button_small"
              disabled={!can || exporting !== null}
              title={reason}
              aria-describedby={describedBy}
              onClick={() => void action.run('csv')}
            >
              Export CSV
            </button>
            <button
              type="button"
              class="slds-button slds-button_neutral sfl-button_small"
              disabled={!can || exporting !== null}
              title={reason}
              aria-describedby={describedBy}
              onClick={() => void action.run('ndjson')}
            >
              JSON lines (for developers)
            </button>
            {(exporting || action.busy) && (
              <Spinner variant="inline" label={exporting ? 'Exporting records' : 'Working'} />
            )}
          </div>
        </td>
      </tr>
      {(confirmDelete || action.error) && (
        <tr>
          <td colSpan={6} class="sfl-row-detail">
            {action.error && <ErrorAlert error={action.error} />}
            {confirmDelete && (
              <InlineConfirm
                id={`delete-${c.id}`}
                question={`Delete “${c.name}”?`}
                detail="The saved query is removed from SF Link. Nothing changes in Salesforce."
                confirmLabel="Delete connection"
                busy={action.busy}
                onCancel={() => setConfirmDelete(false)}
                onConfirm={() => void action.run('delete').then(() => setConfirmDelete(false))}
              />
            )}
          </td>
        </tr>
      )}
    </>
  )
}
