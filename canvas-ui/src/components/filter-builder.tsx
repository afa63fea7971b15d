import type { DescribeField, Filter, Operator } from '../types.js'
import { OPERATORS } from '../types.js'
import { SelectField, TextField } from './form.js'
import { ButtonIcon, Icon } from './icon.js'

/** A filter row as edited: the value is kept as typed and converted on save. */
export interface FilterRow {
  key: number
  field: string
  operator: Operator
  text: string
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
}

// The server types each value against the describe; show the format it expects.
const VALUE_HINT: Record<string, string> = {
  date: 'YYYY-MM-DD',
  datetime: '2025-01-31T09:00:00Z',
  int: 'whole number',
  double: 'number',
  currency: 'number',
  percent: 'number',
  id: '18-character Salesforce ID',
  reference: '18-character Salesforce ID',
}

const NO_VALUE: ReadonlySet<Operator> = new Set(['isEmpty', 'isNotEmpty'])
const LIST_VALUE: ReadonlySet<Operator> = new Set(['in', 'notIn'])

let nextKey = 1
export const newFilterRow = (field = ''): FilterRow => ({ key: nextKey++, field, operator: '=', text: '' })

export function rowsFromFilters(filters: Filter[]): FilterRow[] {
  return filters.map((f) => ({
    key: nextKey++,
    field: f.field,
    operator: f.operator,
    text: Array.isArray(f.value) ? f.value.join(', ') : String(f.value ?? ''),
  }))
}

/** Values are sent as text (lists as text arrays); the server types and quotes them against the describe. */
export function filtersFromRows(rows: FilterRow[]): Filter[] {
  return rows.map((r) => {
    if (NO_VALUE.has(r.operator)) return { field: r.field, operator: r.operator }
    if (LIST_VALUE.has(r.operator)) {
      return {
        field: r.field,
        operator: r.operator,
        value: r.text
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      }
    }
    return { field: r.field, operator: r.operator, value: r.text }
  })
}

/** Index (1-based) of the first row that is not ready to send, or 0. */
export function firstIncompleteRow(rows: FilterRow[]): number {
  const i = rows.findIndex((r) => !r.field || (!NO_VALUE.has(r.operator) && !r.text.trim()))
  return i + 1
}

interface FilterBuilderProps {
  rows: FilterRow[]
  logic: 'AND' | 'OR'
  fields: DescribeField[] | undefined
  onRows: (rows: FilterRow[]) => void
  onLogic: (logic: 'AND' | 'OR') => void
  problem?: string
}

/** The filter rows (field, operator, value) and how they combine, in SLDS "expression" style. */
export function FilterBuilder({ rows, logic, fields, onRows, onLogic, problem }: FilterBuilderProps) {
  const filterable = (fields ?? []).filter((f) => f.filterable)
  const update = (key: number, change: Partial<FilterRow>) =>
    onRows(rows.map((r) => (r.key === key ? { ...r, ...change } : r)))
  const fieldOptions = filterable.map((f) => ({ value: f.name, label: `${f.label} (${f.name})` }))

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
          const picklist =
            described?.picklistValues?.length && (row.operator === '=' || row.operator === '!=')
              ? described.picklistValues
              : null
          const isBoolean = described?.type === 'boolean'
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
                    onValue={(v) => update(row.key, { field: v, text: '' })}
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
                  onValue={(v) => update(row.key, { operator: v as Operator })}
                  options={OPERATORS.map((op) => ({ value: op, label: OPERATOR_LABEL[op] }))}
                />
                {NO_VALUE.has(row.operator) ? (
                  <div class="sfl-expression__spacer" />
                ) : picklist || isBoolean ? (
                  <SelectField
                    id={`filter-${row.key}-value`}
                    label="Value"
                    value={row.text}
                    onValue={(v) => update(row.key, { text: v })}
                    options={(isBoolean ? ['true', 'false'] : (picklist ?? [])).map((v) => ({ value: v, label: v }))}
                    placeholder="Choose a value"
                  />
                ) : (
                  <TextField
                    id={`filter-${row.key}-value`}
                    label="Value"
                    value={row.text}
                    onValue={(v) => update(row.key, { text: v })}
                    placeholder={
                      LIST_VALUE.has(row.operator) ? 'value one, value two' : (VALUE_HINT[described?.type ?? ''] ?? '')
                    }
                    help={LIST_VALUE.has(row.operator) ? 'Separate values with commas.' : undefined}
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
