/**
 * Formatters for pulls (`GET /api/connections/:id/records?format=ndjson|csv`).
 *
 * Each function turns one record into one self-contained chunk of text, so a pull can
 * write page after page of `queryMore` results to the response as they come, holding no
 * more than one page in memory.
 *
 * NDJSON is written exactly as Salesforce sent it (a program reads it). CSV is opened in
 * spreadsheets, and Salesforce data is attacker-controlled (web-to-lead forms, for one): a
 * text cell starting with `=`, `+`, `-`, `@`, tab or CR would run as a formula, so it gets a
 * leading `'` (OWASP's rule for CSV injection). Numbers and booleans Salesforce sends as
 * such cannot hold a formula and stay as they are (a negative amount stays a number).
 *
 * Hand-written rather than a CSV library: RFC 4180 output is a few lines, and this keeps
 * the module pure and synchronous (the route owns the stream and its backpressure).
 */

/** A record as the REST query API returns it (with `attributes`, relationships as nested objects). */
export type SalesforceRecord = Readonly<Record<string, unknown>>

export type RecordFormat = 'ndjson' | 'csv'

/**
 * The value at a field path: `Email`, or `Contact.Email` through a relationship object.
 * A missing step or a null relationship gives null. Salesforce returns field names in
 * their canonical case; a case-insensitive match is the fallback for anything else.
 */
export function fieldValue(record: SalesforceRecord | null | undefined, path: string): unknown {
  let current: unknown = record
  for (const step of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return null
    const object = current as Record<string, unknown>
    if (Object.hasOwn(object, step)) {
      current = object[step]
    } else {
      const lower = step.toLowerCase()
      const key = Object.keys(object).find((k) => k.toLowerCase() === lower)
      current = key === undefined ? undefined : object[key]
    }
  }
  return current === undefined ? null : withoutAttributes(current)
}

/** Drops Salesforce's `attributes` (type and URL) from nested objects such as addresses. */
function withoutAttributes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutAttributes)
  if (typeof value !== 'object' || value === null) return value
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) {
    if (key !== 'attributes') out[key] = withoutAttributes(inner)
  }
  return out
}

/** One NDJSON line: the requested fields, in order, keyed by their path; ends with "\n". */
export function toNdjsonLine(record: SalesforceRecord, fields: readonly string[]): string {
  // Written pair by pair rather than through an object: the order is exactly the one asked
  // (an object would move integer-like keys first) and "__proto__" is just another key.
  const pairs = fields.map((field) => `${JSON.stringify(field)}:${JSON.stringify(fieldValue(record, field)) ?? 'null'}`)
  return `{${pairs.join(',')}}\n`
}

/** Text that a spreadsheet would read as a formula (OWASP: = + - @ tab CR at the start). */
const FORMULA_START = /^[=+\-@\t\r]/

/** A text cell that cannot run as a spreadsheet formula: a leading `'` when it would. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text
}

/**
 * One CSV cell: text cells neutralised against formulas, then RFC 4180 quoting of a field
 * containing a comma, a quote, CR or LF (quotes doubled).
 */
export function csvField(value: unknown): string {
  let text: string
  if (value === null || value === undefined) text = ''
  else if (typeof value === 'string') text = neutraliseFormula(value)
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value)
  else text = neutraliseFormula(JSON.stringify(value) ?? '') // compound values (address, location) keep their structure
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** The header line: the field paths as requested, CRLF-terminated. */
export function csvHeader(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`
}

/** One data line; null and missing values are empty fields. */
export function csvRow(record: SalesforceRecord, fields: readonly string[]): string {
  return `${fields.map((field) => csvField(fieldValue(record, field))).join(',')}\r\n`
}

/** One NDJSON line from values already taken out of a record, in the order of `fields`. */
function ndjsonFromValues(keys: readonly string[], values: readonly unknown[]): string {
  let line = '{'
  for (let i = 0; i < keys.length; i++) line += `${i > 0 ? ',' : ''}${keys[i]}${JSON.stringify(values[i]) ?? 'null'}`
  return `${line}}\n`
}

/** One CSV data line from values already taken out of a record. */
function csvFromValues(values: readonly unknown[]): string {
  let line = ''
  for (let i = 0; i < values.length; i++) line += `${i > 0 ? ',' : ''}${csvField(values[i])}`
  return `${line}\r\n`
}

/**
 * What a pull route needs for either format: content type, text before the rows, and each
 * row, from a REST record (`row`) or from its values in the order of `fields` (`values`, what
 * a Bulk API result line gives). Both end in the same writer, so either source gives the same bytes.
 * `headerNames` replaces the CSV header's field paths (e.g. with Salesforce's labels).
 */
export function recordFormatter(
  format: RecordFormat,
  fields: readonly string[],
  headerNames?: readonly string[],
): {
  contentType: string
  header: string
  row: (record: SalesforceRecord) => string
  values: (values: readonly unknown[]) => string
} {
  const valuesOf = (record: SalesforceRecord): unknown[] => fields.map((field) => fieldValue(record, field))
  if (format === 'csv') {
    return {
      contentType: 'text/csv; charset=utf-8',
      header: csvHeader(headerNames ?? fields),
      row: (record) => csvFromValues(valuesOf(record)),
      values: csvFromValues,
    }
  }
  // Keys written pair by pair (see toNdjsonLine): order kept, "__proto__" just another key.
  const keys = fields.map((field) => `${JSON.stringify(field)}:`)
  return {
    contentType: 'application/x-ndjson; charset=utf-8',
    header: '',
    row: (record) => ndjsonFromValues(keys, valuesOf(record)),
    values: (values) => ndjsonFromValues(keys, values),
  }
}

const BULK_NUMBER_TYPES = new Set(['int', 'double', 'currency', 'percent', 'long'])

/**
 * Turns a Bulk API 2.0 CSV cell back into the value the REST API gives for a field of this
 * describe type, so a pull reads the same whichever API served it: the empty cell is null
 * (Salesforce stores no empty text), booleans and numbers are typed again, and datetimes get
 * REST's `+0000` instead of the Bulk API's `Z`. Dates, times, IDs and text are text in both.
 */
export function bulkCellConverter(type: string): (text: string) => unknown {
  if (type === 'boolean') return (text) => (text === '' ? null : text === 'true')
  if (BULK_NUMBER_TYPES.has(type)) {
    return (text) => {
      if (text === '') return null
      const n = Number(text)
      return Number.isFinite(n) ? n : text
    }
  }
  if (type === 'datetime')
    return (text) => (text === '' ? null : text.endsWith('Z') ? `${text.slice(0, -1)}+0000` : text)
  return (text) => (text === '' ? null : text)
}
