// Binds a parsed SOQL query to the schema (INVALID_FIELD / INVALID_TYPE like Salesforce),
// compiles the WHERE clause to a predicate once, and runs it as one linear scan.
import { isValidId } from '../ids.js'
import { recordUrl } from '../records.js'
import type { FieldDef, FieldValue, RecordResolver, SObjectDef, SRecord } from '../schema.js'
import { findSObject, readField, toWireValue } from '../schema.js'
import { SoqlError, soqlError } from './errors.js'
import type { Condition, FieldRef, Literal, SoqlQuery } from './parser.js'

type Getter = (record: SRecord) => FieldValue
type Predicate = (record: SRecord) => boolean

interface Column {
  field: FieldDef
  get: Getter
  /** Set for parent relationship paths such as Contact.Email. */
  relationship?: { name: string; via: FieldDef; target: SObjectDef }
}

export interface CompiledQuery {
  sobject: SObjectDef
  count: boolean
  columns: Column[]
  predicate: Predicate | null
  sortKeys: SortKey[]
  limit: number | null
  offset: number | null
}

type ValueKind = 'text' | 'id' | 'boolean' | 'number' | 'date' | 'datetime'

const DAY = 86_400_000

function kindOf(field: FieldDef): ValueKind {
  switch (field.type) {
    case 'id':
    case 'reference':
      return 'id'
    case 'boolean':
      return 'boolean'
    case 'double':
      return 'number'
    case 'date':
      return 'date'
    case 'datetime':
      return 'datetime'
    default:
      return 'text'
  }
}

const NO_SUCH_COLUMN = (name: string, entity: string) =>
  `No such column '${name}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`

