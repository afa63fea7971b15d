import { useEffect, useMemo, useState } from 'preact/hooks'
import { useApp } from '../app-context.js'
import { useAsync } from '../hooks.js'
import type { Campaign, DescribeField, Filter, Operator } from '../types.js'
import { SelectField, TextField } from './form.js'
import { ButtonIcon, Icon } from './icon.js'

/** A filter row as edited: values are kept as typed and converted on save. */
export interface FilterRow {
  key: number
  field: string
  operator: Operator
  /** Text, a number, a day (YYYY-MM-DD), "true"/"false", an ID, or a comma-separated list. */
  text: string
  /** Values picked from a picklist for is one of / includes. */
  list: string[]
  /** On dates: '' for a calendar day, else a relative date (`TODAY`, `LAST_N_DAYS`). */
  dateMode: string
  /** The n of `LAST_N_DAYS:n`. */
  n: string
  /** The saved value was a calendar day (`{day}`): kept so before the describe arrives. */
  day?: boolean
}

// The operators the editor offers for each Salesforce field type, in the order shown. The
// server (server/src/salesforce/soql.ts, OPERATORS_BY_TYPE) accepts these and checks
// every save and preview against the describe; "contains" on a true/false field is never offered.
const TEXT: Operator[] = ['=', '!=', 'contains', 'startsWith', 'in', 'notIn', 'isEmpty', 'isNotEmpty']
const NUMBER: Operator[] = ['=', '!=', '<', '<=', '>', '>=', 'isEmpty', 'isNotEmpty']
const DATE: Operator[] = ['=', '<', '>', '<=', '>=', '!=', 'isEmpty', 'isNotEmpty']
const UI_OPERATORS: Record<string, Operator[]> = {
  string: TEXT,
  email: TEXT,
  phone: TEXT,
  url: TEXT,
  textarea: TEXT,
  combobox: TEXT,
  picklist: ['=', '!=', 'in', 'notIn', 'isEmpty', 'isNotEmpty'],
  multipicklist: ['includes', 'excludes', '=', 'isEmpty', 'isNotEmpty'],
  boolean: ['='],
  int: NUMBER,
  long: NUMBER,
  double: NUMBER,
  currency: NUMBER,
  percent: NUMBER,
  date: DATE,
  datetime: DATE,
  id: ['=', '!=', 'in', 'notIn'],
  reference: ['=', '!=', 'isEmpty', 'isNotEmpty'],
}

const OPERATOR_LABEL: Record<Operator, string> = {
  '=': 'equals',
  '!=': 'not equal to',
  '<': 'less than',
  '<=': 'less or equal',
  '>': 'greater than',
  '>=': 'greater or equal',
  contains: 'contains',
  startsWith: 'starts with',
  in: 'is one of',
  notIn: 'is none of',
  isEmpty: 'is empty',
  isNotEmpty: 'is not empty',
  includes: 'includes any of',
  excludes: 'excludes all of',
}
const DATE_OPERATOR_LABEL: Partial<Record<Operator, string>> = {
  '=': 'is in / on',
  '!=': 'is not in / on',
  '<': 'before',
  '>': 'after',
  '<=': 'on or before',
  '>=': 'on or after',
}

/** Relative dates as Salesforce's SOQL date literals; the `_N_` ones take a number. */
const RELATIVE_DATES: { value: string; label: string }[] = [
  { value: '', label: 'A date…' },
  { value: 'TODAY', label: 'Today' },
  { value: 'YESTERDAY', label: 'Yesterday' },
  { value: 'TOMORROW', label: 'Tomorrow' },
  { value: 'LAST_N_DAYS', label: 'Last N days' },
  { value: 'NEXT_N_DAYS', label: 'Next N days' },
  { value: 'N_DAYS_AGO', label: 'N days ago' },
  { value: 'THIS_WEEK', label: 'This week' },
  { value: 'LAST_WEEK', label: 'Last week' },
  { value: 'NEXT_WEEK', label: 'Next week' },
  { value: 'THIS_MONTH', label: 'This month' },
  { value: 'LAST_MONTH', label: 'Last month' },
  { value: 'NEXT_MONTH', label: 'Next month' },
  { value: 'LAST_N_MONTHS', label: 'Last N months' },
  { value: 'NEXT_N_MONTHS', label: 'Next N months' },
  { value: 'LAST_90_DAYS', label: 'Last 90 days' },
  { value: 'THIS_QUARTER', label: 'This quarter' },
  { value: 'LAST_QUARTER', label: 'Last quarter' },
  { value: 'THIS_YEAR', label: 'This year' },
  { value: 'LAST_YEAR', label: 'Last year' },
]

