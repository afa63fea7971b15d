// The sObjects the simulator serves and their fields, in Salesforce's describe terms.
// Records keep datetimes as epoch milliseconds internally; the REST layer formats them.

export type FieldType =
  | 'id'
  | 'string'
  | 'email'
  | 'phone'
  | 'textarea'
  | 'boolean'
  | 'picklist'
  | 'date'
  | 'datetime'
  | 'reference'
  | 'double'

export type FieldValue = string | number | boolean | null

/** A stored record: canonical field names; datetimes as epoch ms. */
export type SRecord = { Id: string } & Record<string, FieldValue>

export type RecordResolver = (id: string) => SRecord | undefined

export interface FieldDef {
  name: string
  label: string
  type: FieldType
  length: number
  nillable: boolean
  createable: boolean
  updateable: boolean
  filterable: boolean
  sortable: boolean
  /** Must be given on create (not nillable, createable, no default). */
  required: boolean
  defaultValue?: FieldValue
  referenceTo?: string[]
  relationshipName?: string
  picklistValues?: { value: string; default?: boolean }[]
  nameField?: boolean
  idLookup?: boolean
  /** Read-through value (e.g. CampaignMember.Email from its Contact or Lead). */
  compute?: (record: SRecord, resolve: RecordResolver) => FieldValue
}

export interface SObjectDef {
  name: string
  label: string
  labelPlural: string
  keyPrefix: string
  createable: boolean
  updateable: boolean
  deletable: boolean
  fields: FieldDef[]
  /** Lower-cased name → field. */
  fieldMap: Map<string, FieldDef>
}

type FieldSpec = Partial<FieldDef> & Pick<FieldDef, 'name' | 'type'>

function field(spec: FieldSpec): FieldDef {
  const system = spec.type === 'id'
  const createable = spec.createable ?? !system
  const nillable = spec.nillable ?? !system
  return {
    label: spec.name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/ Id$/, ' ID'),
    length: defaultLength(spec.type),
    updateable: spec.updateable ?? createable,
    filterable: true,
    sortable: spec.type !== 'textarea',
    required: !nillable && createable && spec.defaultValue === undefined && spec.type !== 'boolean',
    ...spec,
    createable,
    nillable,
  }
}

function defaultLength(type: FieldType): number {
  switch (type) {
    case 'id':
    case 'reference':
      return 18
    case 'email':
      return 80
    case 'phone':
      return 40
    case 'picklist':
      return 255
    case 'textarea':
      return 32000
    case 'string':
      return 255
    default:
      return 0
  }
}

function readOnly(spec: FieldSpec): FieldDef {
  return field({ ...spec, createable: false, updateable: false })
}

const auditFields = (): FieldDef[] => [
  readOnly({ name: 'IsDeleted', type: 'boolean', nillable: false, defaultValue: false, label: 'Deleted' }),
  readOnly({ name: 'CreatedDate', type: 'datetime', nillable: false, label: 'Created Date' }),
  readOnly({
    name: 'CreatedById',
    type: 'reference',
    nillable: false,
    referenceTo: ['User'],
    relationshipName: 'CreatedBy',
    label: 'Created By ID',
  }),
  readOnly({ name: 'LastModifiedDate', type: 'datetime', nillable: false, label: 'Last Modified Date' }),
  readOnly({
    name: 'LastModifiedById',
    type: 'reference',
    nillable: false,
    referenceTo: ['User'],
    relationshipName: 'LastModifiedBy',
    label: 'Last Modified By ID',
  }),
  readOnly({ name: 'SystemModstamp', type: 'datetime', nillable: false, label: 'System Modstamp' }),
]

const idField = (label: string): FieldDef =>
  field({ name: 'Id', type: 'id', label, createable: false, updateable: false, nillable: false, idLookup: true })

const ownerField = (): FieldDef =>
  field({
    name: 'OwnerId',
    type: 'reference',
    referenceTo: ['User'],
    relationshipName: 'Owner',
    nillable: false,
    defaultValue: null,
    label: 'Owner ID',
  })

