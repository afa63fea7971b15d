/**
 * The one SOQL builder (docs/spec.md §2): turns a connection's structured definition into SOQL.
 *
 * Why this is safe against injection: identifiers in the output only ever come from the
 * object's describe (matched case-insensitively, emitted in their canonical spelling) or
 * from constants in this file, and every user value is rendered by type — strings quoted
 * and escaped, numbers/dates/booleans checked against a strict shape. User filters are
 * grouped in parentheses and the fixed conditions (opt-out, email) ANDed outside, so an
 * OR typed by a user can never widen the query.
 *
 * Pure and deterministic (same input, same text). Hand-written: jsforce's query builder
 * quotes values but does not check fields against a describe or type values.
 */

export type SoqlBuildErrorCode =
  'INVALID_FIELD' | 'INVALID_OPERATOR' | 'INVALID_VALUE' | 'INVALID_SOBJECT' | 'TOO_MANY_FILTERS'

import {
  FILTER_OPERATORS,
  MAX_FILTERS,
  MAX_IN_VALUES,
  MAX_STRING_LENGTH,
  SUPPORTED_SOBJECTS,
  type FilterOperator,
  type SupportedSObject,
} from '../contract/soql-limits.js'

export { FILTER_OPERATORS, MAX_FILTERS, MAX_IN_VALUES, MAX_STRING_LENGTH, SUPPORTED_SOBJECTS }
export type { FilterOperator, SupportedSObject }

export class SoqlBuildError extends Error {
  override readonly name = 'SoqlBuildError'
  constructor(
    readonly code: SoqlBuildErrorCode,
    message: string,
    /** The field concerned, as the definition spelled it, when there is one. */
    readonly field?: string,
    /** Which rule refused it, when finer than `code`: `UNKNOWN_FIELD`, `NOT_FILTERABLE`. */
    readonly rule?: 'UNKNOWN_FIELD' | 'NOT_FILTERABLE',
  ) {
    super(message)
  }
}

const TEXT_OPERATORS: readonly FilterOperator[] = [
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'contains',
  'startsWith',
  'in',
  'notIn',
  'isEmpty',
  'isNotEmpty',
]
const ORDERED_OPERATORS: readonly FilterOperator[] = [
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'in',
  'notIn',
  'isEmpty',
  'isNotEmpty',
]
const DATE_OPERATORS: readonly FilterOperator[] = ['=', '!=', '<', '<=', '>', '>=', 'isEmpty', 'isNotEmpty']

/**
 * The operators each describe type accepts: the one rule the editor offers and save and
 * preview enforce. A type that is not listed cannot be filtered on.
 */
export const OPERATORS_BY_TYPE: Readonly<Record<string, readonly FilterOperator[]>> = {
  string: TEXT_OPERATORS,
  email: TEXT_OPERATORS,
  phone: TEXT_OPERATORS,
  url: TEXT_OPERATORS,
  textarea: TEXT_OPERATORS,
  combobox: TEXT_OPERATORS,
  encryptedstring: ['=', '!=', 'in', 'notIn', 'isEmpty', 'isNotEmpty'],
  picklist: TEXT_OPERATORS,
  multipicklist: ['=', '!=', 'includes', 'excludes', 'isEmpty', 'isNotEmpty'],
  boolean: ['=', '!=', 'isEmpty', 'isNotEmpty'],
  int: ORDERED_OPERATORS,
  long: ORDERED_OPERATORS,
  double: ORDERED_OPERATORS,
  currency: ORDERED_OPERATORS,
  percent: ORDERED_OPERATORS,
  date: DATE_OPERATORS,
  datetime: DATE_OPERATORS,
  id: ['=', '!=', 'in', 'notIn', 'isEmpty', 'isNotEmpty'],
  reference: ['=', '!=', 'in', 'notIn', 'isEmpty', 'isNotEmpty'],
}