const NO_VALUE: ReadonlySet<Operator> = new Set(['isEmpty', 'isNotEmpty'])
const LIST_VALUE: ReadonlySet<Operator> = new Set(['in', 'notIn', 'includes', 'excludes'])
const NUMBER_TYPES = new Set(['int', 'long', 'double', 'currency', 'percent'])
const isDateType = (type: string | undefined) => type === 'date' || type === 'datetime'
const takesN = (mode: string) => mode.includes('_N_')

export const operatorsFor = (type: string | undefined): Operator[] => UI_OPERATORS[type ?? ''] ?? TEXT

let nextKey = 1
export const newFilterRow = (field = ''): FilterRow => ({
  key: nextKey++,
  field,
  operator: '=',
  text: '',
  list: [],
  dateMode: '',
  n: '',
})

export function rowsFromFilters(filters: Filter[]): FilterRow[] {
  return filters.map((f) => {
    const row = { ...newFilterRow(f.field), operator: f.operator }
    const v = f.value
    if (Array.isArray(v)) return { ...row, list: v.map(String), text: v.join(', ') }
    if (v && typeof v === 'object') {
      if ('day' in v) return { ...row, text: v.day, day: true }
      const [mode, n = ''] = v.relative.split(':')
      return { ...row, dateMode: mode ?? '', n }
    }
    return { ...row, text: v === undefined || v === null ? '' : String(v) }
  })
}

/** The filters as the server takes them, each value shaped for its field's type. */
export function filtersFromRows(rows: FilterRow[], fields?: DescribeField[]): Filter[] {
  return rows.map((r) => {
    const type = fields?.find((f) => f.name === r.field)?.type
    if (NO_VALUE.has(r.operator)) return { field: r.field, operator: r.operator }
    if (LIST_VALUE.has(r.operator)) {
      const value = r.list.length
        ? r.list
        : r.text
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
      return { field: r.field, operator: r.operator, value }
    }
    if (type === 'boolean') return { field: r.field, operator: r.operator, value: r.text !== 'false' }
    // The field's type is known once the describe is in; a saved date value keeps its shape before.
    if (isDateType(type) || (type === undefined && (r.dateMode || r.day))) {
      if (r.dateMode)
        return {
          field: r.field,
          operator: r.operator,
          value: { relative: takesN(r.dateMode) ? `${r.dateMode}:${r.n.trim()}` : r.dateMode },
        }
      // A full date and time (saved before the date picker) is kept as it is.
      if (/T/.test(r.text)) return { field: r.field, operator: r.operator, value: r.text.trim() }
      return { field: r.field, operator: r.operator, value: { day: r.text.trim() } }
    }
    return { field: r.field, operator: r.operator, value: r.text }
  })
}

/** Index (1-based) of the first row that is not ready to send, or 0. */
export function firstIncompleteRow(rows: FilterRow[], fields?: DescribeField[]): number {
  const i = rows.findIndex((r) => {
    if (!r.field) return true
    if (NO_VALUE.has(r.operator)) return false
    const type = fields?.find((f) => f.name === r.field)?.type
    if (type === 'boolean') return false
    if (LIST_VALUE.has(r.operator)) return r.list.length === 0 && !r.text.trim()
    if ((isDateType(type) || type === undefined) && r.dateMode) return takesN(r.dateMode) && !/^\d+$/.test(r.n.trim())
    return !r.text.trim()
  })
  return i + 1
}

interface FilterBuilderProps {
  rows: FilterRow[]
  logic: 'AND' | 'OR'
  fields: DescribeField[] | undefined
  sobject: string
  onRows: (rows: FilterRow[]) => void
  onLogic: (logic: 'AND' | 'OR') => void
  problem?: string
}

