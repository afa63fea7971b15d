import { useState } from 'preact/hooks'
import { useApp } from '../app-context.js'
import { fileNameFor } from '../download.js'
import { formatCount } from '../format.js'
import { useAction, useAsync } from '../hooks.js'
import { navigate } from '../router.js'
import { connectionProblem, ErrorAlert } from '../components/alerts.js'
import type { ApiError } from '../api.js'
import { CsvHeadersChoice, type CsvHeaders } from '../components/csv-headers.js'
import { Card } from '../components/card.js'
import { ButtonIcon } from '../components/icon.js'
import { PageHeader } from '../components/page-header.js'
import { RecordsTable } from '../components/records-table.js'
import { Spinner } from '../components/spinner.js'

/** "Connect": runs the connection against Salesforce, shows the count and ten records, offers the export. */
export function ConnectionPreviewPage({ connectionId }: { connectionId: string }) {
  const { api } = useApp()
  const connection = useAsync((signal) => api.connection(connectionId, signal), [connectionId])
  const test = useAsync((signal) => api.testConnection(connectionId, signal), [connectionId])
  const [exporting, setExporting] = useState(false)
  const [headers, setHeaders] = useState<CsvHeaders>('api')
  const exportAction = useAction(async (format: 'csv' | 'ndjson') => {
    setExporting(true)
    try {
      await api.downloadRecords(
        connectionId,
        format,
        fileNameFor(connection.data?.name ?? 'connection', format),
        headers,
      )
    } finally {
      setExporting(false)
    }
  })

  const name = connection.data?.name ?? ''
  const actions = (
    <>
      <button
        type="button"
        class="slds-button slds-button_neutral"
        onClick={() => navigate(`/connections/${encodeURIComponent(connectionId)}`)}
      >
        <ButtonIcon name="edit" left />
        Edit
      </button>
      <button type="button" class="slds-button slds-button_neutral" onClick={test.reload} disabled={test.loading}>
        <ButtonIcon name="refresh" left />
        Run again
      </button>
      <button
        type="button"
        class="slds-button slds-button_neutral"
        disabled={exporting || !connection.data}
        onClick={() => void exportAction.run('csv')}
      >
        <ButtonIcon name="download" left />
        Export CSV
      </button>
      <button
        type="button"
        class="slds-button slds-button_neutral"
        disabled={exporting || !connection.data}
        title="Newline-delimited JSON (NDJSON), keyed by API names"
        onClick={() => void exportAction.run('ndjson')}
      >
        <ButtonIcon name="download" left />
        JSON lines (for developers)
      </button>
    </>
  )

  return (
    <>
      <PageHeader
        eyebrow="Connections · Connect"
        title={name || 'Connection'}
        icon="database"
        iconTone="dataset"
        actions={actions}
      >
        The connection, run live against Salesforce now.
      </PageHeader>
      {connection.error && (
        <ErrorAlert error={connection.error} title="Could not open this connection" onRetry={connection.reload} />
      )}
      <CsvHeadersChoice id="preview-csv-headers" value={headers} onValue={setHeaders} />
      {exporting && <Spinner variant="inline" label="Exporting records" />}
      {exportAction.error && <ErrorAlert error={exportAction.error} title="Export failed" />}
      <Card id="preview" title="Result" icon="preview" iconTone="dataset" testId="connection-preview">
        {test.loading && <Spinner label="Asking Salesforce" />}
        {test.error && !test.loading && (
          <ErrorAlert
            error={test.error}
            title={connectFailureTitle(test.error)}
            onRetry={test.reload}
            editHref={`#/connections/${encodeURIComponent(connectionId)}`}
          />
        )}
        {test.data && !test.loading && (
          <div class="sfl-stack">
            <p>
              <span class="sfl-count" data-testid="preview-count">
                {formatCount(test.data.count)}
              </span>{' '}
              matching {test.data.count === 1 ? 'record' : 'records'}
              {test.data.records.length > 0 && test.data.count > test.data.records.length
                ? `; the first ${test.data.records.length} are shown below.`
                : '.'}
            </p>
            <RecordsTable
              records={test.data.records}
              fields={connection.data?.fields ?? []}
              labels={test.data.columns}
            />
            {test.data.soql && (
              <details>
                <summary class="slds-text-body_small">Query sent to Salesforce</summary>
                <code class="sfl-soql">{test.data.soql}</code>
              </details>
            )}
          </div>
        )}
      </Card>
    </>
  )
}

/** What went wrong, in a person's words: the query, the access, or a field gone from Salesforce. */
function connectFailureTitle(error: ApiError): string {
  const problem = connectionProblem(error)
  if (problem === 'field_removed') return 'A field of this connection was removed in Salesforce'
  if (problem === 'not_filterable') return 'Salesforce no longer allows filtering on a field of this connection'
  if (problem === 'query_refused') return 'Salesforce refused the query'
  if (error.code.startsWith('SF_') && error.status > 0 && error.status < 500 && error.code !== 'SF_RATE_LIMITED')
    return 'Salesforce refused access'
  return 'Salesforce did not answer the query'
}
