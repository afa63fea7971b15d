// The standard sObjects the simulator serves, field by field in Salesforce's describe terms
// (names, labels, types, lengths and flags as the Object Reference and a Developer Edition
// org's describe give them). Each org works on its own copy (org-schema.ts), so custom fields,
// record types and field-level changes stay per org. Records keep datetimes as epoch
// milliseconds; the REST layer formats them.

export type FieldType =
  | 'id'
  | 'string'
  | 'email'
  | 'phone'
  | 'url'
  | 'textarea'
  | 'boolean'
  | 'picklist'
  | 'multipicklist'
  | 'date'
  | 'datetime'
  | 'reference'
  | 'double'
  | 'int'
  | 'currency'
  | 'percent'
  | 'address'

export type FieldValue = string | number | boolean | null

/** A stored record: canonical field names; datetimes as epoch ms; multi-select picklists as "a;b". */
export type SRecord = { Id: string } & Record<string, FieldValue>

export type RecordResolver = (id: string) => SRecord | undefined

export interface PicklistValue {
  value: string
  label?: string
  default?: boolean
  active?: boolean
}

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
  groupable: boolean
  /** Must be given on create (not nillable, createable, no default). */
  required: boolean
  custom: boolean
  precision: number
  scale: number
  /** Digits of an integer field. */
  digits: number
  defaultValue?: FieldValue
  referenceTo?: string[]
  relationshipName?: string
  /** The relationship name of the child side (e.g. Contact.AccountId → Account.Contacts). */
  childRelationshipName?: string | null
  cascadeDelete?: boolean
  picklistValues?: PicklistValue[]
  restrictedPicklist?: boolean
  nameField?: boolean
  idLookup?: boolean
  externalId?: boolean
  unique?: boolean
  /** Set on the components of a compound field (MailingCity → MailingAddress). */
  compoundFieldName?: string
  /** For an address field: JSON key → component field (street → MailingStreet, ...). */
  components?: Record<string, string>
  extraTypeInfo?: string | null
  inlineHelpText?: string | null
  /** Read-through or derived value (CampaignMember.Email, Contact.Name, ...). */
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
  custom: boolean
  /** Standard objects whose records are merged (Contact, Lead, Account). */
  mergeable: boolean
  feedEnabled: boolean
  fields: FieldDef[]
  /** Lower-cased name → field. */
  fieldMap: Map<string, FieldDef>
}

export type FieldSpec = Partial<FieldDef> & Pick<FieldDef, 'name' | 'type' | 'label'>

const TEXT_TYPES: ReadonlySet<FieldType> = new Set([
  'string',
  'email',
  'phone',
  'url',
  'textarea',
  'picklist',
  'multipicklist',
])
const NUMBER_TYPES: ReadonlySet<FieldType> = new Set(['double', 'int', 'currency', 'percent'])

export function isTextType(type: FieldType): boolean {
  return TEXT_TYPES.has(type)
}

export function isNumberType(type: FieldType): boolean {
  return NUMBER_TYPES.has(type)
}

/** A long text area (more than 255 characters): not filterable, sortable or groupable in Salesforce. */
export function isLongTextArea(f: Pick<FieldDef, 'type' | 'length'>): boolean {
  return f.type === 'textarea' && f.length > 255
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
    case 'multipicklist':
      return 4099
    case 'textarea':
      return 32000
    case 'string':
    case 'url':
      return 255
    default:
      return 0
  }
}

/** Builds a field with Salesforce's defaults for its type; `spec` overrides any of them. */
export function field(spec: FieldSpec): FieldDef {
  const system = spec.type === 'id'
  const createable = spec.createable ?? !system
  const nillable = spec.nillable ?? (!system && spec.type !== 'boolean')
  const length = spec.length ?? defaultLength(spec.type)
  const long = spec.type === 'textarea' && length > 255
  const unorderable = long || spec.type === 'multipicklist' || spec.type === 'address'
  const groupable =
    !unorderable && !['double', 'currency', 'percent', 'datetime', 'address'].includes(spec.type) && !spec.compute
  const precision = spec.precision ?? (spec.type === 'currency' ? 18 : spec.type === 'double' ? 18 : 0)
  return {
    length,
    updateable: spec.updateable ?? createable,
    filterable: !long && spec.type !== 'address',
    sortable: !unorderable,
    groupable,
    required: !nillable && createable && spec.defaultValue === undefined && spec.type !== 'boolean',
    custom: spec.name.endsWith('__c'),
    precision,
    scale: spec.scale ?? 0,
    digits: spec.digits ?? 0,
    ...spec,
    createable,
    nillable,
  }
}

