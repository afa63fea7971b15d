import { useState } from 'preact/hooks'
import { useApp } from '../app-context.js'
import { fileNameFor } from '../download.js'
import { formatDateTime } from '../format.js'
import { useAction, useAsync } from '../hooks.js'
import { href, navigate } from '../router.js'
import type { Access, Connection } from '../types.js'
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
            <ConnectionsTable items={list.data.items} access={list.data.access} onChanged={list.reload} />
          )}
        </>
      )}
    </>
  )
}

function ConnectionsTable({
  items,
  access,
  onChanged,
}: {
  items: Connection[]
  access: Access
  onChanged: () => void
}) {
  return (
    <div class="slds-card sfl-table-card">
      <table
        class="slds-table slds-table_cell-buffer slds-table_bordered"
        aria-label="Connections"
        data-testid="connections-table"
      >
        <thead>
          <tr class="slds-line-height_reset">
            <th scope="col">Name</th>
            <th scope="col">Object</th>
            <th scope="col">Fields</th>
            <th scope="col">Updated</th>
            <th scope="col">
              <span class="slds-assistive-text">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((c) => (
            <ConnectionRow key={c.id} connection={c} access={access} onChanged={onChanged} />
          ))}
        </tbody>
      </table>
    </div>
  )
}

function ConnectionRow({
  connection: c,
  access,
  onChanged,
}: {
  connection: Connection
  access: Access
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
        await api.downloadRecords(c.id, kind, fileNameFor(c.name, kind))
      } finally {
        setExporting(null)
      }
    }
  })

  const fieldList = c.fields.join(', ')
  return (
    <>
      <tr class="slds-hint-parent" data-testid="connection-row" data-connection-id={c.id}>
        <th scope="row" id={nameId}>
          {can ? (
            <a href={href(`/connections/${encodeURIComponent(c.id)}`)} class="sfl-row-title">
              {c.name}
            </a>
          ) : (
            <span class="sfl-row-title">{c.name}</span>
          )}
        </th>
        <td>{SOBJECT_LABEL[c.sobject] ?? c.sobject}</td>
        <td class="sfl-fields-cell">
          <span class="slds-line-clamp_x-small" title={fieldList}>
            {fieldList || '—'}
          </span>
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
              Export NDJSON
            </button>
            {(exporting || action.busy) && (
              <Spinner variant="inline" label={exporting ? 'Exporting records' : 'Working'} />
            )}
          </div>
        </td>
      </tr>
      {(confirmDelete || action.error) && (
        <tr>
          <td colSpan={5} class="sfl-row-detail">
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
