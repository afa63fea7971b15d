// One org's schema: its own copy of the standard objects, plus the custom fields, record types
// and field-level changes made in that org (as an admin would in Setup). Tests use it to make a
// field disappear or stop being filterable, the way a real org changes under an integration.
import type { FieldDef, FieldSpec, FieldType, PicklistValue, SObjectDef } from './schema.js'
import { field, STANDARD_SOBJECTS } from './schema.js'

export interface RecordTypeInfo {
  id: string
  sobjectType: string
  name: string
  developerName: string
  description: string | null
  isDefault: boolean
  active: boolean
}

/** What an admin chooses when adding a custom field. */
export interface CustomFieldInput {
  /** API name ending in __c, e.g. "Interests__c". */
  name: string
  label?: string
  type:
    | 'string'
    | 'textarea'
    | 'picklist'
    | 'multipicklist'
    | 'boolean'
    | 'date'
    | 'datetime'
    | FieldNumberType
    | 'email'
    | 'phone'
    | 'url'
  length?: number
  precision?: number
  scale?: number
  /** Picklist values, in order; the first with `default` is the default. */
  picklistValues?: (string | PicklistValue)[]
  /** Custom picklists are restricted to their values unless this is false. */
  restrictedPicklist?: boolean
  defaultValue?: string | number | boolean | null
  /** Required fields are not nillable. */
  required?: boolean
  filterable?: boolean
  externalId?: boolean
  unique?: boolean
  inlineHelpText?: string
}

type FieldNumberType = 'double' | 'int' | 'currency' | 'percent'

/** Field-level changes a test can make to an existing field (standard or custom). */
export interface FieldPatch {
  label?: string
  filterable?: boolean
  sortable?: boolean
  groupable?: boolean
  createable?: boolean
  updateable?: boolean
  picklistValues?: (string | PicklistValue)[]
}

const CUSTOM_NAME = /^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*__c$/
const CUSTOM_TYPES: ReadonlySet<string> = new Set([
  'string',
  'textarea',
  'picklist',
  'multipicklist',
  'boolean',
  'date',
  'datetime',
  'double',
  'int',
  'currency',
  'percent',
  'email',
  'phone',
  'url',
])

function cloneSObject(def: SObjectDef): SObjectDef {
  return { ...def, fields: [...def.fields], fieldMap: new Map(def.fieldMap) }
}

function picklistOf(items: (string | PicklistValue)[] | undefined): PicklistValue[] | undefined {
  return items?.map((p) => (typeof p === 'string' ? { value: p } : { ...p }))
}

function labelFromName(name: string): string {
  return name
    .replace(/__c$/, '')
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
}

/** A field definition from an admin's choices, with Salesforce's rules for custom fields. */
export function customField(input: CustomFieldInput): FieldDef {
  if (typeof input.name !== 'string' || !CUSTOM_NAME.test(input.name)) {
    throw new Error(
      `a custom field name ends in __c, starts with a letter and has no double underscores: ${String(input.name)}`,
    )
  }
  if (!CUSTOM_TYPES.has(input.type)) {
    throw new Error(`unsupported custom field type ${String(input.type)} (one of ${[...CUSTOM_TYPES].join(', ')})`)
  }
  const type = input.type as FieldType
  const picklistValues = picklistOf(input.picklistValues)
  if ((type === 'picklist' || type === 'multipicklist') && (!picklistValues || picklistValues.length === 0)) {
    throw new Error(`a ${type} field needs picklistValues`)
  }
  const spec: FieldSpec = {
    name: input.name,
    label: input.label ?? labelFromName(input.name),
    type,
    custom: true,
    nillable: type === 'boolean' ? false : !input.required,
    externalId: input.externalId ?? false,
    unique: input.unique ?? false,
    inlineHelpText: input.inlineHelpText ?? null,
  }
  if (input.length !== undefined) spec.length = input.length
  else if (type === 'textarea') spec.length = 255
  if (type === 'textarea') spec.extraTypeInfo = 'plaintextarea'
  if (type === 'double' || type === 'currency' || type === 'percent') {
    spec.precision = input.precision ?? 18
    spec.scale = input.scale ?? (type === 'double' ? 0 : 2)
  }
  if (type === 'int') spec.digits = input.precision ?? 9
  if (type === 'boolean') spec.defaultValue = input.defaultValue === true
  else if (input.defaultValue !== undefined) spec.defaultValue = input.defaultValue
  if (picklistValues) {
    spec.picklistValues = picklistValues
    spec.restrictedPicklist = input.restrictedPicklist ?? true
    const preset = picklistValues.find((p) => p.default)
    if (preset && type === 'picklist') spec.defaultValue = preset.value
  }
  const def = field(spec)
  if (input.filterable === false) def.filterable = false
  return def
}