function resolveColumn(query: SoqlQuery, sobject: SObjectDef, ref: FieldRef, resolve: RecordResolver): Column {
  let parts = ref.path.split('.')
  if (parts.length === 2 && parts[0].toLowerCase() === sobject.name.toLowerCase()) parts = [parts[1]]
  if (parts.length === 1) {
    const field = sobject.fieldMap.get(parts[0].toLowerCase())
    if (!field) throw soqlError(query.soql, ref.pos, NO_SUCH_COLUMN(parts[0], sobject.name), 'INVALID_FIELD')
    const name = field.name
    const get: Getter = field.compute
      ? (r) => readField(r, field, resolve)
      : (r) => (r[name] === undefined ? null : r[name])
    return { field, get }
  }
  const via =
    parts.length === 2
      ? sobject.fields.find((f) => f.relationshipName?.toLowerCase() === parts[0].toLowerCase())
      : undefined
  const target = via?.referenceTo ? findSObject(via.referenceTo[0]) : undefined
  if (!via || !target) {
    throw soqlError(
      query.soql,
      ref.pos,
      `Didn't understand relationship '${parts.slice(0, -1).join('.')}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
      'INVALID_FIELD',
    )
  }
  const field = target.fieldMap.get(parts[1].toLowerCase())
  if (!field) throw soqlError(query.soql, ref.pos, NO_SUCH_COLUMN(parts[1], target.name), 'INVALID_FIELD')
  const get: Getter = (r) => {
    const id = readField(r, via, resolve)
    const parent = typeof id === 'string' ? resolve(id) : undefined
    return parent ? readField(parent, field, resolve) : null
  }
  return { field, get, relationship: { name: via.relationshipName!, via, target } }
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY
}

/** [start, end) in epoch ms for TODAY, LAST_N_DAYS:n and friends (user time zone: UTC). */
function dateLiteralRange(literal: Extract<Literal, { kind: 'dateLiteral' }>, now: number): [number, number] {
  const today = startOfUtcDay(now)
  const n = literal.n ?? 0
  switch (literal.name) {
    case 'YESTERDAY':
      return [today - DAY, today]
    case 'TOMORROW':
      return [today + DAY, today + 2 * DAY]
    case 'LAST_N_DAYS':
      return [today - n * DAY, today + DAY]
    case 'NEXT_N_DAYS':
      return [today + DAY, today + (n + 1) * DAY]
    default:
      return [today, today + DAY]
  }
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

class Compiler {
  constructor(
    private readonly query: SoqlQuery,
    private readonly sobject: SObjectDef,
    private readonly resolve: RecordResolver,
    private readonly now: number,
  ) {}

  column(ref: FieldRef): Column {
    return resolveColumn(this.query, this.sobject, ref, this.resolve)
  }

  private typeError(column: Column, literal: Literal): SoqlError {
    const kind = kindOf(column.field)
    const typeName = {
      text: 'string',
      id: 'id',
      boolean: 'boolean',
      number: 'double',
      date: 'date',
      datetime: 'dateTime',
    }[kind]
    const quoting =
      kind === 'text' || kind === 'id' ? 'should be enclosed in quotes' : 'should not be enclosed in quotes'
    return soqlError(
      this.query.soql,
      literal.pos,
      `value of filter criterion for field '${column.field.name}' must be of type ${typeName} and ${quoting}`,
      'INVALID_FIELD',
    )
  }

  /** A comparable form of the literal for this column's type, or a range for date literals. */
  private operand(
    column: Column,
    literal: Literal,
  ): { value: string | number | boolean } | { range: [string | number, string | number] } {
    const kind = kindOf(column.field)
    switch (kind) {
      case 'text':
        if (literal.kind !== 'string') throw this.typeError(column, literal)
        return { value: literal.value.toLowerCase() }
      case 'id':
        if (literal.kind !== 'string') throw this.typeError(column, literal)
        if (!isValidId(literal.value)) {
          throw soqlError(
            this.query.soql,
            literal.pos,
            `invalid ID field: ${literal.value}`,
            'INVALID_QUERY_FILTER_OPERATOR',
          )
        }
        return { value: literal.value.slice(0, 15) }
      case 'boolean':
        if (literal.kind !== 'boolean') throw this.typeError(column, literal)
        return { value: literal.value }
      case 'number':
        if (literal.kind !== 'number') throw this.typeError(column, literal)
        return { value: literal.value }
      case 'date':
        if (literal.kind === 'date') return { value: literal.value }
        if (literal.kind === 'dateLiteral') {
          const [s, e] = dateLiteralRange(literal, this.now)
          return { range: [isoDate(s), isoDate(e)] }
        }
        throw this.typeError(column, literal)
      case 'datetime':
        if (literal.kind === 'datetime') return { value: literal.value }
        if (literal.kind === 'dateLiteral') return { range: dateLiteralRange(literal, this.now) }
        throw this.typeError(column, literal)
    }
  }

  /** The stored value in comparable form (lower-cased text, 15-character IDs). */
  private comparable(column: Column): (r: SRecord) => string | number | boolean | null {
    const get = column.get
    switch (kindOf(column.field)) {
      case 'text':
        return (r) => {
          const v = get(r)
          return typeof v === 'string' ? v.toLowerCase() : v
        }
      case 'id':
        return (r) => {
          const v = get(r)
          return typeof v === 'string' ? v.slice(0, 15) : v
        }
      default:
        return get
    }
  }

  compile(condition: Condition): Predicate {
    switch (condition.kind) {
      case 'and': {
        const parts = condition.items.map((c) => this.compile(c))
        return (r) => parts.every((p) => p(r))
      }
      case 'or': {
        const parts = condition.items.map((c) => this.compile(c))
        return (r) => parts.some((p) => p(r))
      }
      case 'not': {
        const inner = this.compile(condition.item)
        return (r) => !inner(r)
      }
      case 'like':
        return this.like(condition.field, condition.value)
      case 'in':
        return this.in(condition.field, condition.values, condition.negate)
      case 'compare':
        return this.compare(condition.field, condition.op, condition.value)
    }
  }

  private filterable(ref: FieldRef): Column {
    const column = this.column(ref)
    if (!column.field.filterable) {
      throw soqlError(
        this.query.soql,
        ref.pos,
        `field '${column.field.name}' can not be filtered in query call`,
        'INVALID_FIELD',
      )
    }
    return column
  }

  private compare(ref: FieldRef, op: string, literal: Literal): Predicate {
    const column = this.filterable(ref)
    const value = this.comparable(column)
    if (literal.kind === 'null') {
      if (op === '=') return (r) => value(r) === null
      if (op === '!=') return (r) => value(r) !== null
      throw soqlError(this.query.soql, literal.pos, `invalid operator on null: ${op}`, 'INVALID_QUERY_FILTER_OPERATOR')
    }
    const operand = this.operand(column, literal)
    if (kindOf(column.field) === 'boolean' && op !== '=' && op !== '!=') {
      throw soqlError(
        this.query.soql,
        literal.pos,
        `invalid operator on boolean field: ${op}`,
        'INVALID_QUERY_FILTER_OPERATOR',
      )
    }
    if ('range' in operand) {
      const [s, e] = operand.range
      const within = (v: string | number | boolean | null) => v !== null && v >= s && v < e
      switch (op) {
        case '=':
          return (r) => within(value(r))
        case '!=':
          return (r) => !within(value(r))
        case '<':
          return (r) => {
            const v = value(r)
            return v !== null && v < s
          }
        case '<=':
          return (r) => {
            const v = value(r)
            return v !== null && v < e
          }
        case '>':
          return (r) => {
            const v = value(r)
            return v !== null && v >= e
          }
        default:
          return (r) => {
            const v = value(r)
            return v !== null && v >= s
          }
      }
    }
    const x = operand.value
    switch (op) {
      case '=':
        return (r) => value(r) === x
      case '!=':
        return (r) => value(r) !== x
      case '<':
        return (r) => {
          const v = value(r)
          return v !== null && v < x
        }
      case '<=':
        return (r) => {
          const v = value(r)
          return v !== null && v <= x
        }
      case '>':
        return (r) => {
          const v = value(r)
          return v !== null && v > x
        }
      default:
        return (r) => {
          const v = value(r)
          return v !== null && v >= x
        }
    }
  }

  private like(ref: FieldRef, literal: Literal): Predicate {
    const column = this.filterable(ref)
    if (kindOf(column.field) !== 'text') {
      throw soqlError(
        this.query.soql,
        ref.pos,
        `invalid operator on ${column.field.type} field: LIKE`,
        'INVALID_QUERY_FILTER_OPERATOR',
      )
    }
    if (literal.kind !== 'string') throw this.typeError(column, literal)
    const regex = new RegExp(`^${literal.likeSource}$`, 'is')
    const get = column.get
    return (r) => {
      const v = get(r)
      return typeof v === 'string' && regex.test(v)
    }
  }

  private in(ref: FieldRef, literals: Literal[], negate: boolean): Predicate {
    const column = this.filterable(ref)
    const value = this.comparable(column)
    const set = new Set<string | number | boolean | null>()
    for (const literal of literals) {
      if (literal.kind === 'null') {
        set.add(null)
        continue
      }
      const operand = this.operand(column, literal)
      if ('range' in operand) {
        throw soqlError(
          this.query.soql,
          literal.pos,
          'Date literals with a range cannot be used in IN',
          'MALFORMED_QUERY',
        )
      }
      set.add(operand.value)
    }
    return negate ? (r) => !set.has(value(r)) : (r) => set.has(value(r))
  }

  sortKeys(): SortKey[] {
    return this.query.orderBy.map((item) => {
      const column = this.column(item.field)
      if (!column.field.sortable) {
        throw soqlError(
          this.query.soql,
          item.field.pos,
          `field '${column.field.name}' can not be sorted in a query call`,
          'INVALID_FIELD',
        )
      }
      return { value: this.comparable(column), descending: item.descending, nullsLast: item.nullsLast }
    })
  }
}

interface SortKey {
  value: (r: SRecord) => string | number | boolean | null
  descending: boolean
  nullsLast: boolean
}

/** Sorts by precomputed keys (each key read once per record, not once per comparison). */
function sortRecords(records: SRecord[], keys: SortKey[]): SRecord[] {
  const rows = records.map((record) => ({ record, values: keys.map((k) => k.value(record)) }))
  rows.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const x = a.values[i]
      const y = b.values[i]
      if (x === y) continue
      const key = keys[i]
      if (x === null) return key.nullsLast ? 1 : -1
      if (y === null) return key.nullsLast ? -1 : 1
      const order = x < y ? -1 : 1
      return key.descending ? -order : order
    }
    return 0
  })
  return rows.map((r) => r.record)
}

export function compileQuery(query: SoqlQuery, resolve: RecordResolver, now: number): CompiledQuery {
  const sobject = findSObject(query.object.name)
  if (!sobject) {
    throw soqlError(
      query.soql,
      query.object.pos,
      `sObject type '${query.object.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      'INVALID_TYPE',
    )
  }
  const compiler = new Compiler(query, sobject, resolve, now)
  const columns: Column[] = []
  const seen = new Set<string>()
  for (const ref of query.fields) {
    const column = compiler.column(ref)
    const key = `${column.relationship?.name ?? ''}.${column.field.name}`.toLowerCase()
    if (seen.has(key)) throw soqlError(query.soql, ref.pos, `duplicate field selected: ${ref.path}`)
    seen.add(key)
    columns.push(column)
  }
  return {
    sobject,
    count: query.count,
    columns,
    predicate: query.where ? compiler.compile(query.where) : null,
    sortKeys: compiler.sortKeys(),
    limit: query.limit,
    offset: query.offset,
  }
}

