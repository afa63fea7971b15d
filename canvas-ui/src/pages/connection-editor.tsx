import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { useApp } from '../app-context.js'
import { useAction, useAsync } from '../hooks.js'
import { href, navigate, setNavigationGuard } from '../router.js'
import { type ConnectionInput, type SObjectName, SOBJECTS } from '../types.js'
import { AccessNotice } from '../components/access-notice.js'
import { ErrorAlert } from '../components/alerts.js'
import { Card } from '../components/card.js'
import { FieldPicker } from '../components/field-picker.js'
import {
  type FilterRow,
  FilterBuilder,
  filtersFromRows,
  firstIncompleteRow,
  rowsFromFilters,
} from '../components/filter-builder.js'
import { CheckboxField, SelectField, TextField } from '../components/form.js'
import { LiveCount } from '../components/live-count.js'
import { PageHeader } from '../components/page-header.js'
import { Spinner } from '../components/spinner.js'
import { useToast } from '../components/toasts.js'
import { SOBJECT_LABEL } from './connections.js'

// Picked for a new connection when the object has them: what a mailing nearly always needs.
const DEFAULT_FIELDS = ['Email', 'FirstName', 'LastName']

export function ConnectionEditorPage({ connectionId }: { connectionId: string | null }) {
  const { api } = useApp()
  const existing = useAsync(
    (signal) => (connectionId ? api.connection(connectionId, signal) : Promise.resolve(null)),
    [connectionId],
  )
  if (existing.loading) return <Spinner label="Loading the connection" />
  if (existing.error) {
    return (
      <>
        <EditorHeader title="Edit connection" />
        <ErrorAlert error={existing.error} title="Could not open this connection" onRetry={existing.reload} />
      </>
    )
  }
  return <ConnectionForm connectionId={connectionId} initial={existing.data ?? null} key={connectionId ?? 'new'} />
}

function EditorHeader({ title }: { title: string }) {
  return (
    <PageHeader eyebrow="Connections" title={title} icon="database" iconTone="dataset">
      Choose the object, the fields to fetch and who to include. The count updates as you go.
    </PageHeader>
  )
}