/** The schema of one org: find/list objects, change fields, keep record types. */
export class OrgSchema {
  private readonly byName = new Map<string, SObjectDef>()
  private readonly byPrefix = new Map<string, SObjectDef>()
  readonly recordTypes: RecordTypeInfo[] = []

  constructor(base: readonly SObjectDef[] = STANDARD_SOBJECTS) {
    for (const def of base) {
      const copy = cloneSObject(def)
      this.byName.set(copy.name.toLowerCase(), copy)
      this.byPrefix.set(copy.keyPrefix, copy)
    }
  }

  find(name: string): SObjectDef | undefined {
    return this.byName.get(name.toLowerCase())
  }

  forId(id: string): SObjectDef | undefined {
    return this.byPrefix.get(id.slice(0, 3))
  }

  list(): SObjectDef[] {
    return [...this.byName.values()]
  }

  private sobjectOf(name: string): SObjectDef {
    const def = this.find(name)
    if (!def) throw new Error(`unknown sObject type ${name}`)
    return def
  }

  /** Adds a field at the end of the object's fields (where Salesforce lists custom fields). */
  addField(sobject: string, def: FieldDef): FieldDef {
    const target = this.sobjectOf(sobject)
    if (target.fieldMap.has(def.name.toLowerCase())) throw new Error(`${target.name}.${def.name} already exists`)
    target.fields.push(def)
    target.fieldMap.set(def.name.toLowerCase(), def)
    return def
  }

  /** Removes a field; for a standard field this plays field-level security hiding it from the integration user. */
  removeField(sobject: string, name: string): FieldDef {
    const target = this.sobjectOf(sobject)
    const existing = target.fieldMap.get(name.toLowerCase())
    if (!existing) throw new Error(`unknown field ${target.name}.${name}`)
    if (existing.name === 'Id') throw new Error('the Id field cannot be removed')
    target.fields = target.fields.filter((f) => f !== existing)
    target.fieldMap.delete(name.toLowerCase())
    return existing
  }

  /** Replaces a field with a changed copy (other orgs keep theirs). */
  updateField(sobject: string, name: string, patch: FieldPatch): FieldDef {
    const target = this.sobjectOf(sobject)
    const existing = target.fieldMap.get(name.toLowerCase())
    if (!existing) throw new Error(`unknown field ${target.name}.${name}`)
    const known = ['label', 'filterable', 'sortable', 'groupable', 'createable', 'updateable', 'picklistValues']
    for (const key of Object.keys(patch)) if (!known.includes(key)) throw new Error(`not a field setting: ${key}`)
    const { picklistValues, ...rest } = patch
    const changed: FieldDef = { ...existing, ...rest }
    if (picklistValues) changed.picklistValues = picklistOf(picklistValues)
    target.fields = target.fields.map((f) => (f === existing ? changed : f))
    target.fieldMap.set(name.toLowerCase(), changed)
    return changed
  }

  recordTypesOf(sobject: string): RecordTypeInfo[] {
    return this.recordTypes.filter((r) => r.sobjectType.toLowerCase() === sobject.toLowerCase())
  }
}
