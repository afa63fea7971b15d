// SLDS form elements. Every control has a real <label for>, help and error text are tied
// to it with aria-describedby, and the required marker stays out of the label (so a
// field is announced as "Email", required, not "* Email").
import type { ComponentChildren, PartialInputHTMLAttributes } from 'preact'

interface FieldShell {
  id: string
  label: string
  help?: ComponentChildren
  error?: string
  required?: boolean
  class?: string
  hideLabel?: boolean
}

function describedBy(id: string, help: unknown, error: unknown): string | undefined {
  const ids = [help ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean)
  return ids.length ? ids.join(' ') : undefined
}

function Shell(props: FieldShell & { children: ComponentChildren }) {
  const { id, label, help, error, required, class: cls, hideLabel, children } = props
  return (
    <div class={`slds-form-element ${error ? 'slds-has-error' : ''} ${cls ?? ''}`}>
      {/* The marker sits outside <label> so the label's text is exactly the field name
          (label lookups in tests match on it); `required` tells assistive tech instead. */}
      {required && !hideLabel && (
        <abbr class="slds-required sfl-required" title="required" aria-hidden="true">
          *
        </abbr>
      )}
      <label class={`slds-form-element__label ${hideLabel ? 'slds-assistive-text' : ''}`} for={id}>
        {label}
      </label>
      <div class="slds-form-element__control">{children}</div>
      {help && (
        <div class="slds-form-element__help sfl-help" id={`${id}-help`}>
          {help}
        </div>
      )}
      {error && (
        <div class="slds-form-element__help" id={`${id}-error`}>
          {error}
        </div>
      )}
    </div>
  )
}

type InputAttrs = Omit<
  PartialInputHTMLAttributes<HTMLInputElement>,
  'id' | 'value' | 'onInput' | 'label' | 'class' | 'role' | 'type'
> & {
  type?: 'text' | 'email' | 'password' | 'url' | 'search' | 'tel'
  'data-testid'?: string
}

export function TextField(
  props: FieldShell & InputAttrs & { value: string; onValue: (value: string) => void; inputClass?: string },
) {
  const {
    id,
    label,
    help,
    error,
    required,
    class: cls,
    hideLabel,
    value,
    onValue,
    inputClass,
    type = 'text',
    ...attrs
  } = props
  return (
    <Shell id={id} label={label} help={help} error={error} required={required} class={cls} hideLabel={hideLabel}>
      <input
        {...attrs}
        // Preact types `type` as a union discriminating the allowed ARIA roles; our set is all textbox-like.
        type={type as 'text'}
        id={id}
        class={`slds-input ${inputClass ?? ''}`}
        value={value}
        required={required}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, help, error)}
        onInput={(e) => onValue(e.currentTarget.value)}
      />
    </Shell>
  )
}

export function TextareaField(
  props: FieldShell & {
    value: string
    onValue: (value: string) => void
    rows?: number
    placeholder?: string
    disabled?: boolean
  },
) {
  const { id, label, help, error, required, class: cls, value, onValue, rows = 4, placeholder, disabled } = props
  return (
    <Shell id={id} label={label} help={help} error={error} required={required} class={cls}>
      <textarea
        id={id}
        class="slds-textarea"
        rows={rows}
        value={value}
        placeholder={placeholder}
        required={required}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, help, error)}
        onInput={(e) => onValue(e.currentTarget.value)}
      />
    </Shell>
  )
}

export interface Option {
  value: string
  label: string
}

export function SelectField(
  props: FieldShell & {
    value: string
    onValue: (value: string) => void
    options: readonly Option[]
    disabled?: boolean
    placeholder?: string
  },
) {
  const {
    id,
    label,
    help,
    error,
    required,
    class: cls,
    hideLabel,
    value,
    onValue,
    options,
    disabled,
    placeholder,
  } = props
  return (
    <Shell id={id} label={label} help={help} error={error} required={required} class={cls} hideLabel={hideLabel}>
      <div class="slds-select_container">
        <select
          id={id}
          class="slds-select"
          value={value}
          required={required}
          disabled={disabled}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(id, help, error)}
          onChange={(e) => onValue(e.currentTarget.value)}
        >
          {placeholder !== undefined && <option value="">{placeholder}</option>}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </div>
    </Shell>
  )
}

export function CheckboxField(props: {
  id: string
  label: string
  checked: boolean
  onChecked: (checked: boolean) => void
  help?: string
  disabled?: boolean
}) {
  const { id, label, checked, onChecked, help, disabled } = props
  return (
    <div class="slds-form-element">
      <div class="slds-form-element__control">
        <div class="slds-checkbox">
          <input
            type="checkbox"
            id={id}
            checked={checked}
            disabled={disabled}
            aria-describedby={help ? `${id}-help` : undefined}
            onChange={(e) => onChecked(e.currentTarget.checked)}
          />
          <label class="slds-checkbox__label" for={id}>
            <span class="slds-checkbox_faux" />
            <span class="slds-form-element__label">{label}</span>
          </label>
        </div>
      </div>
      {help && (
        <div class="slds-form-element__help sfl-help" id={`${id}-help`}>
          {help}
        </div>
      )}
    </div>
  )
}

/** A read-only fact (label + value) in SLDS "record detail" style. */
export function ReadOnlyField(props: { label: string; children: ComponentChildren; id?: string }) {
  return (
    <div class="slds-form-element slds-form-element_readonly slds-form-element_stacked">
      <span class="slds-form-element__label" id={props.id ? `${props.id}-label` : undefined}>
        {props.label}
      </span>
      <div class="slds-form-element__control">
        <div class="slds-form-element__static" aria-labelledby={props.id ? `${props.id}-label` : undefined}>
          {props.children}
        </div>
      </div>
    </div>
  )
}
