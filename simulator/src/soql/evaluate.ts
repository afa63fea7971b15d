// Binds a parsed SOQL query to an org's schema (INVALID_FIELD / INVALID_TYPE like Salesforce),
// compiles the WHERE clause to a predicate once, and runs it as one linear scan.
import { isValidId } from '../ids.js'
import type { OrgSchema } from '../org-schema.js'
import { recordUrl } from '../records.js'
import type { FieldDef, FieldValue, RecordResolver, SObjectDef, SRecord } from '../schema.js'
import { readField, readWire } from '../schema.js'
import { dateLiteralRange, type DateLiteralContext } from './date-literals.js'
import { SoqlError, soqlError } from './errors.js'
import type { Condition, FieldRef, Literal, SoqlQuery } from './parser.js'

type Getter = (record: SRecord) => FieldValue
type Predicate = (record: SRecord) => boolean
type Comparable = string | number | boolean | null

/** One step of a parent relationship path (Contact → Account → Owner). */
export interface RelationshipLink {
  name: string
  via: FieldDef
}

export interface Column {
  field: FieldDef
  get: Getter
  /** The parent relationships walked to reach the field (empty for the object's own fields). */
  path: RelationshipLink[]
  /** Canonical dotted name, e.g. "Account.Owner.Email" (the Bulk API's CSV header). */
  name: string
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

export interface CompileContext {
  schema: OrgSchema
  resolve: RecordResolver
  now: number
  /** The querying user's locale (decides the first day of the week). */
  weekStart: 0 | 1
}

type ValueKind = 'text' | 'id' | 'boolean' | 'number' | 'date' | 'datetime' | 'multi' | 'address'

/** Salesforce refuses OFFSET above this. */
export const MAX_OFFSET = 2000
const MAX_RELATIONSHIP_DEPTH = 5

function kindOf(field: FieldDef): ValueKind {
  switch (field.type) {
    case 'id':
    case 'reference':
      return 'id'
    case 'boolean':
      return 'boolean'
    case 'double':
    case 'int':
    case 'currency':
    case 'percent':
      return 'number'
    case 'date':
      return 'date'
    case 'datetime':
      return 'datetime'
    case 'multipicklist':
      return 'multi'
    case 'address':
      return 'address'
    default:
      return 'text'
  }
}

/** The type name Salesforce's filter errors use for a field. */
function filterTypeName(field: FieldDef): string {
  switch (field.type) {
    case 'id':
    case 'reference':
      return 'id'
    case 'boolean':
      return 'boolean'
    case 'int':
      return 'integer'
    case 'double':
    case 'currency':
    case 'percent':
      return field.type
    case 'date':
      return 'date'
    case 'datetime':
      return 'dateTime'
    default:
      return 'string'
  }
}

const NO_SUCH_COLUMN = (name: string, entity: string) =>
  `No such column '${name}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`

const NO_RELATIONSHIP = (path: string) =>
  `Didn't understand relationship '${path}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`

/** A parent record, or undefined when the reference is empty or points at a deleted record. */
function parentOf(record: SRecord, via: FieldDef, resolve: RecordResolver): SRecord | undefined {
  const id = readField(record, via, resolve)
  if (typeof id !== 'string') return undefined
  const parent = resolve(id)
  return parent && parent.IsDeleted !== true ? parent : undefined
}

/** The target object of a reference field in this org (the first one modelled, for polymorphic ones). */
function targetOf(schema: OrgSchema, via: FieldDef): SObjectDef | undefined {
  for (const name of via.referenceTo ?? []) {
    const target = schema.find(name)
    if (target) return target
  }
  return undefined
}

export function resolveColumn(query: SoqlQuery, sobject: SObjectDef, ref: FieldRef, ctx: CompileContext): Column {
  const { schema, resolve } = ctx
  let parts = ref.path.split('.')
  if (parts.length > 1 && parts[0].toLowerCase() === sobject.name.toLowerCase()) parts = parts.slice(1)
  const path: RelationshipLink[] = []
  let current = sobject
  for (let i = 0; i < parts.length - 1; i++) {
    const via = current.fields.find(
      (f) => f.type === 'reference' && f.relationshipName?.toLowerCase() === parts[i].toLowerCase(),
    )
    const target = via ? targetOf(schema, via) : undefined
    if (!via || !target) {
      throw soqlError(query.soql, ref.pos, NO_RELATIONSHIP(parts.slice(0, i + 1).join('.')), 'INVALID_FIELD')
    }
    path.push({ name: via.relationshipName!, via })
    current = target
  }
  if (path.length > MAX_RELATIONSHIP_DEPTH) {
    throw soqlError(
      query.soql,
      ref.pos,
      'SOQL statements cannot query more than 5 levels of relationships',
      'MALFORMED_QUERY',
    )
  }
  const last = parts[parts.length - 1]
  const field = current.fieldMap.get(last.toLowerCase())
  if (!field) throw soqlError(query.soql, ref.pos, NO_SUCH_COLUMN(last, current.name), 'INVALID_FIELD')
  const name = [...path.map((l) => l.name), field.name].join('.')
  if (path.length === 0) {
    const key = field.name
    const get: Getter = field.compute ? (r) => readField(r, field, resolve) : (r) => r[key] ?? null
    return { field, get, path, name }
  }
  const get: Getter = (r) => {
    let cur: SRecord | undefined = r
    for (const link of path) {
      cur = parentOf(cur, link.via, resolve)
      if (!cur) return null
    }
    return readField(cur, field, resolve)
  }
  return { field, get, path, name }
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

function valueSet(text: string): Set<string> {
  return new Set(
    text
      .split(';')
      .map((v) => v.trim().toLowerCase())
      .filter(Boolean),
  )
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false
  for (const v of a) if (!b.has(v)) return false
  return true
}

function containsAll(whole: Set<string>, part: Set<string>): boolean {
  for (const v of part) if (!whole.has(v)) return false
  return true
}

class Compiler {
  private readonly dates: DateLiteralContext

  constructor(
    private readonly query: SoqlQuery,
    private readonly sobject: SObjectDef,
    private readonly ctx: CompileContext,
  ) {
    this.dates = { now: ctx.now, weekStart: ctx.weekStart }
  }

  column(ref: FieldRef): Column {
    return resolveColumn(this.query, this.sobject, ref, this.ctx)
  }

  private error(pos: number, detail: string, code: string): SoqlError {
    return soqlError(this.query.soql, pos, detail, code)
  }

  private typeError(column: Column, literal: Literal): SoqlError {
    const typeName = filterTypeName(column.field)
    const quoting =
      typeName === 'string' || typeName === 'id' ? 'should be enclosed in quotes' : 'should not be enclosed in quotes'
    return this.error(
      literal.pos,
      `value of filter criterion for field '${column.field.name}' must be of type ${typeName} and ${quoting}`,
      'INVALID_FIELD',
    )
  }

  private operatorError(pos: number, column: Column, op: string): SoqlError {
    return this.error(pos, `invalid operator on ${column.field.type} field: ${op}`, 'INVALID_QUERY_FILTER_OPERATOR')
  }

  /** A comparable form of the literal for this column's type, or a range for date literals. */
  private operand(column: Column, literal: Literal): { value: Comparable } | { range: [Comparable, Comparable] } {
    switch (kindOf(column.field)) {
      case 'text':
      case 'multi':
        if (literal.kind !== 'string') throw this.typeError(column, literal)
        return { value: literal.value.toLowerCase() }
      case 'id':
        if (literal.kind !== 'string') throw this.typeError(column, literal)
        if (!isValidId(literal.value)) {
          throw this.error(literal.pos, `invalid ID field: ${literal.value}`, 'INVALID_QUERY_FILTER_OPERATOR')
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
          const [s, e] = this.range(literal)
          return { range: [isoDate(s), isoDate(e)] }
        }
        throw this.typeError(column, literal)
      case 'datetime':
        if (literal.kind === 'datetime') return { value: literal.value }
        if (literal.kind === 'dateLiteral') return { range: this.range(literal) }
        throw this.typeError(column, literal)
      default:
        throw this.typeError(column, literal)
    }
  }

  private range(literal: Extract<Literal, { kind: 'dateLiteral' }>): [number, number] {
    const range = dateLiteralRange(literal.name, literal.n, this.dates)
    if (!range) throw this.error(literal.pos, `unexpected token: ${literal.name}`, 'MALFORMED_QUERY')
    return range
  }

  /** The stored value in comparable form (lower-cased text, 15-character IDs). */
  private comparable(column: Column): (r: SRecord) => Comparable {
    const get = column.get
    switch (kindOf(column.field)) {
      case 'text':
      case 'multi':
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
      case 'includes':
        return this.includes(condition.field, condition.values, condition.negate, condition.pos)
      case 'compare':
        return this.compare(condition.field, condition.op, condition.value)
    }
  }

  private filterable(ref: FieldRef): Column {
    const column = this.column(ref)
    if (!column.field.filterable) {
      throw this.error(ref.pos, `field '${column.field.name}' can not be filtered in a query call`, 'INVALID_FIELD')
    }
    return column
  }

  private compare(ref: FieldRef, op: string, literal: Literal): Predicate {
    const column = this.filterable(ref)
    const kind = kindOf(column.field)
    const value = this.comparable(column)
    if (literal.kind === 'null') {
      if (op === '=') return (r) => value(r) === null
      if (op === '!=') return (r) => value(r) !== null
      throw this.error(literal.pos, `invalid operator on null: ${op}`, 'INVALID_QUERY_FILTER_OPERATOR')
    }
    if ((kind === 'boolean' || kind === 'multi') && op !== '=' && op !== '!=') {
      throw kind === 'multi'
        ? this.error(literal.pos, 'invalid operator on multipicklist field', 'INVALID_QUERY_FILTER_OPERATOR')
        : this.error(literal.pos, `invalid operator on boolean field: ${op}`, 'INVALID_QUERY_FILTER_OPERATOR')
    }
    const operand = this.operand(column, literal)
    if (kind === 'multi' && 'value' in operand) {
      const wanted = valueSet(String(operand.value))
      const equal = (r: SRecord) => {
        const v = value(r)
        return typeof v === 'string' && sameSet(valueSet(v), wanted)
      }
      return op === '=' ? equal : (r) => !equal(r)
    }
    if ('range' in operand) {
      const [s, e] = operand.range as [string | number, string | number]
      const within = (v: Comparable) => v !== null && v >= s && v < e
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
    const x = operand.value as string | number | boolean
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
    const kind = kindOf(column.field)
    if (kind === 'multi') {
      throw this.error(ref.pos, 'invalid operator on multipicklist field', 'INVALID_QUERY_FILTER_OPERATOR')
    }
    if (kind !== 'text') throw this.operatorError(ref.pos, column, 'LIKE')
    if (literal.kind !== 'string') throw this.typeError(column, literal)
    const regex = new RegExp(`^${literal.likeSource}$`, 'is')
    const get = column.get
    return (r) => {
      const v = get(r)
      return typeof v === 'string' && regex.test(v)
    }
  }

  private includes(ref: FieldRef, literals: Literal[], negate: boolean, pos: number): Predicate {
    const column = this.filterable(ref)
    if (kindOf(column.field) !== 'multi') {
      throw this.error(
        pos,
        'includes or excludes operator only valid on multipicklist field',
        'INVALID_QUERY_FILTER_OPERATOR',
      )
    }
    const wanted = literals.map((literal) => {
      const operand = this.operand(column, literal)
      return valueSet(String('value' in operand ? operand.value : ''))
    })
    const value = this.comparable(column)
    const matches = (r: SRecord) => {
      const v = value(r)
      if (typeof v !== 'string') return false
      const have = valueSet(v)
      return wanted.some((w) => containsAll(have, w))
    }
    return negate ? (r) => !matches(r) : matches
  }

  private in(ref: FieldRef, literals: Literal[], negate: boolean): Predicate {
    const column = this.filterable(ref)
    const value = this.comparable(column)
    const set = new Set<Comparable>()
    for (const literal of literals) {
      if (literal.kind === 'null') {
        set.add(null)
        continue
      }
      const operand = this.operand(column, literal)
      if ('range' in operand) {
        throw this.error(literal.pos, 'Date literals with a range cannot be used in IN', 'MALFORMED_QUERY')
      }
      set.add(operand.value)
    }
    return negate ? (r) => !set.has(value(r)) : (r) => set.has(value(r))
  }

  sortKeys(): SortKey[] {
    return this.query.orderBy.map((item) => {
      const column = this.column(item.field)
      if (!column.field.sortable) {
        throw this.error(
          item.field.pos,
          `field '${column.field.name}' can not be sorted in a query call`,
          'INVALID_FIELD',
        )
      }
      return { value: this.comparable(column), descending: item.descending, nullsLast: item.nullsLast }
    })
  }
}

export interface SortKey {
  value: (r: SRecord) => Comparable
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

export function compileQuery(query: SoqlQuery, ctx: CompileContext): CompiledQuery {
  const sobject = ctx.schema.find(query.object.name)
  if (!sobject) {
    throw soqlError(
      query.soql,
      query.object.pos,
      `sObject type '${query.object.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      'INVALID_TYPE',
    )
  }
  const compiler = new Compiler(query, sobject, ctx)
  const columns: Column[] = []
  const seen = new Set<string>()
  for (const ref of query.fields) {
    const column = compiler.column(ref)
    const key = column.name.toLowerCase()
    if (seen.has(key)) throw soqlError(query.soql, ref.pos, `duplicate field selected: ${ref.path}`)
    seen.add(key)
    columns.push(column)
  }
  const compiled: CompiledQuery = {
    sobject,
    count: query.count,
    columns,
    predicate: query.where ? compiler.compile(query.where) : null,
    sortKeys: compiler.sortKeys(),
    limit: query.limit,
    offset: query.offset,
  }
  if (query.offset !== null && query.offset > MAX_OFFSET) {
    throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is ${MAX_OFFSET}`)
  }
  return compiled
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

/** Turns a stored record into the query result's JSON (attributes, then the selected fields, parents nested). */
export function projector(
  compiled: CompiledQuery,
  version: string,
  schema: OrgSchema,
  resolve: RecordResolver,
): (record: SRecord) => Record<string, unknown> {
  const type = compiled.sobject.name
  const attributes = (t: string, id: string) => ({ type: t, url: recordUrl(version, t, id) })
  return (record) => {
    const out: Record<string, unknown> = { attributes: attributes(type, record.Id) }
    for (const column of compiled.columns) {
      let container = out
      let current: SRecord | undefined = record
      for (const link of column.path) {
        const parent: SRecord | undefined = parentOf(current, link.via, resolve)
        if (!parent) {
          if (!(link.name in container)) container[link.name] = null
          current = undefined
          break
        }
        let nested = container[link.name] as Record<string, unknown> | null | undefined
        if (!nested) {
          nested = { attributes: attributes(schema.forId(parent.Id)?.name ?? link.via.referenceTo![0], parent.Id) }
          container[link.name] = nested
        }
        container = nested
        current = parent
      }
      if (current) container[column.field.name] = readWire(current, column.field, resolve)
    }
    return out
  }
}
