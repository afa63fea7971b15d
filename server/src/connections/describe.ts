/**
 * An object's describe, trimmed to what the editor's field picker and the SOQL builder use
 * (Salesforce's full describe of Contact runs to hundreds of KB; this keeps a few KB), plus
 * the fields of the records it looks up (`Account.Name`, `Owner.Email`), labelled the way
 * Salesforce's report builder labels them: "Account: Account Name".
 */
import type { Connection } from 'jsforce'
import type { SObjectDescribe } from '../salesforce/soql.js'

/** Bumped when the shape changes, so describes cached in an older shape are fetched again. */
export const DESCRIBE_VERSION = 2

export interface DescribeFieldView {
  name: string
  label: string
  type: string
  filterable: boolean
  picklistValues?: string[]
  /** A custom field (`__c`). */
  custom?: boolean
  /** On a related field: the relationship's label ("Account"). */
  relationship?: string
  /** On a lookup: the objects it points at, and the relationship's name in SOQL (`Account`). */
  referenceTo?: string[]
  relationshipName?: string
}

export interface DescribeView extends SObjectDescribe {
  name: string
  label: string
  fields: DescribeFieldView[]
  version?: number
}

/**
 * The lookups whose fields are offered, per object. A polymorphic lookup (Lead's Owner
 * may be a queue) is read as its User side: SOQL answers null for the other kinds.
 */
const RELATED: Record<string, Record<string, string>> = {
  Contact: { Account: 'Account', Owner: 'User', ReportsTo: 'Contact', RecordType: 'RecordType' },
  Lead: { Owner: 'User', RecordType: 'RecordType' },
  CampaignMember: { Campaign: 'Campaign', Contact: 'Contact', Lead: 'Lead' },
}

/** Fields a polymorphic relationship can read in SOQL (the "Name" object). */
const POLYMORPHIC_FIELDS = new Set([
  'Id',
  'Name',
  'FirstName',
  'LastName',
  'Email',
  'Phone',
  'Title',
  'Alias',
  'Username',
  'IsActive',
])

/** Compound fields come back as objects and cannot be read through a relationship in every API. */
const SKIPPED_RELATED_TYPES = new Set(['address', 'location', 'base64'])

function fieldOf(f: any): DescribeFieldView | null {
  if (typeof f?.name !== 'string' || typeof f?.type !== 'string') return null
  const field: DescribeFieldView = {
    name: f.name,
    label: typeof f.label === 'string' ? f.label : f.name,
    type: f.type,
    filterable: f.filterable === true,
  }
  if (Array.isArray(f.picklistValues) && f.picklistValues.length > 0) {
    field.picklistValues = f.picklistValues
      .filter((p: unknown) => typeof p === 'string' || (p as { active?: unknown })?.active !== false)
      .map((p: unknown) => (typeof p === 'string' ? p : (p as { value?: unknown })?.value))
      .filter((v: unknown): v is string => typeof v === 'string')
  }
  if (f.custom === true) field.custom = true
  if (typeof f.relationship === 'string') field.relationship = f.relationship
  if (Array.isArray(f.referenceTo) && f.referenceTo.length > 0)
    field.referenceTo = f.referenceTo.filter((r: unknown): r is string => typeof r === 'string')
  if (typeof f.relationshipName === 'string') field.relationshipName = f.relationshipName
  return field
}

/** Keeps name, label, type, filterable, the active picklist values, custom and lookups of each field. */
export function toDescribeView(raw: unknown): DescribeView {
  const d = (raw ?? {}) as { name?: unknown; label?: unknown; fields?: unknown; version?: unknown }
  const fields: DescribeFieldView[] = []
  for (const f of Array.isArray(d.fields) ? d.fields : []) {
    const field = fieldOf(f)
    if (field) fields.push(field)
  }
  const view: DescribeView = { name: String(d.name ?? ''), label: String(d.label ?? d.name ?? ''), fields }
  if (typeof d.version === 'number') view.version = d.version
  return view
}

/** "Account ID" → "Account": Salesforce names a relationship after its lookup field. */
function relationshipLabel(lookup: DescribeFieldView): string {
  return lookup.label.replace(/\s+ID$/i, '')
}

/** The lookups of an object whose related fields are offered: relationship name → object described. */
export function relatedTargets(base: DescribeView): Map<string, string> {
  const wanted = RELATED[base.name] ?? {}
  const targets = new Map<string, string>()
  for (const f of base.fields) {
    if (f.type === 'reference' && f.relationshipName && wanted[f.relationshipName])
      targets.set(f.relationshipName, wanted[f.relationshipName]!)
  }
  return targets
}

/**
 * The base describe with the fields of its related records appended (`Account.Name`,
 * labelled "Account: Account Name"); `targets` holds the related objects' describes.
 */
export function withRelatedFields(base: DescribeView, targets: ReadonlyMap<string, DescribeView>): DescribeView {
  const wanted = RELATED[base.name] ?? {}
  const fields = [...base.fields]
  for (const lookup of base.fields) {
    const rel = lookup.relationshipName
    if (lookup.type !== 'reference' || !rel || !wanted[rel]) continue
    const target = targets.get(wanted[rel]!)
    if (!target) continue
    const polymorphic = (lookup.referenceTo?.length ?? 0) > 1
    const relLabel = relationshipLabel(lookup)
    for (const field of target.fields) {
      if (SKIPPED_RELATED_TYPES.has(field.type) || field.type === 'reference' || field.name.includes('.')) continue
      if (polymorphic && !POLYMORPHIC_FIELDS.has(field.name)) continue
      const related: DescribeFieldView = {
        ...field,
        name: `${rel}.${field.name}`,
        label: `${relLabel}: ${field.label}`,
        relationship: relLabel,
        filterable: field.filterable && lookup.filterable,
      }
      delete related.referenceTo
      delete related.relationshipName
      fields.push(related)
    }
  }
  return { ...base, fields }
}

/** True when a definition names a field of a related record (`Account.Name`). */
export function usesRelatedFields(names: readonly string[]): boolean {
  return names.some((n) => n.includes('.'))
}

/** One describe call to Salesforce (`GET /sobjects/<name>/describe`). */
export async function fetchDescribe(conn: Connection, sobject: string): Promise<DescribeView> {
  return { ...toDescribeView(await conn.describe(sobject)), version: DESCRIBE_VERSION }
}