/** The filter rows (field, operator, value) and how they combine, in SLDS "expression" style. */
export function FilterBuilder({ rows, logic, fields, sobject, onRows, onLogic, problem }: FilterBuilderProps) {
  const filterable = useMemo(() => {
    const list = (fields ?? []).filter((f) => f.filterable && UI_OPERATORS[f.type])
    // The object's own fields first, then those of related records (each group by label).
    return [...list].sort(
      (a, b) => Number(Boolean(a.relationship)) - Number(Boolean(b.relationship)) || a.label.localeCompare(b.label),
    )
  }, [fields])
  const update = (key: number, change: Partial<FilterRow>) =>
    onRows(rows.map((r) => (r.key === key ? { ...r, ...change } : r)))
  const fieldOptions = filterable.map((f) => ({ value: f.name, label: `${f.label} (${f.name})` }))
  // On Campaign Members, the campaign picked in a CampaignId filter gives Status its own values.
  const campaignId =
    sobject === 'CampaignMember'
      ? rows.find((r) => r.field === 'CampaignId' && r.operator === '=' && /^701\w{12,15}$/.test(r.text))?.text
      : undefined

  return (
    <fieldset class="sfl-expression" aria-describedby={problem ? 'filters-problem' : undefined}>
      <legend class="slds-form-element__legend slds-form-element__label">Filters</legend>
      {rows.length > 1 && (
        <div class="sfl-expression__logic">
          <SelectField
            id="filter-logic"
            label="Combine filters"
            value={logic}
            onValue={(v) => onLogic(v === 'OR' ? 'OR' : 'AND')}
            options={[
              { value: 'AND', label: 'All filters match (AND)' },
              { value: 'OR', label: 'Any filter matches (OR)' },
            ]}
          />
        </div>
      )}
      {rows.length === 0 && (
        <p class="slds-text-color_weak slds-m-vertical_x-small">No filters: every record of the object matches.</p>
      )}
      <ul class="sfl-expression__rows">
        {rows.map((row, index) => {
          const n = index + 1
          const described = fields?.find((f) => f.name === row.field)
          const offered = operatorsFor(described?.type)
          const operators = offered.includes(row.operator) ? offered : [row.operator, ...offered]
          const labels = isDateType(described?.type) ? { ...OPERATOR_LABEL, ...DATE_OPERATOR_LABEL } : OPERATOR_LABEL
          return (
            <li class="sfl-expression__row" key={row.key} role="group" aria-label={`Filter ${n}`}>
              <span class="sfl-expression__index" aria-hidden="true">
                {index === 0 ? '' : logic}
              </span>
              <div class="sfl-expression__cells">
                {fields ? (
                  <SelectField
                    id={`filter-${row.key}-field`}
                    label="Field"
                    value={row.field}
                    onValue={(v) => {
                      const type = fields.find((f) => f.name === v)?.type
                      update(row.key, {
                        ...newFilterRow(v),
                        key: row.key,
                        operator: operatorsFor(type)[0]!,
                        text: type === 'boolean' ? 'true' : '',
                      })
                    }}
                    options={
                      row.field && !filterable.some((f) => f.name === row.field)
                        ? [{ value: row.field, label: row.field }, ...fieldOptions]
                        : fieldOptions
                    }
                    placeholder="Choose a field"
                  />
                ) : (
                  <TextField
                    id={`filter-${row.key}-field`}
                    label="Field"
                    value={row.field}
                    onValue={(v) => update(row.key, { field: v })}
                  />
                )}
                <SelectField
                  id={`filter-${row.key}-operator`}
                  label="Operator"
                  value={row.operator}
                  onValue={(v) => update(row.key, { operator: v as Operator, list: [] })}
                  options={operators.map((op) => ({ value: op, label: labels[op] }))}
                />
                {NO_VALUE.has(row.operator) ? (
                  <div class="sfl-expression__spacer" />
                ) : (
                  <ValueControl
                    row={row}
                    field={described}
                    campaignId={campaignId}
                    onChange={(change) => update(row.key, change)}
                  />
                )}
                <div class="slds-form-element sfl-expression__remove">
                  <button
                    type="button"
                    class="slds-button slds-button_icon slds-button_icon-border-filled"
                    title={`Remove filter ${n}`}
                    onClick={() => onRows(rows.filter((r) => r.key !== row.key))}
                  >
                    <Icon name="delete" class="slds-button__icon" />
                    <span class="slds-assistive-text">Remove filter {n}</span>
                  </button>
                </div>
              </div>
            </li>
          )
        })}
      </ul>
      <div class="slds-m-top_small">
        <button type="button" class="slds-button slds-button_neutral" onClick={() => onRows([...rows, newFilterRow()])}>
          <ButtonIcon name="add" left />
          Add filter
        </button>
      </div>
      {problem && (
        <p id="filters-problem" class="slds-text-color_error slds-m-top_x-small">
          {problem}
        </p>
      )}
    </fieldset>
  )
}

