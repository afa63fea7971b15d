/**
 * An object's describe, trimmed to what the editor's field picker and the SOQL builder use
 * (Salesforce's full describe of Contact runs to hundreds of KB; this keeps a few KB).
 */
import type { Connection } from 'jsforce'
import type { SObjectDescribe } from '../salesforce/soql.js'

export interface DescribeFieldView {
  name: string
  label: string
  type: string
  filterable: boolean
  picklistValues?: string[]
}

export interface DescribeView extends SObjectDescribe {
  name: string
  label: string
  fields: DescribeFieldView[]
}

/** Keeps name, label, type, filterable and the active picklist values of each field. */
export function toDescribeView(raw: unknown): DescribeView {
  const d = (raw ?? {}) as { name?: unknown; label?: unknown; fields?: unknown }
  const fields: DescribeFieldView[] = []
  for (const f of Array.isArray(d.fields) ? d.fields : []) {
    if (typeof f?.name !== 'string' || typeof f?.type !== 'string') continue
    const field: DescribeFieldView = {
      name: f.name,
      label: typeof f.label === 'string' ? f.label : f.name,
      type: f.type,
      filterable: f.filterable === true,
    }
    if (Array.isArray(f.picklistValues) && f.picklistValues.length > 0) {
      field.picklistValues = f.picklistValues
        .filter((p: { active?: unknown; value?: unknown }) => p?.active !== false && typeof p?.value === 'string')
        .map((p: { value: string }) => p.value)
    }
    fields.push(field)
  }
  return { name: String(d.name ?? ''), label: String(d.label ?? d.name ?? ''), fields }
}

/** One describe call to Salesforce (`GET /sobjects/<name>/describe`). */
export async function fetchDescribe(conn: Connection, sobject: string): Promise<DescribeView> {
  return toDescribeView(await conn.describe(sobject))
}
