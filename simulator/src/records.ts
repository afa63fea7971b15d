// Record writes with Salesforce's validation rules and error codes, and the REST shape of a record.
import { isValidId, sameId } from './ids.js'
import type { OrgSchema } from './org-schema.js'
import type { FieldDef, FieldValue, SObjectDef, SRecord } from './schema.js'
import { readWire, sobjectForId } from './schema.js'
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

export function schemaOf(state: SimulatorState, orgId: string): OrgSchema {
  const org = state.orgs.get(orgId)
  if (!org) throw new Error(`unknown org ${orgId}`)
  return org.schema
}

/** Records an undo step when a composite request with allOrNone is collecting them. */
function journal(state: SimulatorState, undo: () => void): void {
  state.journal?.push(undo)
}

function picklistError<T>(def: FieldDef, value: string): Validation<T> {
  return fail(
    'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    `${def.label}: bad value for restricted picklist field: ${value}`,
    [def.name],
  )
}

/** A multi-select value: known values in the picklist's order, then any others, each once. */
function multiPicklistValue(def: FieldDef, text: string): Validation<FieldValue> {
  const chosen = [
    ...new Set(
      text
        .split(';')
        .map((v) => v.trim())
        .filter(Boolean),
    ),
  ]
  const known = (def.picklistValues ?? []).map((p) => p.value)
  if (def.restrictedPicklist) {
    const bad = chosen.find((v) => !known.includes(v))
    if (bad !== undefined) return picklistError(def, bad)
  }
  const ordered = [...known.filter((v) => chosen.includes(v)), ...chosen.filter((v) => !known.includes(v))]
  return { ok: true, value: ordered.length > 0 ? ordered.join(';') : null }
}

function numberInRange(def: FieldDef, value: number): boolean {
  if (def.type === 'int') return Number.isInteger(value) && Math.abs(value) < 10 ** Math.max(1, def.digits || 9)
  const integerDigits = Math.max(1, def.precision - def.scale)
  return Math.abs(value) < 10 ** integerDigits
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
    case 'int':
    case 'currency':
    case 'percent':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return jsonError()
      if (!numberInRange(def, raw)) {
        return fail(
          'NUMBER_OUTSIDE_VALID_RANGE',
          `${def.label}: value outside of valid range on numeric field: ${raw}`,
          [def.name],
        )
      }
      return { ok: true, value: raw }
    case 'address':
      return jsonError()
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
      const modelled = targets.filter((t) => schemaOf(state, orgId).find(t))
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
      if (def.type === 'multipicklist') return multiPicklistValue(def, text)
      if (def.type === 'picklist' && def.restrictedPicklist && !def.picklistValues?.some((p) => p.value === text)) {
        return picklistError(def, text)
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
    if (f.compute || f.type === 'address') continue
    record[f.name] = f.name in checked.value ? checked.value[f.name] : (f.defaultValue ?? null)
  }
  if (def.name === 'CampaignMember') applyMemberStatus(state, orgId, record)
  return missingRequired(def, record) ?? { ok: true, value: record }
}

/** The member statuses of a campaign, in their sort order. */
export function memberStatusesOf(state: SimulatorState, orgId: string, campaignId: string): SRecord[] {
  const key = campaignId.slice(0, 15)
  return state
    .table(orgId, 'CampaignMemberStatus')
    .rows.filter((s) => !s.IsDeleted && typeof s.CampaignId === 'string' && s.CampaignId.slice(0, 15) === key)
    .sort((a, b) => Number(a.SortOrder) - Number(b.SortOrder))
}