/** Relative date literals without a number (SOQL's own spelling). */
export const DATE_LITERALS = [
  'YESTERDAY',
  'TODAY',
  'TOMORROW',
  'LAST_WEEK',
  'THIS_WEEK',
  'NEXT_WEEK',
  'LAST_MONTH',
  'THIS_MONTH',
  'NEXT_MONTH',
  'LAST_90_DAYS',
  'NEXT_90_DAYS',
  'LAST_QUARTER',
  'THIS_QUARTER',
  'NEXT_QUARTER',
  'LAST_YEAR',
  'THIS_YEAR',
  'NEXT_YEAR',
] as const
/** Relative date literals that take a number: `LAST_N_DAYS:30`. */
export const DATE_N_LITERALS = [
  'LAST_N_DAYS',
  'NEXT_N_DAYS',
  'N_DAYS_AGO',
  'LAST_N_WEEKS',
  'NEXT_N_WEEKS',
  'N_WEEKS_AGO',
  'LAST_N_MONTHS',
  'NEXT_N_MONTHS',
  'N_MONTHS_AGO',
  'LAST_N_QUARTERS',
  'NEXT_N_QUARTERS',
  'LAST_N_YEARS',
  'NEXT_N_YEARS',
  'N_YEARS_AGO',
] as const
/** The largest n this builder sends in `LAST_N_DAYS:n` and its kind. */
export const MAX_DATE_N = 1000

/** `TODAY`, `LAST_N_DAYS:30`, … in canonical spelling when `value` is one, else null. */
export function dateLiteral(value: unknown): string | null {
  if (typeof value !== 'string') return null
  const text = value.trim().toUpperCase()
  if ((DATE_LITERALS as readonly string[]).includes(text)) return text
  const match = /^([A-Z_]+):(\d{1,4})$/.exec(text)
  if (!match || !(DATE_N_LITERALS as readonly string[]).includes(match[1]!)) return null
  const n = Number(match[2])
  return n >= 1 && n <= MAX_DATE_N ? `${match[1]}:${n}` : null
}

export interface ConnectionFilter {
  field: string
  operator: FilterOperator
  /** A scalar, an array for in/notIn, absent for isEmpty/isNotEmpty (ignored there). */
  value?: unknown
}

export interface ConnectionDefinition {
  sobject: string
  fields: readonly string[]
  filters: readonly ConnectionFilter[]
  logic?: 'AND' | 'OR'
  /** Default true (api-contract): opted-out people are never fetched unless asked. */
  excludeOptedOut?: boolean
  requireEmail?: boolean
}

export interface DescribeField {
  name: string
  type: string
  filterable: boolean
  picklistValues?: readonly string[]
}

export interface SObjectDescribe {
  name: string
  fields: readonly DescribeField[]
}

declare const soqlFragmentBrand: unique symbol
/** A WHERE condition made by this module (so safe to splice); a plain string is not one. */
export type SoqlFragment = string & { readonly [soqlFragmentBrand]: true }

export interface BuildSoqlOptions {
  /** Appends `LIMIT n` (positive integer). */
  limit?: number
  /** `SELECT COUNT()` instead of the field list. */
  count?: boolean
  /** More conditions ANDed outside the user's group, e.g. from `buildEmailInClauses`. */
  extraWhere?: readonly SoqlFragment[]
}

const STRING_TYPES = new Set([
  'string',
  'email',
  'phone',
  'url',
  'textarea',
  'picklist',
  'multipicklist',
  'combobox',
  'encryptedstring',
])
const ID_TYPES = new Set(['id', 'reference'])
const NUMBER_TYPES = new Set(['int', 'double', 'currency', 'percent', 'long'])
/** Types LIKE works on (not multi-select picklists, not IDs). */
const LIKE_TYPES = new Set(['string', 'email', 'phone', 'url', 'textarea', 'picklist', 'combobox'])
const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/
/** Canonical names from a describe must still look like identifiers (defence in depth). */
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*$/

/** Shows a user-typed name in a message without letting it run on. */
function quoteName(name: unknown): string {
  const text = typeof name === 'string' ? name : String(name)
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)
}

const SOQL_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\f': '\\f',
  '\b': '\\b',
}

/**
 * Escapes text for a SOQL string literal (the caller adds the quotes). With `like`, `%`
 * and `_` are escaped too so they match literally. Throws INVALID_VALUE for characters
 * SOQL has no escape for (other control characters) and for lone UTF-16 surrogates,
 * which cannot survive the trip to Salesforce as the same text.
 */