function readOnly(spec: FieldSpec): FieldDef {
  return field({ ...spec, createable: false, updateable: false })
}

const values = (...items: string[]): PicklistValue[] => items.map((value) => ({ value }))

export const SALUTATIONS = ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.', 'Mx.']
export const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other']
export const LEAD_STATUSES = [
  'Open - Not Contacted',
  'Working - Contacted',
  'Closed - Converted',
  'Closed - Not Converted',
]
export const INDUSTRIES = [
  'Agriculture',
  'Apparel',
  'Banking',
  'Biotechnology',
  'Chemicals',
  'Communications',
  'Construction',
  'Consulting',
  'Education',
  'Electronics',
  'Energy',
  'Engineering',
  'Entertainment',
  'Environmental',
  'Finance',
  'Food & Beverage',
  'Government',
  'Healthcare',
  'Hospitality',
  'Insurance',
  'Machinery',
  'Manufacturing',
  'Media',
  'Not For Profit',
  'Recreation',
  'Retail',
  'Shipping',
  'Technology',
  'Telecommunications',
  'Transportation',
  'Utilities',
  'Other',
]
export const RATINGS = ['Hot', 'Warm', 'Cold']
export const ACCOUNT_TYPES = [
  'Prospect',
  'Customer - Direct',
  'Customer - Channel',
  'Channel Partner / Reseller',
  'Installation Partner',
  'Technology Partner',
  'Other',
]
export const CAMPAIGN_TYPES = [
  'Advertisement',
  'Email',
  'Telemarketing',
  'Banner Ads',
  'Seminar / Conference',
  'Public Relations',
  'Partners',
  'Referral Program',
  'Webinar',
  'Trade Show',
  'Direct Mail',
  'Other',
]
export const CAMPAIGN_STATUSES = ['Planned', 'In Progress', 'Completed', 'Aborted']
/** The CampaignMember Status picklist of a new org; each campaign's own statuses live in CampaignMemberStatus. */
export const CAMPAIGN_MEMBER_STATUSES = ['Planned', 'Received', 'Responded', 'Sent']
const GEOCODE_ACCURACIES = [
  'Address',
  'NearAddress',
  'Block',
  'Street',
  'ExtendedZip',
  'Zip',
  'Neighborhood',
  'City',
  'County',
  'State',
  'Unknown',
]

export const MASTER_RECORD_TYPE_ID = '012000000000000AAA'

