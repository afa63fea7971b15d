// The JSON of Salesforce's describe calls (global describe, sObject describe, sObject basic
// information), with every key a real org's describe carries, built from an org's schema.
import type { OrgSchema } from './org-schema.js'
import type { FieldDef, FieldType, SObjectDef } from './schema.js'
import { isLongTextArea, MASTER_RECORD_TYPE_ID } from './schema.js'

const SOAP_TYPES: Record<FieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  textarea: 'xsd:string',
  picklist: 'xsd:string',
  multipicklist: 'xsd:string',
  boolean: 'xsd:boolean',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  int: 'xsd:int',
  address: 'urn:address',
}

const TEXTUAL: ReadonlySet<FieldType> = new Set([
  'string',
  'email',
  'phone',
  'url',
  'textarea',
  'picklist',
  'multipicklist',
  'id',
  'reference',
])

/** The field as `sobjects/:type/describe` lists it. */
export function describeField(def: FieldDef): Record<string, unknown> {
  const textual = TEXTUAL.has(def.type)
  const idLike = def.type === 'id' || def.type === 'reference'
  const polymorphic = (def.referenceTo?.length ?? 0) > 1
  const defaultedOnCreate =
    def.defaultValue !== undefined || def.type === 'id' || def.type === 'boolean' || (!def.createable && !def.compute)
  return {
    aggregatable: !isLongTextArea(def) && def.type !== 'address' && def.type !== 'multipicklist',
    aiPredictionField: false,
    autoNumber: false,
    byteLength: idLike ? 18 : textual ? def.length * 3 : 0,
    calculated: Boolean(def.compute) && def.type !== 'address',
    calculatedFormula: null,
    cascadeDelete: def.cascadeDelete ?? false,
    caseSensitive: false,
    compoundFieldName: def.compoundFieldName ?? null,
    controllerName: null,
    createable: def.createable,
    custom: def.custom,
    defaultValue: def.type === 'boolean' ? (def.defaultValue ?? false) : null,
    defaultValueFormula: null,
    defaultedOnCreate,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: def.digits,
    displayLocationInDecimal: false,
    encrypted: false,
    externalId: def.externalId ?? false,
    extraTypeInfo: def.extraTypeInfo ?? null,
    filterable: def.filterable,
    filteredLookupInfo: null,
    formulaTreatNullNumberAsZero: false,
    groupable: def.groupable,
    highScaleNumber: false,
    htmlFormatted: false,
    idLookup: def.idLookup ?? false,
    inlineHelpText: def.inlineHelpText ?? null,
    label: def.label,
    length: textual ? def.length : 0,
    mask: null,
    maskType: null,
    name: def.name,
    nameField: def.nameField ?? false,
    namePointing: polymorphic,
    nillable: def.nillable,
    permissionable: def.nillable && def.updateable && !def.compute,
    picklistValues: (def.picklistValues ?? [])
      .filter((p) => p.active !== false)
      .map((p) => ({
        active: true,
        defaultValue: p.default ?? false,
        label: p.label ?? p.value,
        validFor: null,
        value: p.value,
      })),
    polymorphicForeignKey: polymorphic,
    precision: def.precision,
    queryByDistance: false,
    referenceTargetField: null,
    referenceTo: def.referenceTo ?? [],
    relationshipName: def.relationshipName ?? null,
    relationshipOrder: null,
    restrictedDelete: false,
    restrictedPicklist: def.restrictedPicklist ?? false,
    scale: def.scale,
    searchPrefilterable: def.type === 'reference',
    soapType: SOAP_TYPES[def.type],
    sortable: def.sortable,
    type: def.type,
    unique: def.unique ?? false,
    updateable: def.updateable,
    writeRequiresMasterRead: false,
  }
}