const personFields = (): FieldDef[] => [
  field({ name: 'FirstName', type: 'string', length: 40, label: 'First Name' }),
  field({ name: 'LastName', type: 'string', length: 80, nillable: false, label: 'Last Name' }),
  readOnly({ name: 'Name', type: 'string', length: 121, label: 'Full Name', nameField: true }),
  field({ name: 'Email', type: 'email', label: 'Email', idLookup: true }),
  field({ name: 'HasOptedOutOfEmail', type: 'boolean', nillable: false, defaultValue: false, label: 'Email Opt Out' }),
  field({ name: 'Title', type: 'string', length: 128, label: 'Title' }),
  field({ name: 'Phone', type: 'phone', label: 'Business Phone' }),
]

function personOf(member: SRecord, resolve: RecordResolver): SRecord | undefined {
  const id = (member.ContactId ?? member.LeadId) as string | null
  return id ? resolve(id) : undefined
}

const readThrough = (name: string, type: FieldType, label: string, fallback: FieldValue = null): FieldDef =>
  readOnly({
    name,
    type,
    label,
    nillable: type !== 'boolean',
    compute: (member, resolve) => personOf(member, resolve)?.[name] ?? fallback,
  })

function sobject(
  def: Omit<SObjectDef, 'fieldMap' | 'createable' | 'updateable' | 'deletable'> & Partial<SObjectDef>,
): SObjectDef {
  return {
    createable: true,
    updateable: true,
    deletable: true,
    ...def,
    fieldMap: new Map(def.fields.map((f) => [f.name.toLowerCase(), f])),
  }
}

export const LEAD_STATUSES = [
  'Open - Not Contacted',
  'Working - Contacted',
  'Closed - Converted',
  'Closed - Not Converted',
]
export const CAMPAIGN_MEMBER_STATUSES = ['Planned', 'Sent', 'Received', 'Responded']

export const SOBJECTS: readonly SObjectDef[] = [
  sobject({
    name: 'Contact',
    label: 'Contact',
    labelPlural: 'Contacts',
    keyPrefix: '003',
    fields: [
      idField('Contact ID'),
      field({
        name: 'AccountId',
        type: 'reference',
        referenceTo: ['Account'],
        relationshipName: 'Account',
        label: 'Account ID',
      }),
      ...personFields(),
      ownerField(),
      ...auditFields(),
    ],
  }),
  sobject({
    name: 'Lead',
    label: 'Lead',
    labelPlural: 'Leads',
    keyPrefix: '00Q',
    fields: [
      idField('Lead ID'),
      ...personFields(),
      field({ name: 'Company', type: 'string', length: 255, nillable: false, label: 'Company' }),
      field({
        name: 'Status',
        type: 'picklist',
        nillable: false,
        label: 'Status',
        defaultValue: LEAD_STATUSES[0],
        picklistValues: LEAD_STATUSES.map((value, i) => ({ value, default: i === 0 })),
      }),
      ownerField(),
      ...auditFields(),
    ],
  }),
  sobject({
    name: 'Campaign',
    label: 'Campaign',
    labelPlural: 'Campaigns',
    keyPrefix: '701',
    fields: [
      idField('Campaign ID'),
      field({ name: 'Name', type: 'string', length: 80, nillable: false, label: 'Name', nameField: true }),
      field({ name: 'IsActive', type: 'boolean', nillable: false, defaultValue: false, label: 'Active' }),
      ownerField(),
      ...auditFields(),
    ],
  }),
  sobject({
    name: 'CampaignMember',
    label: 'Campaign Member',
    labelPlural: 'Campaign Members',
    keyPrefix: '00v',
    fields: [
      idField('Campaign Member ID'),
      field({
        name: 'CampaignId',
        type: 'reference',
        referenceTo: ['Campaign'],
        relationshipName: 'Campaign',
        nillable: false,
        updateable: false,
        label: 'Campaign ID',
      }),
      field({
        name: 'ContactId',
        type: 'reference',
        referenceTo: ['Contact'],
        relationshipName: 'Contact',
        updateable: false,
        label: 'Contact ID',
      }),
      field({
        name: 'LeadId',
        type: 'reference',
        referenceTo: ['Lead'],
        relationshipName: 'Lead',
        updateable: false,
        label: 'Lead ID',
      }),
      field({
        name: 'Status',
        type: 'picklist',
        label: 'Status',
        defaultValue: 'Sent',
        picklistValues: CAMPAIGN_MEMBER_STATUSES.map((value) => ({ value, default: value === 'Sent' })),
      }),
      readThrough('Email', 'email', 'Email'),
      readThrough('FirstName', 'string', 'First Name'),
      readThrough('LastName', 'string', 'Last Name'),
      readThrough('HasOptedOutOfEmail', 'boolean', 'Email Opt Out', false),
      ...auditFields(),
    ],
  }),
  sobject({
    name: 'User',
    label: 'User',
    labelPlural: 'Users',
    keyPrefix: '005',
    createable: false,
    updateable: false,
    deletable: false,
    fields: [
      idField('User ID'),
      readOnly({ name: 'Username', type: 'string', length: 80, nillable: false, label: 'Username' }),
      readOnly({ name: 'FirstName', type: 'string', length: 40, label: 'First Name' }),
      readOnly({ name: 'LastName', type: 'string', length: 80, nillable: false, label: 'Last Name' }),
      readOnly({ name: 'Name', type: 'string', length: 121, label: 'Full Name', nameField: true }),
      readOnly({ name: 'Email', type: 'email', nillable: false, label: 'Email' }),
      readOnly({ name: 'IsActive', type: 'boolean', nillable: false, defaultValue: true, label: 'Active' }),
      readOnly({ name: 'CreatedDate', type: 'datetime', nillable: false, label: 'Created Date' }),
      readOnly({ name: 'LastModifiedDate', type: 'datetime', nillable: false, label: 'Last Modified Date' }),
      readOnly({ name: 'SystemModstamp', type: 'datetime', nillable: false, label: 'System Modstamp' }),
    ],
  }),
]