export function escapeSoqlString(value: string, options: { like?: boolean } = {}): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0007\u000B\u000E-\u001F\u007F]/.test(value)) {
    throw new SoqlBuildError('INVALID_VALUE', 'Text contains a control character that SOQL cannot express')
  }
  // With the u flag a paired surrogate is one code point, so this matches lone halves only.
  if (/[\uD800-\uDFFF]/u.test(value)) {
    throw new SoqlBuildError('INVALID_VALUE', 'Text contains an invalid Unicode character')
  }
  const pattern = options.like ? /[\\'"\n\r\t\f\b%_]/g : /[\\'"\n\r\t\f\b]/g
  return value.replace(pattern, (c) => SOQL_ESCAPES[c] ?? `\\${c}`)
}

/** A finite number written out without an exponent (SOQL has no `1e21` literal). */
function plainNumber(n: number): string {
  if (Object.is(n, -0)) return '0'
  const text = String(n)
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text)
  if (!match) return text
  const [, sign, lead, fraction = '', exp] = match
  const digits = lead + fraction
  const point = 1 + Number(exp)
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

/** Salesforce stores dates from 1700-01-01 to 4000-12-31. */
function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1700 || year > 4000 || month < 1 || month > 12 || day < 1) return false
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
  return day <= daysInMonth
}

/**
 * Renders one value for a field of the given describe type, or throws INVALID_VALUE
 * (`field` only names the field in the message).
 */
export function formatSoqlValue(value: unknown, fieldType: string, field?: string): string {
  const bad = (expected: string): SoqlBuildError =>
    new SoqlBuildError(
      'INVALID_VALUE',
      `${field === undefined ? 'The value' : `Filter on ${quoteName(field)}`} needs ${expected}`,
      field,
    )
  const type = String(fieldType).toLowerCase()

  if (STRING_TYPES.has(type)) {
    if (typeof value !== 'string') throw bad('a text value')
    if (value.length > MAX_STRING_LENGTH) throw bad(`a text value of at most ${MAX_STRING_LENGTH} characters`)
    return `'${field === undefined ? escapeSoqlString(value) : escapeText(value, field, false)}'`
  }
  if (ID_TYPES.has(type)) {
    if (typeof value !== 'string' || !SALESFORCE_ID.test(value)) throw bad('a 15- or 18-character Salesforce ID')
    return `'${value}'`
  }
  if (type === 'boolean') {
    if (value === true || value === 'true') return 'true'
    if (value === false || value === 'false') return 'false'
    throw bad('true or false')
  }
  if (NUMBER_TYPES.has(type)) {
    const integer = type === 'int' || type === 'long'
    if (typeof value === 'number') {
      if (!Number.isFinite(value) || (integer && !Number.isInteger(value)))
        throw bad(integer ? 'a whole number' : 'a number')
      return plainNumber(value)
    }
    // Text is kept digit for digit: currency values must not pass through a float.
    const pattern = integer ? /^[+-]?\d{1,18}$/ : /^[+-]?\d{1,18}(?:\.\d{1,18})?$/
    if (typeof value !== 'string' || !pattern.test(value)) throw bad(integer ? 'a whole number' : 'a number')
    return value.replace(/^\+/, '')
  }
  if (type === 'date') {
    const match = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null
    if (!match || !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3])))
      throw bad('a date (YYYY-MM-DD)')
    return value as string
  }
  if (type === 'datetime') {
    const match =
      typeof value === 'string'
        ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/.exec(
            value,
          )
        : null
    if (!match) throw bad('a date and time (ISO 8601, with Z or an offset)')
    const [, y, mo, d, h, mi, s = '00', , sign, oh, om] = match
    const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number)
    const offsetOk = sign === undefined || (Number(oh) <= 23 && Number(om) <= 59)
    if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59 || !offsetOk) {
      throw bad('a date and time (ISO 8601, with Z or an offset)')
    }
    const offsetMinutes = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om))
    const utc = new Date(Date.UTC(year, month - 1, day, hour, minute - offsetMinutes, second))
    if (utc.getUTCFullYear() < 1700 || utc.getUTCFullYear() > 4000)
      throw bad('a date and time between the years 1700 and 4000')
    // SOQL datetime literals have second precision: fractions are dropped.
    return `${pad(utc.getUTCFullYear(), 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}T${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())}:${pad(utc.getUTCSeconds())}Z`
  }
  throw new SoqlBuildError(
    'INVALID_FIELD',
    `${field === undefined ? 'A field' : `Field ${quoteName(field)}`} has a type (${quoteName(fieldType)}) that cannot be filtered on`,
    field,
  )
}