/** An object's entry in global describe (`GET /sobjects`). */
export function globalEntry(def: SObjectDef, version: string): Record<string, unknown> {
  const base = `/services/data/v${version}/sobjects/${def.name}`
  return {
    activateable: false,
    associateEntityType: null,
    associateParentEntity: null,
    createable: def.createable,
    custom: def.custom,
    customSetting: false,
    deepCloneable: false,
    deletable: def.deletable,
    deprecatedAndHidden: false,
    feedEnabled: def.feedEnabled,
    hasSubtypes: false,
    isInterface: false,
    isSubtype: false,
    keyPrefix: def.keyPrefix,
    label: def.label,
    labelPlural: def.labelPlural,
    layoutable: true,
    mergeable: def.mergeable,
    mruEnabled: true,
    name: def.name,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    searchable: def.name !== 'CampaignMemberStatus' && def.name !== 'RecordType',
    triggerable: def.createable,
    undeletable: def.deletable,
    updateable: def.updateable,
    urls: {
      rowTemplate: `${base}/{ID}`,
      defaultValues: `${base}/defaultValues?recordTypeId&fields`,
      describe: `${base}/describe`,
      sobject: base,
    },
  }
}

/** Every reference field of the org's objects that points at `def`, as describe's childRelationships. */
function childRelationships(schema: OrgSchema, def: SObjectDef): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (const child of schema.list()) {
    for (const f of child.fields) {
      if (f.type !== 'reference' || f.compute || !f.referenceTo?.includes(def.name)) continue
      out.push({
        cascadeDelete: f.cascadeDelete ?? false,
        childSObject: child.name,
        deprecatedAndHidden: false,
        field: f.name,
        junctionIdListNames: [],
        junctionReferenceTo: [],
        relationshipName: f.childRelationshipName ?? null,
        restrictedDelete: false,
      })
    }
  }
  return out
}

function recordTypeInfos(schema: OrgSchema, def: SObjectDef, version: string): Record<string, unknown>[] {
  const layout = (id: string) => ({ layout: `/services/data/v${version}/sobjects/${def.name}/describe/layouts/${id}` })
  const own = schema.recordTypesOf(def.name).filter((r) => r.active)
  const infos = own.map((r) => ({
    active: true,
    available: true,
    defaultRecordTypeMapping: r.isDefault,
    developerName: r.developerName,
    master: false,
    name: r.name,
    recordTypeId: r.id,
    urls: layout(r.id),
  }))
  infos.push({
    active: true,
    available: true,
    defaultRecordTypeMapping: own.length === 0,
    developerName: 'Master',
    master: true,
    name: 'Master',
    recordTypeId: MASTER_RECORD_TYPE_ID,
    urls: layout(MASTER_RECORD_TYPE_ID),
  })
  return infos
}

/** `GET /sobjects/:type/describe`. */
export function describeSObject(schema: OrgSchema, def: SObjectDef, version: string): Record<string, unknown> {
  const base = `/services/data/v${version}/sobjects/${def.name}`
  const { urls, ...entry } = globalEntry(def, version)
  return {
    actionOverrides: [],
    ...entry,
    childRelationships: childRelationships(schema, def),
    compactLayoutable: true,
    dataTranslationEnabled: false,
    defaultImplementation: null,
    extendedBy: null,
    extendsInterfaces: null,
    fields: def.fields.map(describeField),
    implementedBy: null,
    implementsInterfaces: null,
    listviewable: null,
    lookupLayoutable: null,
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: recordTypeInfos(schema, def, version),
    searchLayoutable: true,
    sobjectDescribeOption: 'FULL',
    supportedScopes: [
      { label: 'All', name: 'everything' },
      ...(def.fieldMap.has('ownerid') ? [{ label: 'My', name: 'mine' }] : []),
    ],
    urls: {
      ...(urls as Record<string, string>),
      compactLayouts: `${base}/describe/compactLayouts`,
      approvalLayouts: `${base}/describe/approvalLayouts`,
      listviews: `${base}/listviews`,
      quickActions: `${base}/quickActions`,
      layouts: `${base}/describe/layouts`,
      uiDetailTemplate: null,
      uiEditTemplate: null,
      uiNewRecord: null,
    },
  }
}
