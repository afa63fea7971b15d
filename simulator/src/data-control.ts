// The control API's data side: what an admin would change in Setup (custom fields, record
// types, field settings, campaign member statuses), for tests that need an org to change
// under SF Link, and the simulated Bulk API's settings. Part of `sim.control`; the HTTP routes
// are in routes/data-control.ts.
import { addCustomField, addRecordType, removeField, updateField, type RecordTypeInput } from './customization.js'
import { describeField, describeSObject } from './describe.js'
import type { CustomFieldInput, FieldPatch, RecordTypeInfo } from './org-schema.js'
import { addMemberStatuses, memberStatusesOf, toWireRecord, type MemberStatusInput } from './records.js'
import { DEFAULT_BULK_SETTINGS, type BulkSettings, type SimulatorContext } from './context.js'
import type { Org } from './state.js'

export interface DataControl {
  /** The object's describe in an org (default: the first org), as `GET /sobjects/:type/describe` gives it. */
  describe(type: string, orgId?: string): Record<string, unknown>
  /** Adds a custom field (name ending in __c); answers its describe entry. */
  addCustomField(type: string, field: CustomFieldInput, orgId?: string): Record<string, unknown>
  /**
   * Removes a field: queries naming it then fail with INVALID_FIELD. A custom field's data goes with
   * it; a standard field's stays (as when field-level security hides it).
   */
  removeField(type: string, name: string, orgId?: string): void
  /** Changes a field's settings, e.g. `{filterable: false}`; answers its describe entry. */
  updateField(type: string, name: string, patch: FieldPatch, orgId?: string): Record<string, unknown>
  addRecordType(input: RecordTypeInput & { orgId?: string }): RecordTypeInfo
  recordTypes(type?: string, orgId?: string): RecordTypeInfo[]
  /** A campaign's member statuses (CampaignMemberStatus records), in their order. */
  memberStatuses(campaignId: string): Record<string, unknown>[]
  addMemberStatuses(campaignId: string, statuses: MemberStatusInput[]): Record<string, unknown>[]
  /** How the Bulk API 2.0 behaves: processing time of query jobs, default results page size, failing jobs. */
  bulkSettings(): BulkSettings
  setBulkSettings(settings: Partial<BulkSettings>): BulkSettings
}

export function createDataControl(ctx: SimulatorContext, orgOf: (id?: string) => Org): DataControl {
  const { state, apiVersion } = ctx
  const bulk = (ctx.bulk ??= { ...DEFAULT_BULK_SETTINGS })
  const sobjectOf = (type: string, orgId?: string) => {
    const org = orgOf(orgId)
    const def = org.schema.find(type)
    if (!def) throw new Error(`unknown sObject type ${type}`)
    return { org, def }
  }
  const orgOfRecord = (id: string): Org => {
    for (const org of state.orgs.values()) if (state.findRecord(org.id, id)) return org
    throw new Error(`unknown record ${id}`)
  }
  const statusRecords = (org: Org, campaignId: string) => {
    const def = org.schema.find('CampaignMemberStatus')!
    return memberStatusesOf(state, org.id, campaignId).map((r) => toWireRecord(state, org.id, def, r, apiVersion))
  }
  return {
    describe(type, orgId) {
      const { org, def } = sobjectOf(type, orgId)
      return describeSObject(org.schema, def, apiVersion)
    },
    addCustomField(type, input, orgId) {
      const { org, def } = sobjectOf(type, orgId)
      return describeField(addCustomField(state, org.id, def.name, input))
    },
    removeField(type, name, orgId) {
      const { org, def } = sobjectOf(type, orgId)
      removeField(state, org.id, def.name, name)
    },
    updateField(type, name, patch, orgId) {
      const { org, def } = sobjectOf(type, orgId)
      return describeField(updateField(state, org.id, def.name, name, patch))
    },
    addRecordType({ orgId, ...input }) {
      return { ...addRecordType(state, orgOf(orgId).id, input) }
    },
    recordTypes(type, orgId) {
      const schema = orgOf(orgId).schema
      return (type ? schema.recordTypesOf(type) : schema.recordTypes).map((r) => ({ ...r }))
    },
    memberStatuses(campaignId) {
      return statusRecords(orgOfRecord(campaignId), campaignId)
    },
    addMemberStatuses(campaignId, statuses) {
      const org = orgOfRecord(campaignId)
      if (!campaignId.startsWith('701')) throw new Error(`not a campaign ID: ${campaignId}`)
      addMemberStatuses(state, org.id, campaignId, statuses)
      return statusRecords(org, campaignId)
    },
    bulkSettings: () => ({ ...bulk }),
    setBulkSettings(settings) {
      for (const [key, value] of Object.entries(settings)) {
        if (!(key in bulk)) throw new Error(`not a bulk setting: ${key}`)
        const positive = key === 'resultsPageSize'
        if (typeof value !== 'number' || !Number.isInteger(value) || value < (positive ? 1 : 0)) {
          throw new Error(`${key} must be a ${positive ? 'positive' : 'non-negative'} integer`)
        }
      }
      Object.assign(bulk, settings)
      return { ...bulk }
    },
  }
}