/** escapeSoqlString with the field named in its error. */
function escapeText(value: string, field: string, like: boolean): string {
  try {
    return escapeSoqlString(value, { like })
  } catch (error) {
    if (error instanceof SoqlBuildError)
      throw new SoqlBuildError(error.code, `Filter on ${quoteName(field)}: ${error.message}`, field)
    throw error
  }
}

/** Index of a describe by lower-cased field name; the first spelling wins. */
function indexDescribe(describe: SObjectDescribe): Map<string, DescribeField> {
  const byName = new Map<string, DescribeField>()
  for (const field of describe.fields ?? []) {
    if (typeof field?.name !== 'string' || !IDENTIFIER.test(field.name)) continue
    const key = field.name.toLowerCase()
    if (!byName.has(key)) byName.set(key, field)
  }
  return byName
}

function lookupField(byName: Map<string, DescribeField>, name: unknown, sobject: string): DescribeField {
  const field = typeof name === 'string' ? byName.get(name.toLowerCase()) : undefined
  if (!field) {
    throw new SoqlBuildError(
      'INVALID_FIELD',
      `${sobject} has no field ${quoteName(name)}`,
      typeof name === 'string' ? name : undefined,
      'UNKNOWN_FIELD',
    )
  }
  return field
}

/** How an operator refusal names a type. */
const TYPE_NAMES: Record<string, string> = {
  boolean: 'true/false',
  multipicklist: 'multi-select picklist',
  picklist: 'picklist',
  date: 'date',
  datetime: 'date/time',
  reference: 'lookup',
  id: 'record ID',
  int: 'number',
  long: 'number',
  double: 'number',
  currency: 'currency',
  percent: 'percent',
}

/** The day after a `YYYY-MM-DD` (already checked to be a calendar date), same shape. */
function nextDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  const next = new Date(Date.UTC(y, m - 1, d + 1))
  return `${pad(next.getUTCFullYear(), 4)}-${pad(next.getUTCMonth() + 1)}-${pad(next.getUTCDate())}`
}

/** `field <op> day` for a datetime field, as a range of UTC instants. */
function dayRange(name: string, operator: string, day: string): SoqlFragment {
  const start = `${day}T00:00:00Z`
  const end = `${nextDay(day)}T00:00:00Z`
  const forms: Record<string, string> = {
    '=': `(${name} >= ${start} AND ${name} < ${end})`,
    '!=': `(${name} < ${start} OR ${name} >= ${end})`,
    '<': `${name} < ${start}`,
    '<=': `${name} < ${end}`,
    '>': `${name} >= ${end}`,
    '>=': `${name} >= ${start}`,
  }
  const form = forms[operator]
  if (!form) throw new SoqlBuildError('INVALID_OPERATOR', `Operator ${quoteName(operator)} needs a date and time`, name)
  if (end > '4000-12-31')
    throw new SoqlBuildError('INVALID_VALUE', `Filter on ${quoteName(name)} needs a date before 4000-12-31`, name)
  return form as SoqlFragment
}

/** One user filter as a SOQL condition, checked against the describe. */
export function buildCondition(filter: ConnectionFilter, describe: SObjectDescribe): SoqlFragment {
  return renderCondition(filter, indexDescribe(describe), describe.name)
}