/** A member without a status gets its campaign's default; HasResponded follows the status. */
function applyMemberStatus(state: SimulatorState, orgId: string, member: Record<string, FieldValue>): void {
  if (typeof member.CampaignId !== 'string') return
  const statuses = memberStatusesOf(state, orgId, member.CampaignId)
  if (member.Status === null || member.Status === undefined) {
    member.Status = (statuses.find((s) => s.IsDefault) ?? statuses[0])?.Label ?? 'Sent'
  }
  const status = statuses.find((s) => s.Label === member.Status)
  member.HasResponded = status?.HasResponded === true
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

/** Salesforce gives every new campaign the member statuses "Sent" (the default) and "Responded". */
export const DEFAULT_MEMBER_STATUSES = [
  { label: 'Sent', isDefault: true, hasResponded: false },
  { label: 'Responded', isDefault: false, hasResponded: true },
]

export interface MemberStatusInput {
  label: string
  isDefault?: boolean
  hasResponded?: boolean
}

/** Adds member statuses to a campaign; a new default replaces the old one. */
export function addMemberStatuses(
  state: SimulatorState,
  orgId: string,
  campaignId: string,
  statuses: readonly MemberStatusInput[],
  actor?: User,
  at?: number,
): SRecord[] {
  const def = schemaOf(state, orgId).find('CampaignMemberStatus')!
  const existing = memberStatusesOf(state, orgId, campaignId)
  let order = existing.reduce((max, s) => Math.max(max, Number(s.SortOrder)), 0)
  const labels = new Set(existing.map((e) => String(e.Label)))
  for (const s of statuses) {
    if (typeof s.label !== 'string' || s.label === '') throw new Error('a member status needs a label')
    if (labels.has(s.label)) throw new Error(`the campaign already has the status ${s.label}`)
    labels.add(s.label)
  }
  const added: SRecord[] = []
  for (const s of statuses) {
    if (s.isDefault) {
      for (const e of [...existing, ...added]) if (e.IsDefault) e.IsDefault = false
    }
    const values = {
      CampaignId: campaignId,
      Label: s.label,
      SortOrder: ++order,
      IsDefault: s.isDefault === true,
      HasResponded: s.hasResponded === true,
    }
    added.push(insertRecord(state, orgId, def, values, actor, at))
  }
  return added
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
  const table = state.table(orgId, def.name)
  table.byId.set(id.slice(0, 15), record)
  table.rows.push(record)
  journal(state, () => {
    table.byId.delete(id.slice(0, 15))
    const at = table.rows.lastIndexOf(record)
    if (at >= 0) table.rows.splice(at, 1)
  })
  if (def.name === 'Campaign') addMemberStatuses(state, orgId, id, DEFAULT_MEMBER_STATUSES, actor, now)
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
  const changes = checked.value
  if (def.name === 'CampaignMember' && 'Status' in changes) {
    const merged: Record<string, FieldValue> = { CampaignId: target.CampaignId, Status: changes.Status }
    applyMemberStatus(state, orgId, merged)
    changes.Status = merged.Status
    changes.HasResponded = merged.HasResponded
  }
  const missing = missingRequired(def, { ...target, ...changes })
  return missing ?? { ok: true, value: { target, changes } }
}

export function applyUpdate(
  state: SimulatorState,
  def: SObjectDef,
  plan: UpdatePlan,
  actor: User | undefined,
): SRecord {
  const { target, changes } = plan
  const keys = [...Object.keys(changes), 'LastModifiedDate', 'SystemModstamp', 'LastModifiedById']
  const before = Object.fromEntries(keys.map((k) => [k, target[k]]))
  journal(state, () => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete target[k]
      else target[k] = v
    }
  })
  Object.assign(target, changes)
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
  const def = isValidId(id) ? schemaOf(state, orgId).forId(id) : undefined
  if (!def) return fail('MALFORMED_ID', `malformed id ${id}`)
  if (!def.deletable) return fail('INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id')
  const target = state.table(orgId, def.name).byId.get(id.slice(0, 15))
  if (!target) return fail('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id')
  if (target.IsDeleted) return fail('ENTITY_IS_DELETED', 'entity is deleted')
  return { ok: true, value: { def, target } }
}

function softDelete(state: SimulatorState, record: SRecord, now: number): void {
  const before = { IsDeleted: record.IsDeleted, SystemModstamp: record.SystemModstamp }
  journal(state, () => Object.assign(record, before))
  record.IsDeleted = true
  record.SystemModstamp = now
}

/** Soft delete (the record stays visible to queryAll), cascading to campaign members and member statuses. */
export function deleteRecord(state: SimulatorState, orgId: string, def: SObjectDef, target: SRecord): void {
  const now = state.now()
  softDelete(state, target, now)
  if (def.name === 'Contact' || def.name === 'Lead' || def.name === 'Campaign') {
    const key = `${def.name}Id`
    const children = ['CampaignMember', ...(def.name === 'Campaign' ? ['CampaignMemberStatus'] : [])]
    for (const child of children) {
      for (const row of state.table(orgId, child).rows) {
        const ref = row[key]
        if (!row.IsDeleted && typeof ref === 'string' && sameId(ref, target.Id)) softDelete(state, row, now)
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
  // Salesforce's default alias: first initial and four letters of the last name.
  const alias = `${(user.firstName ?? '').slice(0, 1)}${(user.lastName ?? user.username).slice(0, 4)}`.toLowerCase()
  Object.assign(record, {
    Username: user.username,
    FirstName: user.firstName,
    LastName: user.lastName,
    Email: user.email,
    Alias: alias,
    CommunityNickname: user.username.split('@')[0],
    IsActive: user.active,
    TimeZoneSidKey: user.timeZone,
    LocaleSidKey: user.locale,
    LanguageLocaleKey: user.language,
    EmailEncodingKey: 'UTF-8',
    ProfileId: user.profileId,
    UserRoleId: user.roleId,
    UserType: 'Standard',
    CreatedById: record.CreatedById ?? user.id,
    LastModifiedById: user.id,
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
  for (const f of fields) out[f.name] = readWire(record, f, resolve)
  return out
}