function ConnectionForm({ connectionId, initial }: { connectionId: string | null; initial: ConnectionInput | null }) {
  const { api, link } = useApp()
  const toast = useToast()
  const [name, setName] = useState(initial?.name ?? '')
  const [sobject, setSobject] = useState<SObjectName>(initial?.sobject ?? 'Contact')
  const [fields, setFields] = useState<string[]>(initial?.fields ?? [])
  const [rows, setRows] = useState<FilterRow[]>(() => rowsFromFilters(initial?.filters ?? []))
  const [logic, setLogic] = useState<'AND' | 'OR'>(initial?.logic ?? 'AND')
  const [excludeOptedOut, setExcludeOptedOut] = useState(initial?.excludeOptedOut ?? true)
  const [requireEmail, setRequireEmail] = useState(initial?.requireEmail ?? false)
  const [excludeSuppressed, setExcludeSuppressed] = useState(initial?.excludeSuppressed ?? false)
  const [autoPick, setAutoPick] = useState(!initial)
  const [attempted, setAttempted] = useState(false)

  const describe = useAsync((signal) => api.describe(sobject, signal), [sobject])

  useEffect(() => {
    if (!autoPick || !describe.data) return
    const available = new Set(describe.data.fields.map((f) => f.name))
    setFields(DEFAULT_FIELDS.filter((f) => available.has(f)))
    setAutoPick(false)
  }, [autoPick, describe.data])

  const described = describe.data?.fields
  const incompleteRow = firstIncompleteRow(rows, described)
  const draft: ConnectionInput = useMemo(
    () => ({
      name: name.trim(),
      sobject,
      fields,
      filters: filtersFromRows(rows, described),
      logic,
      excludeOptedOut,
      requireEmail,
      excludeSuppressed,
    }),
    [name, sobject, fields, rows, logic, excludeOptedOut, requireEmail, excludeSuppressed, described],
  )

  // Unsaved changes: leaving (Back, a link, reload, closing) asks first.
  const [pristine] = useState(() =>
    JSON.stringify({
      name: initial?.name ?? '',
      sobject: initial?.sobject ?? 'Contact',
      rows: rowsFromFilters(initial?.filters ?? []).map(({ key: _key, ...r }) => r),
      logic: initial?.logic ?? 'AND',
      excludeOptedOut: initial?.excludeOptedOut ?? true,
      requireEmail: initial?.requireEmail ?? false,
      excludeSuppressed: initial?.excludeSuppressed ?? false,
    }),
  )
  const [baseFields, setBaseFields] = useState<string[] | null>(initial ? initial.fields : null)
  // A new connection's pre-picked fields are not a change of the person's.
  useEffect(() => {
    if (baseFields === null && !autoPick && describe.data) setBaseFields(fields)
  }, [autoPick, describe.data])
  const dirty =
    JSON.stringify({
      name,
      sobject,
      rows: rows.map(({ key: _key, ...r }) => r),
      logic,
      excludeOptedOut,
      requireEmail,
      excludeSuppressed,
    }) !== pristine ||
    (baseFields !== null && JSON.stringify(fields) !== JSON.stringify(baseFields))
  const leaving = useRef(false)
  useEffect(() => {
    if (!dirty) return
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (leaving.current) return
      e.preventDefault()
      e.returnValue = ''
    }
    window.addEventListener('beforeunload', onBeforeUnload)
    const release = setNavigationGuard(
      () => leaving.current || window.confirm('You have unsaved changes to this connection. Leave without saving?'),
    )
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload)
      release()
    }
  }, [dirty])
  const previewable = fields.length > 0 && incompleteRow === 0
  // The count does not depend on the name: leave it out so typing a name does not re-query Salesforce.
  const previewDraft = useMemo(
    () => ({ ...draft, name: 'Preview' }),
    [sobject, fields, rows, logic, excludeOptedOut, requireEmail, excludeSuppressed, described],
  )

  const save = useAction(async () => {
    const saved = connectionId ? await api.updateConnection(connectionId, draft) : await api.createConnection(draft)
    toast({ tone: 'success', title: `Saved “${saved.name}”` })
    leaving.current = true
    navigate('/connections')
  })

  const nameError = attempted && !name.trim() ? 'Give the connection a name.' : undefined
  const fieldsError = attempted && fields.length === 0 ? 'Pick at least one field.' : undefined
  const filtersProblem = attempted && incompleteRow ? `Complete or remove filter ${incompleteRow}.` : undefined
  // Unknown (still loading, or the link could not be read) counts as "try": the server decides.
  const canAccess = link.status === 'ready' ? link.link.canConnect : link.status !== 'missing'

  return (
    <>
      <EditorHeader title={connectionId ? `Edit “${initial?.name ?? ''}”` : 'New connection'} />
      {dirty && (
        <p class="slds-text-body_small slds-text-color_weak slds-m-bottom_x-small" data-testid="unsaved-changes">
          Unsaved changes
        </p>
      )}
      {!canAccess && (
        <AccessNotice
          access={{
            canConnect: false,
            code: link.status === 'ready' ? link.link.access.code : null,
            message:
              link.status === 'ready' && link.link.access.message
                ? link.link.access.message
                : 'Salesforce cannot be reached from here without a working credential: fields cannot be listed and counts cannot be run.',
          }}
        />
      )}
      <form
        class="sfl-editor"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          setAttempted(true)
          if (name.trim() && fields.length > 0 && incompleteRow === 0) void save.run()
        }}
      >
        <div class="sfl-stack">
          <Card id="editor-basics" title="What to fetch">
            <div class="sfl-stack">
              <div class="sfl-form-grid">
                <TextField
                  id="connection-name"
                  label="Name"
                  required
                  value={name}
                  onValue={setName}
                  error={nameError}
                  maxLength={120}
                />
                <SelectField
                  id="connection-object"
                  label="Object"
                  value={sobject}
                  onValue={(v) => {
                    setSobject(v as SObjectName)
                    setFields([])
                    setRows([])
                    setAutoPick(true)
                  }}
                  options={SOBJECTS.map((s) => ({ value: s, label: SOBJECT_LABEL[s] ?? s }))}
                  help="Changing the object clears the fields and filters."
                />
              </div>
              <FieldPicker
                fields={describe.data?.fields}
                loading={describe.loading}
                error={describe.error}
                selected={fields}
                onChange={setFields}
                invalid={fieldsError}
              />
            </div>
          </Card>
          <Card id="editor-filters" title="Who to include">
            <div class="sfl-stack">
              <FilterBuilder
                rows={rows}
                logic={logic}
                sobject={sobject}
                fields={describe.data?.fields}
                onRows={setRows}
                onLogic={setLogic}
                problem={filtersProblem}
              />
              <fieldset class="slds-form-element">
                <legend class="slds-form-element__legend slds-form-element__label">Options</legend>
                <CheckboxField
                  id="opt-exclude-opted-out"
                  label="Exclude people who opted out of email"
                  checked={excludeOptedOut}
                  onChecked={setExcludeOptedOut}
                  help="Leaves out records with Email Opt Out checked in Salesforce. Keep this on unless you send only transactional mail."
                />
                <CheckboxField
                  id="opt-require-email"
                  label="Only records with an email address"
                  checked={requireEmail}
                  onChecked={setRequireEmail}
                />
                <CheckboxField
                  id="opt-exclude-suppressed"
                  label="Exclude addresses on the SF Link suppression list"
                  checked={excludeSuppressed}
                  onChecked={setExcludeSuppressed}
                />
              </fieldset>
            </div>
          </Card>
          {save.error && <ErrorAlert error={save.error} title="Not saved" />}
          <div class="sfl-actions sfl-editor__footer">
            <a class="slds-button slds-button_neutral" href={href('/connections')}>
              Cancel
            </a>
            <button type="submit" class="slds-button slds-button_brand" disabled={save.busy}>
              Save
            </button>
            {save.busy && <Spinner variant="inline" label="Saving" />}
          </div>
        </div>
        <aside class="sfl-editor__aside">
          <LiveCount
            draft={previewable && canAccess ? previewDraft : null}
            waitingFor={
              !canAccess
                ? 'Counting needs access to Salesforce (see above).'
                : fields.length === 0
                  ? 'Pick at least one field to see the count.'
                  : `Complete filter ${incompleteRow} to see the count.`
            }
          />
        </aside>
      </form>
    </>
  )
}