function renderCondition(filter: ConnectionFilter, byName: Map<string, DescribeField>, sobject: string): SoqlFragment {
  if (typeof filter !== 'object' || filter === null)
    throw new SoqlBuildError('INVALID_VALUE', 'Each filter must be an object')
  const field = lookupField(byName, filter.field, sobject)
  const name = field.name
  const type = String(field.type).toLowerCase()
  const operator = filter.operator as string
  const refuse = (why: string): SoqlBuildError =>
    new SoqlBuildError('INVALID_OPERATOR', `Operator ${quoteName(operator)} ${why} (field ${quoteName(name)})`, name)

  if (!(FILTER_OPERATORS as readonly string[]).includes(operator)) throw refuse('is not supported')
  if (field.filterable !== true)
    throw new SoqlBuildError(
      'INVALID_FIELD',
      `Field ${quoteName(name)} cannot be used in a filter (Salesforce does not allow filtering on it)`,
      name,
      'NOT_FILTERABLE',
    )
  const allowed = OPERATORS_BY_TYPE[type]
  if (!allowed)
    throw new SoqlBuildError(
      'INVALID_FIELD',
      `Field ${quoteName(name)} has a type (${quoteName(field.type)}) that cannot be filtered on`,
      name,
    )
  if (!allowed.includes(operator as FilterOperator))
    throw refuse(`does not apply to a ${TYPE_NAMES[type] ?? type} field`)

  if (operator === 'isEmpty') return `${name} = null` as SoqlFragment
  if (operator === 'isNotEmpty') return `${name} != null` as SoqlFragment

  if (operator === 'includes' || operator === 'excludes') {
    const values = typeof filter.value === 'string' ? [filter.value] : filter.value
    if (!Array.isArray(values) || values.length === 0 || values.length > MAX_IN_VALUES) {
      throw new SoqlBuildError(
        'INVALID_VALUE',
        `Filter on ${quoteName(name)} needs a list of 1 to ${MAX_IN_VALUES} values`,
        name,
      )
    }
    const list = values.map((v) => formatSoqlValue(v, type, name)).join(', ')
    return `${name} ${operator === 'includes' ? 'INCLUDES' : 'EXCLUDES'} (${list})` as SoqlFragment
  }

  const special = filter.value as { relative?: unknown; day?: unknown } | null | undefined
  if (typeof special === 'object' && special !== null && !Array.isArray(special)) {
    if (type !== 'date' && type !== 'datetime')
      throw new SoqlBuildError('INVALID_VALUE', `Filter on ${quoteName(name)} needs a single value`, name)
    if ('relative' in special) {
      const literal = dateLiteral(special.relative)
      if (!literal || operator === 'in' || operator === 'notIn')
        throw new SoqlBuildError(
          'INVALID_VALUE',
          `Filter on ${quoteName(name)} needs a relative date such as TODAY, THIS_MONTH or LAST_N_DAYS:30 (n from 1 to ${MAX_DATE_N})`,
          name,
        )
      return `${name} ${operator} ${literal}` as SoqlFragment
    }
    if ('day' in special) {
      const day = formatSoqlValue(special.day, 'date', name)
      // A calendar day against a date-and-time field is the whole UTC day, as SOQL's date literals count days.
      return type === 'date' ? (`${name} ${operator} ${day}` as SoqlFragment) : dayRange(name, operator, day)
    }
    throw new SoqlBuildError('INVALID_VALUE', `Filter on ${quoteName(name)} needs {relative} or {day}`, name)
  }

  if (operator === 'contains' || operator === 'startsWith') {
    if (!LIKE_TYPES.has(type)) throw refuse('only applies to text fields')
    if (typeof filter.value !== 'string' || filter.value.length > MAX_STRING_LENGTH) {
      throw new SoqlBuildError(
        'INVALID_VALUE',
        `Filter on ${quoteName(name)} needs a text value of at most ${MAX_STRING_LENGTH} characters`,
        name,
      )
    }
    const body = escapeText(filter.value, name, true)
    return `${name} LIKE '${operator === 'contains' ? '%' : ''}${body}%'` as SoqlFragment
  }

  if (operator === 'in' || operator === 'notIn') {
    const values = filter.value
    if (!Array.isArray(values) || values.length === 0 || values.length > MAX_IN_VALUES) {
      throw new SoqlBuildError(
        'INVALID_VALUE',
        `Filter on ${quoteName(name)} needs a list of 1 to ${MAX_IN_VALUES} values`,
        name,
      )
    }
    const list = values.map((v) => formatSoqlValue(v, type, name)).join(', ')
    return `${name} ${operator === 'in' ? 'IN' : 'NOT IN'} (${list})` as SoqlFragment
  }

  if (Array.isArray(filter.value) || filter.value === null || filter.value === undefined) {
    throw new SoqlBuildError(
      'INVALID_VALUE',
      `Filter on ${quoteName(name)} needs a single value (use isEmpty for "no value")`,
      name,
    )
  }
  return `${name} ${operator} ${formatSoqlValue(filter.value, type, name)}` as SoqlFragment
}

/**
 * Builds the query for a connection: `SELECT Id, <fields> FROM <sobject>
 * WHERE (<user filters joined by logic>) AND HasOptedOutOfEmail = false AND Email != null
 * [AND (<extra>)…] [LIMIT n]`. Throws SoqlBuildError with a message naming the field.
 */
