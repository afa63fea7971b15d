// What an admin changes in an org's Setup: custom fields, record types, field-level settings.
// Every org starts with the demo customizations below unless it asks for the bare standard schema.
import { KEY_PREFIXES } from './ids.js'
import type { CustomFieldInput, FieldPatch, RecordTypeInfo } from './org-schema.js'
import { customField } from './org-schema.js'
import { schemaOf, storeNewRecord } from './records.js'
import type { FieldDef, SObjectDef } from './schema.js'
import { field } from './schema.js'
import type { SimulatorState } from './state.js'

export const INTERESTS = ['Email Marketing', 'Events', 'Product Updates', 'Webinars', 'Newsletters']
export const LANGUAGES = ['English', 'French', 'German', 'Spanish', 'Japanese']
export const CUSTOMER_TIERS = ['Platinum', 'Gold', 'Silver', 'Bronze']

/** Custom fields of a marketing-minded org: one of each type SF Link's filter editor meets. */
const personCustomFields = (): CustomFieldInput[] => [
  { name: 'Interests__c', label: 'Interests', type: 'multipicklist', picklistValues: INTERESTS },
  { name: 'Preferred_Language__c', label: 'Preferred Language', type: 'picklist', picklistValues: LANGUAGES },
  { name: 'Newsletter_Subscriber__c', label: 'Newsletter Subscriber', type: 'boolean', defaultValue: false },
  { name: 'Last_Event_Date__c', label: 'Last Event Date', type: 'date' },
  { name: 'Last_Web_Visit__c', label: 'Last Web Visit', type: 'datetime' },
  { name: 'Lead_Score__c', label: 'Lead Score', type: 'double', precision: 3, scale: 0 },
  { name: 'Notes__c', label: 'Marketing Notes', type: 'textarea', length: 32768 },
]

export const DEMO_CUSTOM_FIELDS: Readonly<Record<string, readonly CustomFieldInput[]>> = {
  Contact: personCustomFields(),
  Lead: personCustomFields(),
  Account: [
    { name: 'Customer_Tier__c', label: 'Customer Tier', type: 'picklist', picklistValues: CUSTOMER_TIERS },
    { name: 'Annual_Spend__c', label: 'Annual Spend', type: 'currency', precision: 16, scale: 2 },
  ],
}

export interface RecordTypeInput {
  sobject: string
  name: string
  developerName?: string
  description?: string
  isDefault?: boolean
}

export const DEMO_RECORD_TYPES: readonly RecordTypeInput[] = [
  { sobject: 'Contact', name: 'Customer', isDefault: true, description: 'People at customer accounts' },
  { sobject: 'Contact', name: 'Partner', description: 'People at partner companies' },
  { sobject: 'Lead', name: 'Marketing Lead', isDefault: true, description: 'Leads from marketing channels' },
  { sobject: 'Lead', name: 'Sales Lead', description: 'Leads qualified by sales' },
]

export function addCustomField(
  state: SimulatorState,
  orgId: string,
  sobject: string,
  input: CustomFieldInput,
): FieldDef {
  return schemaOf(state, orgId).addField(sobject, customField(input))
}

/**
 * Removes a field from an org. A custom field's data goes with it (as when an admin deletes the
 * field); a standard field's data stays, as when field-level security hides it from a profile.
 */
export function removeField(state: SimulatorState, orgId: string, sobject: string, name: string): void {
  const schema = schemaOf(state, orgId)
  const def = schema.find(sobject)
  const removed = schema.removeField(sobject, name)
  if (!removed.custom || !def) return
  for (const record of state.table(orgId, def.name).rows) delete record[removed.name]
}

export function updateField(
  state: SimulatorState,
  orgId: string,
  sobject: string,
  name: string,
  patch: FieldPatch,
): FieldDef {
  return schemaOf(state, orgId).updateField(sobject, name, patch)
}

function developerNameOf(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '')
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `X${cleaned}`
}

/** The RecordTypeId field Salesforce adds to an object once it has record types. */
function recordTypeField(defaultId: string): FieldDef {
  return field({
    name: 'RecordTypeId',
    type: 'reference',
    referenceTo: ['RecordType'],
    relationshipName: 'RecordType',
    label: 'Record Type ID',
    defaultValue: defaultId,
  })
}

function ensureRecordTypeField(state: SimulatorState, orgId: string, def: SObjectDef, defaultId: string): void {
  const schema = schemaOf(state, orgId)
  const existing = def.fieldMap.get('recordtypeid')
  if (existing) {
    if (existing.defaultValue !== defaultId) {
      const changed = { ...existing, defaultValue: defaultId }
      def.fields = def.fields.map((f) => (f === existing ? changed : f))
      def.fieldMap.set('recordtypeid', changed)
    }
    return
  }
  schema.addField(def.name, recordTypeField(defaultId))
  // Salesforce lists RecordTypeId right after the name fields.
  const at = def.fields.findIndex((f) => f.name === 'Name') + 1
  if (at > 0) {
    const moved = def.fields.pop()!
    def.fields.splice(at, 0, moved)
  }
}

/** Adds a record type to an object of an org (and its RecordType record, so SOQL can read RecordType.Name). */
export function addRecordType(state: SimulatorState, orgId: string, input: RecordTypeInput): RecordTypeInfo {
  const schema = schemaOf(state, orgId)
  const def = schema.find(input.sobject)
  if (!def) throw new Error(`unknown sObject type ${input.sobject}`)
  if (!input.name) throw new Error('a record type needs a name')
  const developerName = input.developerName ?? developerNameOf(input.name)
  const existing = schema.recordTypesOf(def.name)
  if (existing.some((r) => r.developerName.toLowerCase() === developerName.toLowerCase())) {
    throw new Error(`${def.name} already has the record type ${developerName}`)
  }
  const isDefault = input.isDefault === true || existing.length === 0
  const recordTypeDef = schema.find('RecordType')!
  const table = state.table(orgId, 'RecordType')
  let id = state.ids.next(KEY_PREFIXES.RecordType)
  while (table.byId.has(id.slice(0, 15))) id = state.ids.next(KEY_PREFIXES.RecordType)
  storeNewRecord(
    state,
    orgId,
    recordTypeDef,
    id,
    {
      Name: input.name,
      DeveloperName: developerName,
      NamespacePrefix: null,
      Description: input.description ?? null,
      SobjectType: def.name,
      IsActive: true,
    },
    undefined,
  )
  if (isDefault) for (const r of existing) r.isDefault = false
  const info: RecordTypeInfo = {
    id,
    sobjectType: def.name,
    name: input.name,
    developerName,
    description: input.description ?? null,
    isDefault,
    active: true,
  }
  schema.recordTypes.push(info)
  const defaultId = isDefault ? id : existing.find((r) => r.isDefault)!.id
  ensureRecordTypeField(state, orgId, def, defaultId)
  return info
}

/** The custom fields and record types every org starts with (unless created with the bare schema). */
export function applyDemoCustomizations(state: SimulatorState, orgId: string): void {
  for (const [sobject, fields] of Object.entries(DEMO_CUSTOM_FIELDS)) {
    for (const input of fields) addCustomField(state, orgId, sobject, input)
  }
  for (const input of DEMO_RECORD_TYPES) addRecordType(state, orgId, input)
}
