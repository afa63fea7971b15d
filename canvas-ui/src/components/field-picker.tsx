import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import type { ApiError } from '../api.js'
import type { DescribeField } from '../types.js'
import { ErrorAlert } from './alerts.js'
import { TextField } from './form.js'
import { Icon } from './icon.js'
import { Spinner } from './spinner.js'

interface FieldPickerProps {
  fields: DescribeField[] | undefined
  loading: boolean
  error: ApiError | undefined
  selected: string[]
  onChange: (selected: string[]) => void
  invalid?: string
}

/** Which fields a connection fetches: a searchable checkbox list from the object's describe. */
export function FieldPicker({ fields, loading, error, selected, onChange, invalid }: FieldPickerProps) {
  const [search, setSearch] = useState('')
  const visible = useMemo(() => {
    const q = search.trim().toLowerCase()
    const all = fields ?? []
    return q ? all.filter((f) => f.name.toLowerCase().includes(q) || f.label.toLowerCase().includes(q)) : all
  }, [fields, search])
  const toggle = (name: string, on: boolean) =>
    onChange(on ? [...selected.filter((s) => s !== name), name] : selected.filter((s) => s !== name))
  const labelOf = (name: string) => fields?.find((f) => f.name === name)?.label ?? name

  return (
    <fieldset
      class={`slds-form-element ${invalid ? 'slds-has-error' : ''}`}
      aria-describedby={invalid ? 'field-picker-error' : undefined}
    >
      <legend class="slds-form-element__legend slds-form-element__label">
        <abbr class="slds-required" title="required" aria-hidden="true">
          *{' '}
        </abbr>
        Fields to fetch
      </legend>
      {loading && <Spinner label="Loading fields from Salesforce" />}
      {error && (
        <>
          <ErrorAlert error={error} title="Could not read the fields from Salesforce" />
          <TextField
            id="fields-manual"
            label="Field API names, comma-separated"
            value={selected.join(', ')}
            onValue={(v) =>
              onChange(
                v
                  .split(',')
                  .map((s) => s.trim())
                  .filter(Boolean),
              )
            }
            help="Salesforce could not be asked for the list; type the API names instead (they are checked when you save)."
          />
        </>
      )}
      {fields && (
        <div class="sfl-field-picker">
          <div class="slds-form-element__control slds-input-has-icon slds-input-has-icon_left">
            <Icon name="search" class="slds-icon slds-input__icon slds-input__icon_left slds-icon-text-default" />
            <label class="slds-assistive-text" for="field-search">
              Search fields
            </label>
            <input
              id="field-search"
              type="search"
              class="slds-input"
              placeholder="Search fields"
              value={search}
              onInput={(e) => setSearch(e.currentTarget.value)}
              aria-controls="field-list"
            />
          </div>
          <FieldListbox
            fields={visible}
            selected={selected}
            onToggle={toggle}
            emptyText={`No field matches “${search}”.`}
          />
        </div>
      )}
      <div class="sfl-selected" aria-live="polite">
        <span class="slds-text-body_small slds-text-color_weak">{selected.length} selected</span>
        {selected.length > 0 && (
          <ul class="slds-listbox slds-listbox_horizontal sfl-pills" aria-label="Selected fields">
            {selected.map((name) => (
              <li class="slds-listbox-item" key={name}>
                <span class="slds-pill">
                  <span class="slds-pill__label" title={name}>
                    {labelOf(name)}
                  </span>
                  <button
                    type="button"
                    class="slds-button slds-button_icon slds-pill__remove"
                    title={`Remove ${labelOf(name)}`}
                    onClick={() => toggle(name, false)}
                  >
                    <Icon name="close" class="slds-button__icon" />
                    <span class="slds-assistive-text">Remove {labelOf(name)}</span>
                  </button>
                </span>
              </li>
            ))}
          </ul>
        )}
      </div>
      {invalid && (
        <div class="slds-form-element__help" id="field-picker-error">
          {invalid}
        </div>
      )}
    </fieldset>
  )
}

/**
 * A multi-select listbox (WAI-ARIA listbox pattern, SLDS look): ↑/↓ move, Space or Enter
 * toggles, Home/End jump. A listbox rather than a column of labelled checkboxes, so the
 * page's only control labelled "Name" stays the connection's name field (Salesforce
 * field labels such as "First Name" would otherwise compete for it).
 */
function FieldListbox(props: {
  fields: DescribeField[]
  selected: string[]
  onToggle: (name: string, on: boolean) => void
  emptyText: string
}) {
  const { fields, selected, onToggle, emptyText } = props
  const [active, setActive] = useState(0)
  const listRef = useRef<HTMLUListElement>(null)
  const current = Math.min(active, Math.max(0, fields.length - 1))
  const optionId = (name: string) => `field-option-${name}`

  useEffect(() => {
    const field = fields[current]
    if (field) document.getElementById(optionId(field.name))?.scrollIntoView({ block: 'nearest' })
  }, [current, fields])

  const onKeyDown = (e: KeyboardEvent) => {
    const last = fields.length - 1
    const move = (i: number) => {
      e.preventDefault()
      setActive(Math.max(0, Math.min(last, i)))
    }
    if (e.key === 'ArrowDown') move(current + 1)
    else if (e.key === 'ArrowUp') move(current - 1)
    else if (e.key === 'Home') move(0)
    else if (e.key === 'End') move(last)
    else if ((e.key === ' ' || e.key === 'Enter') && fields[current]) {
      e.preventDefault()
      const name = fields[current].name
      onToggle(name, !selected.includes(name))
    }
  }

  if (fields.length === 0) return <p class="slds-text-color_weak slds-p-around_x-small">{emptyText}</p>
  return (
    <ul
      id="field-list"
      ref={listRef}
      class="sfl-field-list"
      role="listbox"
      aria-multiselectable="true"
      aria-label="Available fields"
      tabIndex={0}
      aria-activedescendant={fields[current] ? optionId(fields[current].name) : undefined}
      onKeyDown={onKeyDown}
    >
      {fields.map((f, i) => {
        const on = selected.includes(f.name)
        return (
          <li
            key={f.name}
            id={optionId(f.name)}
            role="option"
            aria-selected={on}
            class={`sfl-field-option ${i === current ? 'sfl-field-option_active' : ''}`}
            data-field={f.name}
            onClick={() => {
              setActive(i)
              onToggle(f.name, !on)
              listRef.current?.focus()
            }}
          >
            <span class={`slds-checkbox_faux sfl-faux-check ${on ? 'sfl-faux-check_on' : ''}`} aria-hidden="true" />
            <span>{f.label}</span>
            <span class="slds-text-body_small slds-text-color_weak sfl-mono" aria-hidden="true">
              {f.name}
            </span>
          </li>
        )
      })}
    </ul>
  )
}