export function buildSoql(
  def: ConnectionDefinition,
  describe: SObjectDescribe,
  opts: BuildSoqlOptions = {},
): { soql: string } {
  const sobject = def?.sobject
  if (!(SUPPORTED_SOBJECTS as readonly string[]).includes(sobject)) {
    throw new SoqlBuildError(
      'INVALID_SOBJECT',
      `Object ${quoteName(sobject)} is not supported (use ${SUPPORTED_SOBJECTS.join(', ')})`,
    )
  }
  if (describe?.name !== sobject) {
    throw new SoqlBuildError(
      'INVALID_SOBJECT',
      `The describe given is for ${quoteName(describe?.name)}, not ${sobject}`,
    )
  }
  const byName = indexDescribe(describe)

  // Id first and always (pulls and previews key on it); then the fields in the order asked, once each.
  const selected = ['Id']
  const fields = def.fields ?? []
  if (!Array.isArray(fields)) throw new SoqlBuildError('INVALID_FIELD', 'Fields must be a list of field names')
  for (const requested of fields) {
    const name = lookupField(byName, requested, sobject).name
    if (!selected.some((s) => s.toLowerCase() === name.toLowerCase())) selected.push(name)
  }

  const filters = def.filters ?? []
  if (!Array.isArray(filters)) throw new SoqlBuildError('INVALID_VALUE', 'Filters must be a list')
  if (filters.length > MAX_FILTERS) {
    throw new SoqlBuildError(
      'TOO_MANY_FILTERS',
      `A connection can have at most ${MAX_FILTERS} filters (this one has ${filters.length})`,
    )
  }
  const logic = def.logic ?? 'AND'
  if (logic !== 'AND' && logic !== 'OR')
    throw new SoqlBuildError('INVALID_OPERATOR', `Filter logic must be AND or OR, not ${quoteName(logic)}`)

  const where: string[] = []
  if (filters.length > 0) where.push(`(${filters.map((f) => renderCondition(f, byName, sobject)).join(` ${logic} `)})`)
  // CampaignMember carries its own HasOptedOutOfEmail and Email, so the same names apply to all three.
  if (def.excludeOptedOut !== false) where.push('HasOptedOutOfEmail = false')
  if (def.requireEmail === true) where.push('Email != null')
  for (const extra of opts.extraWhere ?? []) where.push(`(${extra})`)

  let soql = `SELECT ${opts.count ? 'COUNT()' : selected.join(', ')} FROM ${sobject}`
  if (where.length > 0) soql += ` WHERE ${where.join(' AND ')}`
  if (opts.limit !== undefined) {
    if (!Number.isSafeInteger(opts.limit) || opts.limit < 1)
      throw new SoqlBuildError('INVALID_VALUE', 'LIMIT must be a positive whole number')
    soql += ` LIMIT ${opts.limit}`
  }
  return { soql }
}

/**
 * Splits emails into `Email IN ('a', 'b', …)` conditions so that `prefix` followed by any
 * one of them stays within `maxSoqlLength` characters (Salesforce caps a query's length).
 * Duplicates (compared case-insensitively, as SOQL compares them) are sent once.
 */
export function buildEmailInClauses(emails: readonly string[], maxSoqlLength: number, prefix = ''): SoqlFragment[] {
  const head = 'Email IN ('
  const budget = maxSoqlLength - prefix.length - head.length - 1 // 1 for ")"
  const clauses: SoqlFragment[] = []
  const seen = new Set<string>()
  let current: string[] = []
  let used = 0
  const flush = (): void => {
    if (current.length > 0) clauses.push(`${head}${current.join(', ')})` as SoqlFragment)
    current = []
    used = 0
  }
  for (const email of emails) {
    if (typeof email !== 'string') throw new SoqlBuildError('INVALID_VALUE', 'Every email must be text', 'Email')
    const key = email.toLowerCase()
    if (seen.has(key)) continue
    seen.add(key)
    const literal = `'${escapeText(email, 'Email', false)}'`
    if (literal.length > budget) {
      throw new SoqlBuildError(
        'INVALID_VALUE',
        `An email of ${email.length} characters cannot fit in a query of ${maxSoqlLength}`,
        'Email',
      )
    }
    const cost = literal.length + (current.length > 0 ? 2 : 0) // ", " between items
    if (used + cost > budget) flush()
    used += literal.length + (current.length > 0 ? 2 : 0)
    current.push(literal)
  }
  flush()
  return clauses
}