const auditFields = (): FieldDef[] => [
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

const viewFields = (): FieldDef[] => [
  readOnly({ name: 'LastActivityDate', type: 'date', label: 'Last Activity' }),
  readOnly({ name: 'LastViewedDate', type: 'datetime', label: 'Last Viewed Date' }),
  readOnly({ name: 'LastReferencedDate', type: 'datetime', label: 'Last Referenced Date' }),
]

const isDeleted = (): FieldDef =>
  readOnly({ name: 'IsDeleted', type: 'boolean', nillable: false, defaultValue: false, label: 'Deleted' })

const idField = (label: string): FieldDef =>
  field({ name: 'Id', type: 'id', label, createable: false, updateable: false, nillable: false, idLookup: true })

const masterRecord = (type: string): FieldDef =>
  readOnly({
    name: 'MasterRecordId',
    type: 'reference',
    referenceTo: [type],
    relationshipName: 'MasterRecord',
    label: 'Master Record ID',
  })

const ownerField = (referenceTo: string[] = ['User']): FieldDef =>
  field({
    name: 'OwnerId',
    type: 'reference',
    referenceTo,
    relationshipName: 'Owner',
    nillable: false,
    defaultValue: null,
    label: 'Owner ID',
  })

function fullName(first: FieldValue, last: FieldValue): string {
  return [first, last].filter((p) => typeof p === 'string' && p.length > 0).join(' ')
}

/** Name of a person (Contact, Lead, User): derived from the first and last names, as Salesforce does. */
const personName = (): FieldDef =>
  readOnly({
    name: 'Name',
    type: 'string',
    length: 121,
    label: 'Full Name',
    nameField: true,
    extraTypeInfo: 'personname',
    compute: (r) => fullName(r.FirstName, r.LastName),
  })

const picklist = (name: string, label: string, items: readonly string[], extra: Partial<FieldDef> = {}): FieldDef =>
  field({ name, label, type: 'picklist', length: 40, picklistValues: values(...items), ...extra })

/**
 * A compound address and its components, named like Salesforce's: prefix "Mailing" gives
 * MailingStreet … MailingAddress; no prefix gives Street … Address (Lead).
 */
function address(prefix: string, labelPrefix: string, options: { readOnly?: boolean } = {}): FieldDef[] {
  const compound = `${prefix}Address`
  const make = options.readOnly ? readOnly : field
  const lp = labelPrefix ? `${labelPrefix} ` : ''
  const parts: FieldDef[] = [
    make({
      name: `${prefix}Street`,
      type: 'textarea',
      length: 255,
      label: `${lp}Street`,
      compoundFieldName: compound,
      extraTypeInfo: 'plaintextarea',
    }),
    make({ name: `${prefix}City`, type: 'string', length: 40, label: `${lp}City`, compoundFieldName: compound }),
    make({
      name: `${prefix}State`,
      type: 'string',
      length: 80,
      label: `${lp}State/Province`,
      compoundFieldName: compound,
    }),
    make({
      name: `${prefix}PostalCode`,
      type: 'string',
      length: 20,
      label: `${lp}Zip/Postal Code`,
      compoundFieldName: compound,
    }),
    make({ name: `${prefix}Country`, type: 'string', length: 80, label: `${lp}Country`, compoundFieldName: compound }),
    make({
      name: `${prefix}Latitude`,
      type: 'double',
      precision: 18,
      scale: 15,
      label: `${lp}Latitude`,
      compoundFieldName: compound,
    }),
    make({
      name: `${prefix}Longitude`,
      type: 'double',
      precision: 18,
      scale: 15,
      label: `${lp}Longitude`,
      compoundFieldName: compound,
    }),
    make({
      name: `${prefix}GeocodeAccuracy`,
      type: 'picklist',
      length: 40,
      label: `${lp}Geocode Accuracy`,
      picklistValues: values(...GEOCODE_ACCURACIES),
      restrictedPicklist: true,
      compoundFieldName: compound,
    }),
  ]
  const compoundField = readOnly({
    name: compound,
    type: 'address',
    label: `${lp}Address`,
    components: {
      city: `${prefix}City`,
      country: `${prefix}Country`,
      geocodeAccuracy: `${prefix}GeocodeAccuracy`,
      latitude: `${prefix}Latitude`,
      longitude: `${prefix}Longitude`,
      postalCode: `${prefix}PostalCode`,
      state: `${prefix}State`,
      street: `${prefix}Street`,
    },
  })
  return [...parts, compoundField]
}

const optOutFields = (): FieldDef[] => [
  field({ name: 'HasOptedOutOfEmail', type: 'boolean', defaultValue: false, label: 'Email Opt Out' }),
  field({ name: 'HasOptedOutOfFax', type: 'boolean', defaultValue: false, label: 'Fax Opt Out' }),
  field({ name: 'DoNotCall', type: 'boolean', defaultValue: false, label: 'Do Not Call' }),
]

/** Writable: a mailing system records hard bounces here (Salesforce's own bounce handling does too). */
const bounceFields = (): FieldDef[] => [
  field({ name: 'EmailBouncedReason', type: 'string', length: 255, label: 'Email Bounced Reason' }),
  field({ name: 'EmailBouncedDate', type: 'datetime', label: 'Email Bounced Date' }),
]

function personOf(member: SRecord, resolve: RecordResolver): SRecord | undefined {
  const id = (member.ContactId ?? member.LeadId) as string | null
  return id ? resolve(id) : undefined
}

/** A CampaignMember field read through from its Contact or Lead (each may name it differently). */
const readThrough = (
  spec: FieldSpec,
  from: { contact?: string; lead?: string } = {},
  fallback: FieldValue = null,
): FieldDef =>
  readOnly({
    ...spec,
    nillable: spec.type !== 'boolean',
    compute: (member, resolve) => {
      const person = personOf(member, resolve)
      if (!person) return fallback
      const name = person.Id.startsWith('003') ? (from.contact ?? spec.name) : (from.lead ?? spec.name)
      if (name === 'Name') return fullName(person.FirstName, person.LastName)
      const value = person[name]
      return value === undefined ? fallback : value
    },
  })

function sobject(
  def: Pick<SObjectDef, 'name' | 'label' | 'labelPlural' | 'keyPrefix' | 'fields'> & Partial<SObjectDef>,
): SObjectDef {
  return {
    createable: true,
    updateable: true,
    deletable: true,
    custom: false,
    mergeable: false,
    feedEnabled: false,
    ...def,
    fieldMap: new Map(def.fields.map((f) => [f.name.toLowerCase(), f])),
  }
}

const contact = sobject({
  name: 'Contact',
  label: 'Contact',
  labelPlural: 'Contacts',
  keyPrefix: '003',
  mergeable: true,
  feedEnabled: true,
  fields: [
    idField('Contact ID'),
    isDeleted(),
    masterRecord('Contact'),
    field({
      name: 'AccountId',
      type: 'reference',
      referenceTo: ['Account'],
      relationshipName: 'Account',
      childRelationshipName: 'Contacts',
      label: 'Account ID',
    }),
    field({ name: 'LastName', type: 'string', length: 80, nillable: false, label: 'Last Name' }),
    field({ name: 'FirstName', type: 'string', length: 40, label: 'First Name' }),
    picklist('Salutation', 'Salutation', SALUTATIONS),
    personName(),
    ...address('Other', 'Other'),
    ...address('Mailing', 'Mailing'),
    field({ name: 'Phone', type: 'phone', label: 'Business Phone' }),
    field({ name: 'Fax', type: 'phone', label: 'Business Fax' }),
    field({ name: 'MobilePhone', type: 'phone', label: 'Mobile Phone' }),
    field({ name: 'HomePhone', type: 'phone', label: 'Home Phone' }),
    field({ name: 'OtherPhone', type: 'phone', label: 'Other Phone' }),
    field({ name: 'AssistantPhone', type: 'phone', label: 'Asst. Phone' }),
    field({
      name: 'ReportsToId',
      type: 'reference',
      referenceTo: ['Contact'],
      relationshipName: 'ReportsTo',
      label: 'Reports To ID',
    }),
    field({ name: 'Email', type: 'email', label: 'Email', idLookup: true }),
    field({ name: 'Title', type: 'string', length: 128, label: 'Title' }),
    field({ name: 'Department', type: 'string', length: 80, label: 'Department' }),
    field({ name: 'AssistantName', type: 'string', length: 40, label: 'Assistant\u2019s Name' }),
    picklist('LeadSource', 'Lead Source', LEAD_SOURCES),
    field({ name: 'Birthdate', type: 'date', label: 'Birthdate' }),
    field({
      name: 'Description',
      type: 'textarea',
      length: 32000,
      label: 'Contact Description',
      extraTypeInfo: 'plaintextarea',
    }),
    ownerField(),
    ...optOutFields(),
    ...auditFields(),
    ...viewFields(),
    ...bounceFields(),
    readOnly({
      name: 'IsEmailBounced',
      type: 'boolean',
      label: 'Is Email Bounced',
      compute: (r) => r.EmailBouncedDate !== undefined && r.EmailBouncedDate !== null,
    }),
    readOnly({ name: 'PhotoUrl', type: 'url', length: 255, label: 'Photo URL' }),
  ],
})

const lead = sobject({
  name: 'Lead',
  label: 'Lead',
  labelPlural: 'Leads',
  keyPrefix: '00Q',
  mergeable: true,
  feedEnabled: true,
  fields: [
    idField('Lead ID'),
    isDeleted(),
    masterRecord('Lead'),
    field({ name: 'LastName', type: 'string', length: 80, nillable: false, label: 'Last Name' }),
    field({ name: 'FirstName', type: 'string', length: 40, label: 'First Name' }),
    picklist('Salutation', 'Salutation', SALUTATIONS),
    personName(),
    field({ name: 'Title', type: 'string', length: 128, label: 'Title' }),
    field({ name: 'Company', type: 'string', length: 255, nillable: false, label: 'Company' }),
    ...address('', ''),
    field({ name: 'Phone', type: 'phone', label: 'Phone' }),
    field({ name: 'MobilePhone', type: 'phone', label: 'Mobile Phone' }),
    field({ name: 'Fax', type: 'phone', label: 'Fax' }),
    field({ name: 'Email', type: 'email', label: 'Email', idLookup: true }),
    field({ name: 'Website', type: 'url', length: 255, label: 'Website' }),
    readOnly({ name: 'PhotoUrl', type: 'url', length: 255, label: 'Photo URL' }),
    field({
      name: 'Description',
      type: 'textarea',
      length: 32000,
      label: 'Description',
      extraTypeInfo: 'plaintextarea',
    }),
    picklist('LeadSource', 'Lead Source', LEAD_SOURCES),
    field({
      name: 'Status',
      type: 'picklist',
      length: 40,
      nillable: false,
      label: 'Status',
      defaultValue: LEAD_STATUSES[0],
      picklistValues: LEAD_STATUSES.map((value, i) => ({ value, default: i === 0 })),
    }),
    picklist('Industry', 'Industry', INDUSTRIES),
    picklist('Rating', 'Rating', RATINGS),
    field({ name: 'AnnualRevenue', type: 'currency', precision: 18, scale: 0, label: 'Annual Revenue' }),
    field({ name: 'NumberOfEmployees', type: 'int', digits: 8, label: 'Employees' }),
    ownerField(['Group', 'User']),
    field({ name: 'HasOptedOutOfEmail', type: 'boolean', defaultValue: false, label: 'Email Opt Out' }),
    field({ name: 'IsConverted', type: 'boolean', defaultValue: false, updateable: false, label: 'Converted' }),
    readOnly({ name: 'ConvertedDate', type: 'date', label: 'Converted Date' }),
    readOnly({
      name: 'ConvertedAccountId',
      type: 'reference',
      referenceTo: ['Account'],
      relationshipName: 'ConvertedAccount',
      label: 'Converted Account ID',
    }),
    readOnly({
      name: 'ConvertedContactId',
      type: 'reference',
      referenceTo: ['Contact'],
      relationshipName: 'ConvertedContact',
      label: 'Converted Contact ID',
    }),
    field({ name: 'IsUnreadByOwner', type: 'boolean', defaultValue: false, label: 'Unread By Owner' }),
    ...auditFields(),
    ...viewFields(),
    field({ name: 'DoNotCall', type: 'boolean', defaultValue: false, label: 'Do Not Call' }),
    field({ name: 'HasOptedOutOfFax', type: 'boolean', defaultValue: false, label: 'Fax Opt Out' }),
    ...bounceFields(),
  ],
})

const account = sobject({
  name: 'Account',
  label: 'Account',
  labelPlural: 'Accounts',
  keyPrefix: '001',
  mergeable: true,
  feedEnabled: true,
  fields: [
    idField('Account ID'),
    isDeleted(),
    masterRecord('Account'),
    field({ name: 'Name', type: 'string', length: 255, nillable: false, label: 'Account Name', nameField: true }),
    picklist('Type', 'Account Type', ACCOUNT_TYPES, { length: 255 }),
    field({
      name: 'ParentId',
      type: 'reference',
      referenceTo: ['Account'],
      relationshipName: 'Parent',
      childRelationshipName: 'ChildAccounts',
      label: 'Parent Account ID',
    }),
    ...address('Billing', 'Billing'),
    ...address('Shipping', 'Shipping'),
    field({ name: 'Phone', type: 'phone', label: 'Account Phone' }),
    field({ name: 'Fax', type: 'phone', label: 'Account Fax' }),
    field({ name: 'AccountNumber', type: 'string', length: 40, label: 'Account Number' }),
    field({ name: 'Website', type: 'url', length: 255, label: 'Website' }),
    readOnly({ name: 'PhotoUrl', type: 'url', length: 255, label: 'Photo URL' }),
    field({ name: 'Sic', type: 'string', length: 20, label: 'SIC Code' }),
    picklist('Industry', 'Industry', INDUSTRIES, { length: 255 }),
    field({ name: 'AnnualRevenue', type: 'currency', precision: 18, scale: 0, label: 'Annual Revenue' }),
    field({ name: 'NumberOfEmployees', type: 'int', digits: 8, label: 'Employees' }),
    picklist('Ownership', 'Ownership', ['Public', 'Private', 'Subsidiary', 'Other'], { length: 255 }),
    field({ name: 'TickerSymbol', type: 'string', length: 20, label: 'Ticker Symbol' }),
    field({
      name: 'Description',
      type: 'textarea',
      length: 32000,
      label: 'Account Description',
      extraTypeInfo: 'plaintextarea',
    }),
    picklist('Rating', 'Account Rating', RATINGS, { length: 255 }),
    field({ name: 'Site', type: 'string', length: 80, label: 'Account Site' }),
    ownerField(),
    ...auditFields(),
    ...viewFields(),
    picklist('AccountSource', 'Account Source', LEAD_SOURCES, { length: 255 }),
    field({ name: 'SicDesc', type: 'string', length: 80, label: 'SIC Description' }),
  ],
})

const campaign = sobject({
  name: 'Campaign',
  label: 'Campaign',
  labelPlural: 'Campaigns',
  keyPrefix: '701',
  feedEnabled: true,
  fields: [
    idField('Campaign ID'),
    isDeleted(),
    field({ name: 'Name', type: 'string', length: 80, nillable: false, label: 'Name', nameField: true }),
    field({
      name: 'ParentId',
      type: 'reference',
      referenceTo: ['Campaign'],
      relationshipName: 'Parent',
      childRelationshipName: 'ChildCampaigns',
      label: 'Parent Campaign ID',
    }),
    picklist('Type', 'Type', CAMPAIGN_TYPES),
    picklist('Status', 'Status', CAMPAIGN_STATUSES),
    field({ name: 'StartDate', type: 'date', label: 'Start Date' }),
    field({ name: 'EndDate', type: 'date', label: 'End Date' }),
    field({
      name: 'ExpectedRevenue',
      type: 'currency',
      precision: 18,
      scale: 0,
      label: 'Expected Revenue in Campaign',
    }),
    field({ name: 'BudgetedCost', type: 'currency', precision: 18, scale: 0, label: 'Budgeted Cost in Campaign' }),
    field({ name: 'ActualCost', type: 'currency', precision: 18, scale: 0, label: 'Actual Cost in Campaign' }),
    field({ name: 'ExpectedResponse', type: 'percent', precision: 10, scale: 2, label: 'Expected Response (%)' }),
    field({ name: 'NumberSent', type: 'double', precision: 18, scale: 0, label: 'Num Sent in Campaign' }),
    field({ name: 'IsActive', type: 'boolean', defaultValue: false, label: 'Active' }),
    field({
      name: 'Description',
      type: 'textarea',
      length: 32000,
      label: 'Description',
      extraTypeInfo: 'plaintextarea',
    }),
    ownerField(),
    ...auditFields(),
    ...viewFields(),
  ],
})

const campaignMember = sobject({
  name: 'CampaignMember',
  label: 'Campaign Member',
  labelPlural: 'Campaign Members',
  keyPrefix: '00v',
  fields: [
    idField('Campaign Member ID'),
    isDeleted(),
    field({
      name: 'CampaignId',
      type: 'reference',
      referenceTo: ['Campaign'],
      relationshipName: 'Campaign',
      childRelationshipName: 'CampaignMembers',
      cascadeDelete: true,
      nillable: false,
      updateable: false,
      label: 'Campaign ID',
    }),
    field({
      name: 'LeadId',
      type: 'reference',
      referenceTo: ['Lead'],
      relationshipName: 'Lead',
      childRelationshipName: 'CampaignMembers',
      cascadeDelete: true,
      updateable: false,
      label: 'Lead ID',
    }),
    field({
      name: 'ContactId',
      type: 'reference',
      referenceTo: ['Contact'],
      relationshipName: 'Contact',
      childRelationshipName: 'CampaignMembers',
      cascadeDelete: true,
      updateable: false,
      label: 'Contact ID',
    }),
    field({
      name: 'Status',
      type: 'picklist',
      length: 40,
      label: 'Status',
      picklistValues: CAMPAIGN_MEMBER_STATUSES.map((value) => ({ value, default: value === 'Sent' })),
    }),
    readOnly({ name: 'HasResponded', type: 'boolean', defaultValue: false, label: 'Responded' }),
    ...auditFields(),
    readOnly({ name: 'FirstRespondedDate', type: 'date', label: 'First Responded Date' }),
    readThrough({ name: 'Salutation', type: 'picklist', length: 40, label: 'Salutation' }),
    readThrough({ name: 'Name', type: 'string', length: 121, label: 'Name' }),
    readThrough({ name: 'FirstName', type: 'string', length: 40, label: 'First Name' }),
    readThrough({ name: 'LastName', type: 'string', length: 80, label: 'Last Name' }),
    readThrough({ name: 'Title', type: 'string', length: 128, label: 'Title' }),
    readThrough({ name: 'Street', type: 'textarea', length: 255, label: 'Street' }, { contact: 'MailingStreet' }),
    readThrough({ name: 'City', type: 'string', length: 40, label: 'City' }, { contact: 'MailingCity' }),
    readThrough({ name: 'State', type: 'string', length: 80, label: 'State' }, { contact: 'MailingState' }),
    readThrough({ name: 'PostalCode', type: 'string', length: 20, label: 'Zip' }, { contact: 'MailingPostalCode' }),
    readThrough({ name: 'Country', type: 'string', length: 80, label: 'Country' }, { contact: 'MailingCountry' }),
    readThrough({ name: 'Email', type: 'email', label: 'Email' }),
    readThrough({ name: 'Phone', type: 'phone', label: 'Phone' }),
    readThrough({ name: 'Fax', type: 'phone', label: 'Fax' }),
    readThrough({ name: 'MobilePhone', type: 'phone', label: 'Mobile' }),
    readThrough({ name: 'Description', type: 'textarea', length: 32000, label: 'Description', filterable: false }, {}),
    readThrough({ name: 'DoNotCall', type: 'boolean', label: 'Do Not Call' }, {}, false),
    readThrough({ name: 'HasOptedOutOfEmail', type: 'boolean', label: 'Email Opt Out' }, {}, false),
    readThrough({ name: 'HasOptedOutOfFax', type: 'boolean', label: 'Fax Opt Out' }, {}, false),
    readThrough({ name: 'LeadSource', type: 'picklist', length: 40, label: 'Lead Source' }),
    readOnly({
      name: 'CompanyOrAccount',
      type: 'string',
      length: 255,
      label: 'Company (Account)',
      compute: (member, resolve) => {
        const person = personOf(member, resolve)
        if (!person) return null
        if (!person.Id.startsWith('003')) return person.Company ?? null
        const accountId = person.AccountId
        return typeof accountId === 'string' ? (resolve(accountId)?.Name ?? null) : null
      },
    }),
    readOnly({
      name: 'Type',
      type: 'string',
      length: 40,
      label: 'Type',
      compute: (member) => (member.ContactId ? 'Contact' : member.LeadId ? 'Lead' : null),
    }),
    readOnly({
      name: 'LeadOrContactId',
      type: 'reference',
      referenceTo: ['Contact', 'Lead'],
      label: 'Lead or Contact ID',
      compute: (member) => member.ContactId ?? member.LeadId ?? null,
    }),
    readOnly({
      name: 'LeadOrContactOwnerId',
      type: 'reference',
      referenceTo: ['Group', 'User'],
      label: 'Lead or Contact Owner ID',
      compute: (member, resolve) => personOf(member, resolve)?.OwnerId ?? null,
    }),
  ],
})

const campaignMemberStatus = sobject({
  name: 'CampaignMemberStatus',
  label: 'Campaign Member Status',
  labelPlural: 'Campaign Member Statuses',
  keyPrefix: '01Y',
  fields: [
    idField('Campaign Member Status ID'),
    isDeleted(),
    field({
      name: 'CampaignId',
      type: 'reference',
      referenceTo: ['Campaign'],
      nillable: false,
      updateable: false,
      cascadeDelete: true,
      label: 'Campaign ID',
    }),
    field({ name: 'Label', type: 'string', length: 765, nillable: false, label: 'Member Status' }),
    field({ name: 'SortOrder', type: 'int', digits: 9, label: 'Sort Order' }),
    field({ name: 'IsDefault', type: 'boolean', defaultValue: false, label: 'Default' }),
    field({ name: 'HasResponded', type: 'boolean', defaultValue: false, label: 'Responded' }),
    ...auditFields(),
  ],
})

const recordType = sobject({
  name: 'RecordType',
  label: 'Record Type',
  labelPlural: 'Record Types',
  keyPrefix: '012',
  createable: false,
  updateable: false,
  deletable: false,
  fields: [
    idField('Record Type ID'),
    readOnly({ name: 'Name', type: 'string', length: 80, nillable: false, label: 'Name', nameField: true }),
    readOnly({ name: 'DeveloperName', type: 'string', length: 80, nillable: false, label: 'Record Type Name' }),
    readOnly({ name: 'NamespacePrefix', type: 'string', length: 15, label: 'Namespace Prefix' }),
    readOnly({ name: 'Description', type: 'string', length: 255, label: 'Description' }),
    readOnly({
      name: 'SobjectType',
      type: 'picklist',
      length: 40,
      nillable: false,
      label: 'SObject Type Name',
      picklistValues: values('Account', 'Campaign', 'CampaignMember', 'Contact', 'Lead'),
    }),
    readOnly({ name: 'IsActive', type: 'boolean', defaultValue: true, label: 'Active' }),
    ...auditFields(),
  ],
})

const user = sobject({
  name: 'User',
  label: 'User',
  labelPlural: 'Users',
  keyPrefix: '005',
  createable: false,
  updateable: false,
  deletable: false,
  fields: [
    idField('User ID'),
    readOnly({ name: 'Username', type: 'string', length: 80, nillable: false, label: 'Username', idLookup: true }),
    readOnly({ name: 'LastName', type: 'string', length: 80, nillable: false, label: 'Last Name' }),
    readOnly({ name: 'FirstName', type: 'string', length: 40, label: 'First Name' }),
    personName(),
    readOnly({ name: 'CompanyName', type: 'string', length: 80, label: 'Company Name' }),
    readOnly({ name: 'Division', type: 'string', length: 80, label: 'Division' }),
    readOnly({ name: 'Department', type: 'string', length: 80, label: 'Department' }),
    readOnly({ name: 'Title', type: 'string', length: 80, label: 'Title' }),
    ...address('', '', { readOnly: true }),
    readOnly({ name: 'Email', type: 'email', length: 128, nillable: false, label: 'Email' }),
    readOnly({ name: 'Phone', type: 'phone', label: 'Phone' }),
    readOnly({ name: 'MobilePhone', type: 'phone', label: 'Mobile' }),
    readOnly({ name: 'Alias', type: 'string', length: 8, nillable: false, label: 'Alias' }),
    readOnly({ name: 'CommunityNickname', type: 'string', length: 40, label: 'Nickname' }),
    readOnly({ name: 'IsActive', type: 'boolean', defaultValue: true, label: 'Active' }),
    readOnly({ name: 'TimeZoneSidKey', type: 'picklist', length: 40, nillable: false, label: 'Time Zone' }),
    readOnly({
      name: 'UserRoleId',
      type: 'reference',
      referenceTo: ['UserRole'],
      relationshipName: 'UserRole',
      label: 'Role ID',
    }),
    readOnly({ name: 'LocaleSidKey', type: 'picklist', length: 40, nillable: false, label: 'Locale' }),
    readOnly({ name: 'EmailEncodingKey', type: 'picklist', length: 40, nillable: false, label: 'Email Encoding' }),
    readOnly({
      name: 'ProfileId',
      type: 'reference',
      referenceTo: ['Profile'],
      relationshipName: 'Profile',
      nillable: false,
      label: 'Profile ID',
    }),
    readOnly({ name: 'UserType', type: 'picklist', length: 40, label: 'User Type' }),
    readOnly({ name: 'LanguageLocaleKey', type: 'picklist', length: 40, nillable: false, label: 'Language' }),
    readOnly({
      name: 'ManagerId',
      type: 'reference',
      referenceTo: ['User'],
      relationshipName: 'Manager',
      label: 'Manager ID',
    }),
    readOnly({ name: 'LastLoginDate', type: 'datetime', label: 'Last Login' }),
    ...auditFields(),
  ],
})

/** Every standard object, in the order global describe lists them. */
export const STANDARD_SOBJECTS: readonly SObjectDef[] = [
  account,
  campaign,
  campaignMember,
  campaignMemberStatus,
  contact,
  lead,
  recordType,
  user,
]

const byPrefix = new Map(STANDARD_SOBJECTS.map((s) => [s.keyPrefix, s]))

/** The standard object an ID belongs to, by its key prefix (its name is the same in every org). */
export function sobjectForId(id: string): SObjectDef | undefined {
  return byPrefix.get(id.slice(0, 3))
}

/** Reads a field of a stored record, computing derived and read-through fields. */
export function readField(record: SRecord, def: FieldDef, resolve: RecordResolver): FieldValue {
  if (def.compute) return def.compute(record, resolve)
  const value = record[def.name]
  return value === undefined ? null : value
}

export type AddressValue = Record<string, FieldValue>

/** A compound address as REST returns it: an object of its components, or null when all are empty. */
export function readAddress(record: SRecord, def: FieldDef): AddressValue | null {
  const out: AddressValue = {}
  let any = false
  for (const [key, component] of Object.entries(def.components ?? {})) {
    const value = record[component] ?? null
    if (value !== null) any = true
    out[key] = value
  }
  return any ? out : null
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'))
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'))

/**
 * `2025-01-31T09:15:00.000` (UTC, no zone) from epoch ms. Hand-written because Bulk results
 * format a datetime per record, and Date#toISOString is several times slower (days → civil
 * date as in Howard Hinnant's chrono algorithms).
 */
export function isoDateTimeBase(ms: number): string {
  const days = Math.floor(ms / 86_400_000)
  let rest = ms - days * 86_400_000
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = Math.floor(rest / 1000)
  const millis = rest - seconds * 1000
  const y = year >= 0 && year <= 9999 ? String(year).padStart(4, '0') : new Date(ms).toISOString().slice(0, -20)
  return `${y}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[millis]}`
}

/** Salesforce's datetime format in REST JSON: 2025-01-31T09:15:00.000+0000 */
export function formatDateTime(ms: number): string {
  return `${isoDateTimeBase(ms)}+0000`
}

/** Converts a stored value to its REST JSON form. */
export function toWireValue(def: FieldDef, value: FieldValue): FieldValue {
  if (value === null) return null
  if (def.type === 'datetime' && typeof value === 'number') return formatDateTime(value)
  return value
}

/** A field's value in REST JSON (compound addresses as objects). */
export function readWire(record: SRecord, def: FieldDef, resolve: RecordResolver): unknown {
  if (def.type === 'address') return readAddress(record, def)
  return toWireValue(def, readField(record, def, resolve))
}
