// Display helpers: dates and counts in the reader's own locale.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const count = new Intl.NumberFormat()

export function formatDateTime(iso: string | null | undefined, empty = '—'): string {
  if (!iso) return empty
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date)
}

export function formatCount(value: number | null | undefined): string {
  return typeof value === 'number' ? count.format(value) : '—'
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`
}

/** A Salesforce field value as text for a table cell. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}