/** The value of one filter, with the control its field's type calls for. */
function ValueControl(props: {
  row: FilterRow
  field: DescribeField | undefined
  campaignId: string | undefined
  onChange: (change: Partial<FilterRow>) => void
}) {
  const { row, field, campaignId, onChange } = props
  const id = `filter-${row.key}-value`
  const type = field?.type
  const list = LIST_VALUE.has(row.operator)

  if (type === 'boolean') {
    const on = row.text !== 'false'
    return (
      <div class="slds-form-element">
        <span class="slds-form-element__label" id={`${id}-label`}>
          Value
        </span>
        <label class="slds-checkbox_toggle slds-grid sfl-toggle">
          <input
            type="checkbox"
            id={id}
            checked={on}
            aria-labelledby={`${id}-label ${id}-state`}
            onChange={(e) => onChange({ text: e.currentTarget.checked ? 'true' : 'false' })}
          />
          <span class="slds-checkbox_faux_container" aria-live="polite">
            <span class="slds-checkbox_faux" />
            <span class="sfl-toggle__state" id={`${id}-state`}>
              {on ? 'True (checked)' : 'False (unchecked)'}
            </span>
          </span>
        </label>
      </div>
    )
  }

  if (isDateType(type)) {
    return (
      <div class="sfl-date-value">
        <SelectField
          id={`${id}-when`}
          label="When"
          value={row.dateMode}
          onValue={(v) => onChange({ dateMode: v, n: takesN(v) && !row.n ? '30' : row.n })}
          options={RELATIVE_DATES}
        />
        {row.dateMode === '' ? (
          <div class="slds-form-element">
            <label class="slds-form-element__label" for={id}>
              Date
            </label>
            <div class="slds-form-element__control">
              <input
                type="date"
                id={id}
                class="slds-input"
                min="1700-01-01"
                max="3999-12-31"
                value={/^\d{4}-\d{2}-\d{2}$/.test(row.text) ? row.text : ''}
                onInput={(e) => onChange({ text: e.currentTarget.value })}
              />
            </div>
            {type === 'datetime' && <div class="slds-form-element__help sfl-help">The whole day, in UTC.</div>}
          </div>
        ) : takesN(row.dateMode) ? (
          <NumberInput
            id={id}
            label="N"
            value={row.n}
            min={1}
            max={1000}
            step="1"
            onValue={(v) => onChange({ n: v })}
          />
        ) : null}
      </div>
    )
  }

  if (NUMBER_TYPES.has(type ?? '')) {
    return (
      <NumberInput
        id={id}
        label="Value"
        value={row.text}
        step={type === 'int' || type === 'long' ? '1' : 'any'}
        onValue={(v) => onChange({ text: v })}
      />
    )
  }

  if (field?.name === 'CampaignId' && type === 'reference' && !list) {
    return <CampaignPicker id={id} value={row.text} onValue={(v) => onChange({ text: v })} />
  }

  const values = field?.name === 'Status' && campaignId ? undefined : field?.picklistValues
  if (field?.name === 'Status' && campaignId && field.relationship === undefined) {
    return <CampaignStatusPicker id={id} campaignId={campaignId} row={row} list={list} onChange={onChange} />
  }

  if (values?.length) {
    if (list) return <PicklistChoices id={id} values={values} selected={row.list} onChange={onChange} />
    return (
      <SelectField
        id={id}
        label="Value"
        value={row.text}
        onValue={(v) => onChange({ text: v })}
        options={values.map((v) => ({ value: v, label: v }))}
        placeholder="Choose a value"
      />
    )
  }

  return (
    <TextField
      id={id}
      label="Value"
      value={row.text}
      onValue={(v) => onChange({ text: v })}
      type={type === 'email' ? 'email' : type === 'phone' ? 'tel' : 'text'}
      placeholder={
        list ? 'value one, value two' : type === 'reference' || type === 'id' ? '18-character Salesforce ID' : ''
      }
      help={list ? 'Separate values with commas.' : undefined}
    />
  )
}

function NumberInput(props: {
  id: string
  label: string
  value: string
  step: string
  min?: number
  max?: number
  onValue: (v: string) => void
}) {
  const { id, label, value, step, min, max, onValue } = props
  return (
    <div class="slds-form-element">
      <label class="slds-form-element__label" for={id}>
        {label}
      </label>
      <div class="slds-form-element__control">
        <input
          type="number"
          id={id}
          class="slds-input"
          inputMode="decimal"
          step={step}
          min={min}
          max={max}
          value={value}
          onInput={(e) => onValue(e.currentTarget.value)}
        />
      </div>
    </div>
  )
}