/** Matching records, in order, after OFFSET and LIMIT. Deleted records only for queryAll. */
export function runQuery(compiled: CompiledQuery, rows: readonly SRecord[], includeDeleted: boolean): SRecord[] {
  const { predicate } = compiled
  let matched: SRecord[] = []
  for (const r of rows) {
    if (!includeDeleted && r.IsDeleted === true) continue
    if (predicate === null || predicate(r)) matched.push(r)
  }
  if (compiled.sortKeys.length > 0) matched = sortRecords(matched, compiled.sortKeys)
  const start = compiled.offset ?? 0
  return compiled.limit === null
    ? start > 0
      ? matched.slice(start)
      : matched
    : matched.slice(start, start + compiled.limit)
}

/** Turns a stored record into the query result's JSON (attributes, then the selected fields). */
export function projector(
  compiled: CompiledQuery,
  version: string,
  resolve: RecordResolver,
): (record: SRecord) => Record<string, unknown> {
  const type = compiled.sobject.name
  return (record) => {
    const out: Record<string, unknown> = { attributes: { type, url: recordUrl(version, type, record.Id) } }
    for (const column of compiled.columns) {
      if (!column.relationship) {
        out[column.field.name] = toWireValue(column.field, column.get(record))
        continue
      }
      const { name, via, target } = column.relationship
      const parentId = readField(record, via, resolve)
      const parent = typeof parentId === 'string' ? resolve(parentId) : undefined
      if (!parent) {
        if (!(name in out)) out[name] = null
        continue
      }
      const nested = (out[name] as Record<string, unknown> | null) ?? {
        attributes: { type: target.name, url: recordUrl(version, target.name, parent.Id) },
      }
      nested[column.field.name] = toWireValue(column.field, readField(parent, column.field, resolve))
      out[name] = nested
    }
    return out
  }
}