const byName = new Map(SOBJECTS.map((s) => [s.name.toLowerCase(), s]))
const byPrefix = new Map(SOBJECTS.map((s) => [s.keyPrefix, s]))

export function findSObject(name: string): SObjectDef | undefined {
  return byName.get(name.toLowerCase())
}

export function sobjectForId(id: string): SObjectDef | undefined {
  return byPrefix.get(id.slice(0, 3))
}

/** Reads a field of a stored record, computing read-through fields. */
export function readField(record: SRecord, def: FieldDef, resolve: RecordResolver): FieldValue {
  if (def.compute) return def.compute(record, resolve)
  const value = record[def.name]
  return value === undefined ? null : value
}

/** Salesforce's datetime format in REST JSON: 2025-01-31T09:15:00.000+0000 */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000')
}

/** Converts a stored value to its REST JSON form. */
export function toWireValue(def: FieldDef, value: FieldValue): FieldValue {
  if (value === null) return null
  if (def.type === 'datetime' && typeof value === 'number') return formatDateTime(value)
  return value
}

const SOAP_TYPES: Record<FieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  textarea: 'xsd:string',
  picklist: 'xsd:string',
  boolean: 'xsd:boolean',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  double: 'xsd:double',
}

/** The field as `sobjects/:type/describe` lists it. */
export function describeField(def: FieldDef): Record<string, unknown> {
  const textual = ['string', 'email', 'phone', 'textarea', 'picklist', 'id', 'reference'].includes(def.type)
  return {
    aggregatable: def.type !== 'textarea',
    autoNumber: false,
    byteLength: textual ? def.length * 3 : 0,
    calculated: Boolean(def.compute),
    caseSensitive: false,
    createable: def.createable,
    custom: false,
    defaultValue: def.defaultValue ?? null,
    defaultedOnCreate: def.defaultValue !== undefined || def.type === 'id' || !def.createable,
    deprecatedAndHidden: false,
    digits: 0,
    externalId: false,
    filterable: def.filterable,
    groupable: def.type !== 'textarea' && def.type !== 'double' && def.type !== 'datetime',
    idLookup: def.idLookup ?? false,
    label: def.label,
    length: textual ? def.length : 0,
    name: def.name,
    nameField: def.nameField ?? false,
    nillable: def.nillable,
    picklistValues: (def.picklistValues ?? []).map((p) => ({
      active: true,
      defaultValue: p.default ?? false,
      label: p.value,
      validFor: null,
      value: p.value,
    })),
    polymorphicForeignKey: false,
    precision: def.type === 'double' ? 18 : 0,
    referenceTo: def.referenceTo ?? [],
    relationshipName: def.relationshipName ?? null,
    restrictedPicklist: false,
    scale: def.type === 'double' ? 2 : 0,
    soapType: SOAP_TYPES[def.type],
    sortable: def.sortable,
    type: def.type,
    unique: false,
    updateable: def.updateable,
  }
}