/** Several picklist values as checkboxes (is one of, includes any of). */
function PicklistChoices(props: {
  id: string
  values: string[]
  selected: string[]
  onChange: (change: Partial<FilterRow>) => void
}) {
  const { id, values, selected, onChange } = props
  const toggle = (value: string, on: boolean) => {
    const next = on ? [...selected.filter((s) => s !== value), value] : selected.filter((s) => s !== value)
    onChange({ list: next, text: next.join(', ') })
  }
  return (
    <fieldset class="slds-form-element sfl-choices" id={id}>
      <legend class="slds-form-element__legend slds-form-element__label">Values</legend>
      <div class="slds-form-element__control sfl-choices__list">
        {values.map((value, i) => (
          <div class="slds-checkbox" key={value}>
            <input
              type="checkbox"
              id={`${id}-${i}`}
              checked={selected.includes(value)}
              onChange={(e) => toggle(value, e.currentTarget.checked)}
            />
            <label class="slds-checkbox__label" for={`${id}-${i}`}>
              <span class="slds-checkbox_faux" />
              <span class="slds-form-element__label">{value}</span>
            </label>
          </div>
        ))}
      </div>
    </fieldset>
  )
}

/** A campaign found by its name (searched in Salesforce as you type); the filter keeps its ID. */
function CampaignPicker(props: { id: string; value: string; onValue: (id: string) => void }) {
  const { id, value, onValue } = props
  const { api } = useApp()
  const [search, setSearch] = useState('')
  const [debounced, setDebounced] = useState('')
  const [chosen, setChosen] = useState<Campaign | null>(null)
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(search), 250)
    return () => clearTimeout(timer)
  }, [search])
  // A saved filter names the campaign by ID: look its name up once.
  const current = useAsync(
    (signal) =>
      value && chosen?.id !== value
        ? api.campaigns({ id: value }, signal).then((r) => r.items[0] ?? null)
        : Promise.resolve(chosen),
    [value],
  )
  const results = useAsync(
    (signal) => (value ? Promise.resolve({ items: [] }) : api.campaigns({ search: debounced }, signal)),
    [debounced, value],
  )
  const selected = current.data ?? null

  if (value) {
    return (
      <div class="slds-form-element">
        <span class="slds-form-element__label">Campaign</span>
        <div class="slds-form-element__control sfl-campaign-chosen">
          <span class="slds-pill" data-testid="campaign-chosen">
            <span class="slds-pill__label" title={selected?.name ?? value}>
              {selected?.name ?? (current.loading ? 'Loading…' : value)}
            </span>
            <button
              type="button"
              class="slds-button slds-button_icon slds-pill__remove"
              title="Choose another campaign"
              onClick={() => {
                setChosen(null)
                onValue('')
              }}
            >
              <Icon name="close" class="slds-button__icon" />
              <span class="slds-assistive-text">Choose another campaign</span>
            </button>
          </span>
        </div>
      </div>
    )
  }
  const items = results.data?.items ?? []
  return (
    <div class="slds-form-element sfl-campaign-picker">
      <label class="slds-form-element__label" for={id}>
        Campaign
      </label>
      <div class="slds-form-element__control">
        <input
          type="search"
          id={id}
          class="slds-input"
          placeholder="Search campaigns by name"
          value={search}
          aria-controls={`${id}-results`}
          onInput={(e) => setSearch(e.currentTarget.value)}
        />
      </div>
      <ul id={`${id}-results`} role="listbox" aria-label="Campaigns" class="sfl-campaign-results">
        {items.map((c) => (
          <li
            key={c.id}
            role="option"
            aria-selected="false"
            class="sfl-campaign-option"
            onClick={() => {
              setChosen(c)
              onValue(c.id)
            }}
          >
            <span class="slds-truncate" title={c.name}>
              {c.name}
            </span>
            {c.status && <span class="slds-text-body_small slds-text-color_weak"> · {c.status}</span>}
          </li>
        ))}
        {!results.loading && items.length === 0 && (
          <li class="slds-text-color_weak slds-p-around_xx-small" role="presentation">
            No campaign matches.
          </li>
        )}
      </ul>
    </div>
  )
}

/** The member statuses of the chosen campaign (CampaignMemberStatus), not the org-wide picklist. */
function CampaignStatusPicker(props: {
  id: string
  campaignId: string
  row: FilterRow
  list: boolean
  onChange: (change: Partial<FilterRow>) => void
}) {
  const { id, campaignId, row, list, onChange } = props
  const { api } = useApp()
  const statuses = useAsync((signal) => api.campaignStatuses(campaignId, signal), [campaignId])
  const values = (statuses.data?.items ?? []).map((s) => s.label)
  if (list) return <PicklistChoices id={id} values={values} selected={row.list} onChange={onChange} />
  return (
    <SelectField
      id={id}
      label="Member status"
      value={row.text}
      onValue={(v) => onChange({ text: v })}
      options={[
        ...(row.text && !values.includes(row.text) ? [{ value: row.text, label: row.text }] : []),
        ...values.map((v) => ({ value: v, label: v })),
      ]}
      placeholder={statuses.loading ? 'Loading statuses…' : 'Choose a status'}
    />
  )
}
