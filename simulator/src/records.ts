// Record writes with Salesforce's validation rules and error codes, and the REST shape of a record.
import { isValidId, sameId } from './ids.js'
import type { FieldDef, FieldValue, SObjectDef, SRecord } from './schema.js'
import { findSObject, readField, sobjectForId, toWireValue } from './schema.js'
import type { SimulatorState, User } from './state.js'

export interface WriteError {
  statusCode: string
  message: string
  fields: string[]
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: WriteError[] }

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const DATE = /^\d{4}-\d{2}-\d{2}$/

function fail<T>(statusCode: string, message: string, fields: string[] = []): Validation<T> {
  return { ok: false, errors: [{ statusCode, message, fields }] }
}

export function resolverFor(state: SimulatorState, orgId: string) {
  return (id: string) => state.findRecord(orgId, id)
}

function coerce(state: SimulatorState, orgId: string, def: FieldDef, raw: unknown): Validation<FieldValue> {
  if (raw === null || raw === undefined || raw === '') {
    if (def.type === 'boolean') return { ok: true, value: false }
    return { ok: true, value: null }
  }
  const jsonError = () =>
    fail<FieldValue>(
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of ${def.type} from ${typeof raw} value ${JSON.stringify(raw)} or request may be missing a required field`,
      [def.name],
    )
  switch (def.type) {
    case 'boolean':
      return typeof raw === 'boolean' ? { ok: true, value: raw } : jsonError()
    case 'double':
      return typeof raw === 'number' && Number.isFinite(raw) ? { ok: true, value: raw } : jsonError()
    case 'date':
      return typeof raw === 'string' && DATE.test(raw) && !Number.isNaN(Date.parse(raw))
        ? { ok: true, value: raw }
        : jsonError()
    case 'datetime': {
      const ms = typeof raw === 'string' ? Date.parse(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN
      return Number.isNaN(ms) ? jsonError() : { ok: true, value: ms }
    }
    case 'reference':
    case 'id': {
      if (typeof raw !== 'string' || !isValidId(raw)) {
        return fail('MALFORMED_ID', `${def.label}: id value of incorrect type: ${String(raw)}`, [def.name])
      }
      const targets = def.referenceTo ?? []
      const modelled = targets.filter((t) => findSObject(t))
      if (modelled.length > 0) {
        const target = state.findRecord(orgId, raw)
        const type = sobjectForId(raw)?.name
        if (!target || target.IsDeleted === true || !type || !modelled.includes(type)) {
          return fail('INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [def.name])
        }
        return { ok: true, value: target.Id }
      }
      return { ok: true, value: raw }
    }
    default: {
      if (typeof raw !== 'string' && typeof raw !== 'number') return jsonError()
      const text = String(raw)
      if (text.length > def.length) {
        return fail('STRING_TOO_LONG', `${def.label}: data value too large: ${text} (max length=${def.length})`, [
          def.name,
        ])
      }
      if (def.type === 'email' && !EMAIL.test(text)) {
        return fail('INVALID_EMAIL_ADDRESS', `${def.label}: invalid email address: ${text}`, [def.name])
      }
      return { ok: true, value: text }
    }
  }
}

/** Validates the fields of a create or update body; unknown or read-only fields are errors. */
function validateFields(
  state: SimulatorState,
  orgId: string,
  def: SObjectDef,
  input: Record<string, unknown>,
  mode: 'create' | 'update',
): Validation<Record<string, FieldValue>> {
  const values: Record<string, FieldValue> = {}
  const readOnly: string[] = []
  for (const [key, raw] of Object.entries(input)) {
    if (key === 'attributes') continue
    if (key.toLowerCase() === 'id' && mode === 'update') continue
    const field = def.fieldMap.get(key.toLowerCase())
    if (!field) return fail('INVALID_FIELD', `No such column '${key}' on sobject of type ${def.name}`, [key])
    if (mode === 'create' ? !field.createable : !field.updateable) {
      readOnly.push(field.name)
      continue
    }
    const coerced = coerce(state, orgId, field, raw)
    if (!coerced.ok) return coerced
    values[field.name] = coerced.value
  }
  if (readOnly.length > 0) {
    return fail(
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      readOnly,
    )
  }
  return { ok: true, value: values }
}

function missingRequired(def: SObjectDef, record: Record<string, FieldValue>): Validation<never> | undefined {
  const missing = def.fields
    .filter((f) => f.required && (record[f.name] === null || record[f.name] === undefined))
    .map((f) => f.name)
  if (missing.length > 0)
    return fail('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing)
  if (def.name === 'CampaignMember' && !record.ContactId && !record.LeadId) {
    return fail('REQUIRED_FIELD_MISSING', 'Required fields are missing: [ContactId, LeadId]', ['ContactId', 'LeadId'])
  }
  return undefined
}

function fullName(first: FieldValue, last: FieldValue): string {
  return [first, last].filter((p) => typeof p === 'string' && p.length > 0).join(' ')
}

export function validateCreate(
  state: SimulatorState,
  orgId: string,
  def: SObjectDef,
  input: Record<string, unknown>,
): Validation<Record<string, FieldValue>> {
  if (!def.createable)
    return fail('CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY', `entity type cannot be inserted: ${def.name}`)
  const checked = validateFields(state, orgId, def, input, 'create')
  if (!checked.ok) return checked
  const record: Record<string, FieldValue> = {}
  for (const f of def.fields) {
    if (f.compute) continue
    record[f.name] = f.name in checked.value ? checked.value[f.name] : (f.defaultValue ?? null)
  }
  return missingRequired(def, record) ?? { ok: true, value: record }
}

export function insertRecord(
  state: SimulatorState,
  orgId: string,
  def: SObjectDef,
  values: Record<string, FieldValue>,
  actor: User | undefined,
  at?: number,
): SRecord {
  const table = state.table(orgId, def.name)
  let id = state.ids.next(def.keyPrefix)
  while (table.byId.has(id.slice(0, 15))) id = state.ids.next(def.keyPrefix)
  return storeNewRecord(state, orgId, def, id, values, actor, at)
}

export function storeNewRecord(
  state: SimulatorState,
  orgId: string,
  def: SObjectDef,
  id: string,
  values: Record<string, FieldValue>,
  actor: User | undefined,
  at?: number,
): SRecord {
  const now = at ?? state.now()
  const actorId = actor?.id ?? firstUserId(state, orgId)
  const record = { ...values, Id: id } as SRecord
  if (def.fieldMap.has('ownerid') && !record.OwnerId) record.OwnerId = actorId
  record.IsDeleted = false
  record.CreatedDate = now
  record.CreatedById = actorId
  record.LastModifiedDate = now
  record.LastModifiedById = actorId
  record.SystemModstamp = now
  if (def.fieldMap.get('name')?.createable === false) record.Name = fullName(record.FirstName, record.LastName)
  const table = state.table(orgId, def.name)
  table.byId.set(id.slice(0, 15), record)
  table.rows.push(record)
  return record
}

function firstUserId(state: SimulatorState, orgId: string): string | null {
  for (const u of state.users.values()) if (u.orgId === orgId) return u.id
  return null
}

export interface UpdatePlan {
  target: SRecord
  changes: Record<string, FieldValue>
}

export function validateUpdate(
  state: SimulatorState,
  orgId: string,
  def: SObjectDef,
  id: unknown,
  input: Record<string, unknown>,
): Validation<UpdatePlan> {
  if (!def.updateable) return fail('CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY', `entity type cannot be updated: ${def.name}`)
  if (typeof id !== 'string' || id === '') return fail('MISSING_ARGUMENT', 'Id not specified in an update call')
  if (!isValidId(id) || sobjectForId(id)?.name !== def.name) return fail('MALFORMED_ID', `malformed id ${id}`)
  const target = state.table(orgId, def.name).byId.get(id.slice(0, 15))
  if (!target) return fail('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id')
  if (target.IsDeleted) return fail('ENTITY_IS_DELETED', 'entity is deleted')
  const checked = validateFields(state, orgId, def, input, 'update')
  if (!checked.ok) return checked
  const missing = missingRequired(def, { ...target, ...checked.value })
  return missing ?? { ok: true, value: { target, changes: checked.value } }
}

export function applyUpdate(
  state: SimulatorState,
  def: SObjectDef,
  plan: UpdatePlan,
  actor: User | undefined,
): SRecord {
  const { target, changes } = plan
  Object.assign(target, changes)
  if (def.fieldMap.get('name')?.createable === false && ('FirstName' in changes || 'LastName' in changes)) {
    target.Name = fullName(target.FirstName, target.LastName)
  }
  // Salesforce's audit fields move on every update, even one that changes nothing.
  const now = Math.max(state.now(), (target.SystemModstamp as number) + 1)
  target.LastModifiedDate = now
  target.SystemModstamp = now
  if (actor) target.LastModifiedById = actor.id
  return target
}

export function validateDelete(
  state: SimulatorState,
  orgId: string,
  id: string,
): Validation<{ def: SObjectDef; target: SRecord }> {
  const def = isValidId(id) ? sobjectForId(id) : undefined
  if (!def) return fail('MALFORMED_ID', `malformed id ${id}`)
  if (!def.deletable) return fail('INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id')
  const target = state.table(orgId, def.name).byId.get(id.slice(0, 15))
  if (!target) return fail('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id')
  if (target.IsDeleted) return fail('ENTITY_IS_DELETED', 'entity is deleted')
  return { ok: true, value: { def, target } }
}

/** Soft delete (the record stays visible to queryAll), cascading to campaign members. */
export function deleteRecord(state: SimulatorState, orgId: string, def: SObjectDef, target: SRecord): void {
  const now = state.now()
  target.IsDeleted = true
  target.SystemModstamp = now
  if (def.name === 'Contact' || def.name === 'Lead' || def.name === 'Campaign') {
    const key = `${def.name}Id`
    for (const member of state.table(orgId, 'CampaignMember').rows) {
      const ref = member[key]
      if (!member.IsDeleted && typeof ref === 'string' && sameId(ref, target.Id)) {
        member.IsDeleted = true
        member.SystemModstamp = now
      }
    }
  }
}

/** Keeps the User sObject in step with the simulator's users. */
export function syncUserRecord(state: SimulatorState, user: User): void {
  const table = state.table(user.orgId, 'User')
  const now = state.now()
  let record = table.byId.get(user.id.slice(0, 15))
  if (!record) {
    record = { Id: user.id, CreatedDate: user.createdAt, IsDeleted: false } as SRecord
    table.byId.set(user.id.slice(0, 15), record)
    table.rows.push(record)
  }
  Object.assign(record, {
    Username: user.username,
    FirstName: user.firstName,
    LastName: user.lastName,
    Name: fullName(user.firstName, user.lastName),
    Email: user.email,
    IsActive: user.active,
    LastModifiedDate: now,
    SystemModstamp: now,
  })
}

export function recordUrl(version: string, type: string, id: string): string {
  return `/services/data/v${version}/sobjects/${type}/${id}`
}

/** A record as REST returns it: attributes first, then the fields (all, or those asked for). */
export function toWireRecord(
  state: SimulatorState,
  orgId: string,
  def: SObjectDef,
  record: SRecord,
  version: string,
  fields: readonly FieldDef[] = def.fields,
): Record<string, unknown> {
  const resolve = resolverFor(state, orgId)
  const out: Record<string, unknown> = { attributes: { type: def.name, url: recordUrl(version, def.name, record.Id) } }
  for (const f of fields) out[f.name] = toWireValue(f, readField(record, f, resolve))
  return out
}
