// Describes like a real org's, per-org custom fields and record types, and the control API that
// changes an org's schema under a client — all through real jsforce over HTTP.
import { Connection } from 'jsforce'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSalesforceSimulator, type SalesforceSimulator, type SimUser } from '../src/index.js'

const V = '62.0'
let sim: SalesforceSimulator
let ada: SimUser
let conn: Connection

/** The keys every entry of a real describe's `fields` carries (API 60.0+). */
const FIELD_KEYS = [
  'aggregatable',
  'aiPredictionField',
  'autoNumber',
  'byteLength',
  'calculated',
  'calculatedFormula',
  'cascadeDelete',
  'caseSensitive',
  'compoundFieldName',
  'controllerName',
  'createable',
  'custom',
  'defaultValue',
  'defaultValueFormula',
  'defaultedOnCreate',
  'dependentPicklist',
  'deprecatedAndHidden',
  'digits',
  'displayLocationInDecimal',
  'encrypted',
  'externalId',
  'extraTypeInfo',
  'filterable',
  'filteredLookupInfo',
  'formulaTreatNullNumberAsZero',
  'groupable',
  'highScaleNumber',
  'htmlFormatted',
  'idLookup',
  'inlineHelpText',
  'label',
  'length',
  'mask',
  'maskType',
  'name',
  'nameField',
  'namePointing',
  'nillable',
  'permissionable',
  'picklistValues',
  'polymorphicForeignKey',
  'precision',
  'queryByDistance',
  'referenceTargetField',
  'referenceTo',
  'relationshipName',
  'relationshipOrder',
  'restrictedDelete',
  'restrictedPicklist',
  'scale',
  'searchPrefilterable',
  'soapType',
  'sortable',
  'type',
  'unique',
  'updateable',
  'writeRequiresMasterRead',
].sort()

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

const fieldOf = (d: { fields: any[] }, name: string) => {
  const f = d.fields.find((x) => x.name === name)
  if (!f) throw new Error(`no field ${name}`)
  return f
}
const values = (f: any) => f.picklistValues.map((p: any) => p.value)

/** The error a query fails with (the test fails if it succeeds). */
async function queryError(soql: string): Promise<{ errorCode: string; message: string }> {
  const result = await conn.query(soql).then(
    () => undefined,
    (e: Error) => e as Error & { errorCode: string },
  )
  if (!result) throw new Error(`query succeeded: ${soql}`)
  return result
}

beforeAll(async () => {
  sim = await createSalesforceSimulator({
    orgs: [
      { name: 'Demo', users: [{ username: 'ada@describe.test', firstName: 'Ada', lastName: 'Lovelace' }] },
      {
        name: 'Bare',
        schema: 'standard',
        users: [{ username: 'grace@describe.test', firstName: 'Grace', lastName: 'Hopper' }],
        data: { contacts: 5, leads: 5, campaigns: 1 },
      },
    ],
  })
  ada = sim.control.user('ada@describe.test')
  conn = new Connection({ loginUrl: sim.url, version: V })
  await conn.login(ada.username, ada.password + ada.securityToken)
})

afterAll(() => sim.close())

describe('global describe', () => {
  it('lists the standard objects a marketing org uses', async () => {
    const global = await conn.describeGlobal()
    expect(global.sobjects.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'Account',
        'Campaign',
        'CampaignMember',
        'CampaignMemberStatus',
        'Contact',
        'Lead',
        'RecordType',
        'User',
      ]),
    )
    const contact = global.sobjects.find((s) => s.name === 'Contact')!
    expect(contact).toMatchObject({ keyPrefix: '003', label: 'Contact', labelPlural: 'Contacts', queryable: true })
    expect(contact.urls).toEqual({
      rowTemplate: `/services/data/v${V}/sobjects/Contact/{ID}`,
      defaultValues: `/services/data/v${V}/sobjects/Contact/defaultValues?recordTypeId&fields`,
      describe: `/services/data/v${V}/sobjects/Contact/describe`,
      sobject: `/services/data/v${V}/sobjects/Contact`,
    })
  })
})

describe('sObject describe', () => {
  it('gives every field the keys of a real describe, and the object its relationships and record types', async () => {
    const d: any = await conn.sobject('Contact').describe()
    for (const f of d.fields) expect(Object.keys(f).sort()).toEqual(FIELD_KEYS)
    expect(d).toMatchObject({ name: 'Contact', keyPrefix: '003', createable: true, mergeable: true })
    expect(d.childRelationships).toEqual(
      expect.arrayContaining([
        {
          cascadeDelete: true,
          childSObject: 'CampaignMember',
          deprecatedAndHidden: false,
          field: 'ContactId',
          junctionIdListNames: [],
          junctionReferenceTo: [],
          relationshipName: 'CampaignMembers',
          restrictedDelete: false,
        },
      ]),
    )
    const types = d.recordTypeInfos.map((r: any) => [r.name, r.developerName, r.master, r.defaultRecordTypeMapping])
    expect(types).toEqual([
      ['Customer', 'Customer', false, true],
      ['Partner', 'Partner', false, false],
      ['Master', 'Master', true, false],
    ])
    expect(d.recordTypeInfos.at(-1)).toMatchObject({
      recordTypeId: '012000000000000AAA',
      urls: { layout: `/services/data/v${V}/sobjects/Contact/describe/layouts/012000000000000AAA` },
    })
    expect(d.urls).toMatchObject({ describe: `/services/data/v${V}/sobjects/Contact/describe` })
  })

  it('describes Contact’s standard fields with their real types, labels, lengths and flags', async () => {
    const d: any = await conn.sobject('Contact').describe()
    expect(fieldOf(d, 'Email')).toMatchObject({ type: 'email', label: 'Email', length: 80, filterable: true })
    expect(fieldOf(d, 'LastName')).toMatchObject({ type: 'string', length: 80, nillable: false, createable: true })
    expect(fieldOf(d, 'Name')).toMatchObject({ type: 'string', label: 'Full Name', length: 121, createable: false })
    expect(fieldOf(d, 'Title')).toMatchObject({ type: 'string', length: 128 })
    expect(fieldOf(d, 'Phone')).toMatchObject({ type: 'phone', label: 'Business Phone', length: 40 })
    expect(values(fieldOf(d, 'Salutation'))).toEqual(['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.', 'Mx.'])
    expect(values(fieldOf(d, 'LeadSource'))).toEqual([
      'Web',
      'Phone Inquiry',
      'Partner Referral',
      'Purchased List',
      'Other',
    ])
    expect(fieldOf(d, 'Birthdate')).toMatchObject({ type: 'date', soapType: 'xsd:date', filterable: true })
    expect(fieldOf(d, 'HasOptedOutOfEmail')).toMatchObject({
      type: 'boolean',
      label: 'Email Opt Out',
      nillable: false,
      defaultValue: false,
      updateable: true,
    })
    // Long text area: neither filterable nor sortable nor groupable.
    expect(fieldOf(d, 'Description')).toMatchObject({
      type: 'textarea',
      label: 'Contact Description',
      length: 32000,
      filterable: false,
      sortable: false,
      groupable: false,
    })
    // Compound address: the compound field is read-only and not filterable; its parts are.
    expect(fieldOf(d, 'MailingAddress')).toMatchObject({
      type: 'address',
      soapType: 'urn:address',
      filterable: false,
      createable: false,
      updateable: false,
    })
    expect(fieldOf(d, 'MailingStreet')).toMatchObject({
      type: 'textarea',
      length: 255,
      filterable: true,
      compoundFieldName: 'MailingAddress',
    })
    expect(fieldOf(d, 'MailingCity')).toMatchObject({ type: 'string', length: 40, compoundFieldName: 'MailingAddress' })
    expect(fieldOf(d, 'MailingState')).toMatchObject({ label: 'Mailing State/Province', length: 80 })
    expect(fieldOf(d, 'MailingPostalCode')).toMatchObject({ label: 'Mailing Zip/Postal Code', length: 20 })
    expect(fieldOf(d, 'MailingLatitude')).toMatchObject({ type: 'double', precision: 18, scale: 15 })
    expect(fieldOf(d, 'AccountId')).toMatchObject({
      type: 'reference',
      referenceTo: ['Account'],
      relationshipName: 'Account',
      label: 'Account ID',
    })
    expect(fieldOf(d, 'ReportsToId')).toMatchObject({ referenceTo: ['Contact'], relationshipName: 'ReportsTo' })
    expect(fieldOf(d, 'OwnerId')).toMatchObject({ referenceTo: ['User'], relationshipName: 'Owner', nillable: false })
    expect(fieldOf(d, 'EmailBouncedReason')).toMatchObject({ type: 'string', length: 255, updateable: true })
    expect(fieldOf(d, 'EmailBouncedDate')).toMatchObject({ type: 'datetime', updateable: true, createable: true })
    expect(fieldOf(d, 'IsEmailBounced')).toMatchObject({ type: 'boolean', updateable: false })
    expect(fieldOf(d, 'RecordTypeId')).toMatchObject({ referenceTo: ['RecordType'], relationshipName: 'RecordType' })
    expect(fieldOf(d, 'CreatedDate')).toMatchObject({ type: 'datetime', updateable: false, nillable: false })
  })

  it('describes Lead, Account, Campaign, CampaignMember and User the same way', async () => {
    const lead: any = await conn.sobject('Lead').describe()
    const status = fieldOf(lead, 'Status')
    expect(values(status)).toEqual([
      'Open - Not Contacted',
      'Working - Contacted',
      'Closed - Converted',
      'Closed - Not Converted',
    ])
    expect(status.picklistValues[0]).toEqual({
      active: true,
      defaultValue: true,
      label: 'Open - Not Contacted',
      validFor: null,
      value: 'Open - Not Contacted',
    })
    expect(values(fieldOf(lead, 'Rating'))).toEqual(['Hot', 'Warm', 'Cold'])
    expect(values(fieldOf(lead, 'Industry'))).toContain('Technology')
    expect(fieldOf(lead, 'Company')).toMatchObject({ type: 'string', length: 255, nillable: false })
    expect(fieldOf(lead, 'Address')).toMatchObject({ type: 'address', filterable: false })
    expect(fieldOf(lead, 'Street')).toMatchObject({ compoundFieldName: 'Address', label: 'Street' })
    expect(fieldOf(lead, 'AnnualRevenue')).toMatchObject({ type: 'currency', soapType: 'xsd:double', precision: 18 })
    expect(fieldOf(lead, 'NumberOfEmployees')).toMatchObject({ type: 'int', soapType: 'xsd:int', digits: 8 })
    expect(fieldOf(lead, 'Website')).toMatchObject({ type: 'url', length: 255 })
    expect(fieldOf(lead, 'OwnerId')).toMatchObject({
      referenceTo: ['Group', 'User'],
      polymorphicForeignKey: true,
      namePointing: true,
    })
    expect(fieldOf(lead, 'ConvertedContactId')).toMatchObject({
      referenceTo: ['Contact'],
      relationshipName: 'ConvertedContact',
      createable: false,
    })
    expect(fieldOf(lead, 'EmailBouncedDate')).toMatchObject({ type: 'datetime', updateable: true })

    const account: any = await conn.sobject('Account').describe()
    expect(fieldOf(account, 'Name')).toMatchObject({ label: 'Account Name', nameField: true })
    expect(values(fieldOf(account, 'Rating'))).toEqual(['Hot', 'Warm', 'Cold'])
    expect(values(fieldOf(account, 'Type'))).toContain('Customer - Direct')
    expect(fieldOf(account, 'BillingAddress')).toMatchObject({ type: 'address' })
    expect(account.childRelationships).toEqual(
      expect.arrayContaining([expect.objectContaining({ childSObject: 'Contact', relationshipName: 'Contacts' })]),
    )

    const campaign: any = await conn.sobject('Campaign').describe()
    expect(fieldOf(campaign, 'StartDate')).toMatchObject({ type: 'date' })
    expect(fieldOf(campaign, 'ExpectedResponse')).toMatchObject({ type: 'percent' })
    const member: any = await conn.sobject('CampaignMember').describe()
    expect(fieldOf(member, 'CampaignId')).toMatchObject({ referenceTo: ['Campaign'], relationshipName: 'Campaign' })
    expect(fieldOf(member, 'ContactId')).toMatchObject({ referenceTo: ['Contact'], relationshipName: 'Contact' })
    expect(fieldOf(member, 'LeadId')).toMatchObject({ referenceTo: ['Lead'], relationshipName: 'Lead' })
    expect(values(fieldOf(member, 'Status'))).toEqual(['Planned', 'Received', 'Responded', 'Sent'])
    expect(fieldOf(member, 'HasResponded')).toMatchObject({ type: 'boolean', updateable: false })
    const user: any = await conn.sobject('User').describe()
    expect(fieldOf(user, 'Email')).toMatchObject({ type: 'email', length: 128 })
    expect(fieldOf(user, 'IsActive')).toMatchObject({ type: 'boolean' })
  })

  it('lists the org’s custom fields with custom: true and their types', async () => {
    for (const type of ['Contact', 'Lead']) {
      const d: any = await conn.sobject(type).describe()
      expect(fieldOf(d, 'Interests__c')).toMatchObject({
        type: 'multipicklist',
        custom: true,
        label: 'Interests',
        filterable: true,
        sortable: false,
        restrictedPicklist: true,
      })
      expect(values(fieldOf(d, 'Interests__c'))).toContain('Webinars')
      expect(fieldOf(d, 'Preferred_Language__c')).toMatchObject({ type: 'picklist', custom: true })
      expect(fieldOf(d, 'Newsletter_Subscriber__c')).toMatchObject({ type: 'boolean', defaultValue: false })
      expect(fieldOf(d, 'Last_Event_Date__c')).toMatchObject({ type: 'date', custom: true })
      expect(fieldOf(d, 'Last_Web_Visit__c')).toMatchObject({ type: 'datetime', custom: true })
      expect(fieldOf(d, 'Lead_Score__c')).toMatchObject({ type: 'double', precision: 3, scale: 0 })
      expect(fieldOf(d, 'Notes__c')).toMatchObject({ type: 'textarea', filterable: false })
    }
  })
})

describe('schema changes through the control API', () => {
  it('keeps custom fields per org: an org created with the standard schema has none', async () => {
    const bare = sim.control.orgs().find((o) => o.name === 'Bare')!
    const describeBare = sim.control.describe('Contact', bare.id) as any
    expect(describeBare.fields.some((f: any) => f.custom)).toBe(false)
    expect(describeBare.fields.some((f: any) => f.name === 'RecordTypeId')).toBe(false)

    const added = await call('POST', '/_sim/schema/Contact/fields', {
      orgId: bare.id,
      name: 'Region__c',
      type: 'picklist',
      picklistValues: ['EMEA', 'AMER', 'APAC'],
    })
    expect(added.status).toBe(201)
    expect(added.body).toMatchObject({ name: 'Region__c', label: 'Region', type: 'picklist', custom: true })
    expect((sim.control.describe('Contact', bare.id) as any).fields.map((f: any) => f.name)).toContain('Region__c')
    // The demo org did not get it.
    await expect(conn.query('SELECT Region__c FROM Contact')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' })
    expect((await call('POST', '/_sim/schema/Contact/fields', { name: 'Bad__Name__c', type: 'string' })).status).toBe(
      400,
    )
    expect((await call('POST', '/_sim/schema/Nope/fields', { name: 'X__c', type: 'string' })).status).toBe(404)
  })

  it('removing a field makes queries that use it fail with INVALID_FIELD, and describe forgets it', async () => {
    sim.control.addCustomField('Lead', { name: 'Temp_Flag__c', type: 'boolean' })
    const [lead] = sim.control.records('Lead', { limit: 1 })
    sim.control.updateRecord('Lead', lead.Id as string, { Temp_Flag__c: true })
    expect((await conn.query('SELECT Id FROM Lead WHERE Temp_Flag__c = true')).totalSize).toBe(1)

    expect((await call('DELETE', '/_sim/schema/Lead/fields/Temp_Flag__c')).status).toBe(204)
    const error = await queryError('SELECT Id FROM Lead WHERE Temp_Flag__c = true')
    expect(error).toMatchObject({ errorCode: 'INVALID_FIELD' })
    expect(error.message).toContain("No such column 'Temp_Flag__c' on entity 'Lead'")
    const d: any = await conn.sobject('Lead').describe()
    expect(d.fields.some((f: any) => f.name === 'Temp_Flag__c')).toBe(false)
    // A field of the same name added again starts empty: the data went with the field.
    sim.control.addCustomField('Lead', { name: 'Temp_Flag__c', type: 'boolean' })
    expect((await conn.query('SELECT Id FROM Lead WHERE Temp_Flag__c = true')).totalSize).toBe(0)
    sim.control.removeField('Lead', 'Temp_Flag__c')
  })

  it('a field made non-filterable is refused in WHERE with Salesforce’s error, and describe says so', async () => {
    expect((await conn.query("SELECT Id FROM Contact WHERE Title = 'CEO'")).totalSize).toBeGreaterThan(0)
    const patched = await call('PATCH', '/_sim/schema/Contact/fields/Title', { filterable: false })
    expect(patched).toMatchObject({ status: 200, body: { name: 'Title', filterable: false } })
    const error = await queryError("SELECT Id FROM Contact WHERE Title = 'CEO'")
    expect(error.errorCode).toBe('INVALID_FIELD')
    expect(error.message).toMatch(/field 'Title' can not be filtered in a query call$/)
    expect(fieldOf(await conn.sobject('Contact').describe(), 'Title').filterable).toBe(false)
    // Still selectable.
    expect((await conn.query('SELECT Title FROM Contact LIMIT 1')).records).toHaveLength(1)
    await call('PATCH', '/_sim/schema/Contact/fields/Title', { filterable: true })
    expect((await call('PATCH', '/_sim/schema/Contact/fields/Title', { colour: 'red' })).status).toBe(400)
  })

  it('adds record types that describe lists and SOQL reads through RecordType', async () => {
    const created = await call('POST', '/_sim/schema/Lead/record-types', { name: 'Event Lead', isDefault: true })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ sobjectType: 'Lead', developerName: 'Event_Lead', isDefault: true })
    expect(created.body.id).toMatch(/^012\w{15}$/)
    const d: any = await conn.sobject('Lead').describe()
    const defaults = d.recordTypeInfos.filter((r: any) => r.defaultRecordTypeMapping).map((r: any) => r.name)
    expect(defaults).toEqual(['Event Lead'])
    // A new lead gets the default record type.
    const { id } = (await conn.sobject('Lead').create({ LastName: 'Typed', Company: 'Types Inc' })) as { id: string }
    const read = await conn.query<any>(`SELECT RecordType.DeveloperName, RecordType.Name FROM Lead WHERE Id = '${id}'`)
    expect(read.records[0].RecordType).toMatchObject({ DeveloperName: 'Event_Lead', Name: 'Event Lead' })
    const byType = await conn.query("SELECT COUNT() FROM Contact WHERE RecordType.DeveloperName = 'Partner'")
    expect(byType.totalSize).toBeGreaterThan(0)
  })
})

describe('writes against the real field types', () => {
  it('writes hard bounces to EmailBouncedReason and EmailBouncedDate, leaving the opt-out alone', async () => {
    const [contact] = (
      await conn.query<any>('SELECT Id, HasOptedOutOfEmail FROM Contact WHERE IsEmailBounced = false LIMIT 1')
    ).records
    await conn.sobject('Contact').update({
      Id: contact.Id,
      EmailBouncedReason: '550 5.1.1 User unknown',
      EmailBouncedDate: '2025-02-03T04:05:06.000+0000',
    })
    const after = (
      await conn.query<any>(
        `SELECT EmailBouncedReason, EmailBouncedDate, IsEmailBounced, HasOptedOutOfEmail FROM Contact WHERE Id = '${contact.Id}'`,
      )
    ).records[0]
    expect(after).toMatchObject({
      EmailBouncedReason: '550 5.1.1 User unknown',
      EmailBouncedDate: '2025-02-03T04:05:06.000+0000',
      IsEmailBounced: true,
      HasOptedOutOfEmail: contact.HasOptedOutOfEmail,
    })
  })

  it('checks restricted picklists and orders multi-select values as the picklist does', async () => {
    await expect(
      conn.sobject('Contact').create({ LastName: 'P', Preferred_Language__c: 'Klingon' }),
    ).rejects.toMatchObject({
      errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      message: 'Preferred Language: bad value for restricted picklist field: Klingon',
    })
    const { id } = (await conn
      .sobject('Contact')
      .create({ LastName: 'Multi', Interests__c: 'Webinars;Events;Webinars' })) as { id: string }
    const record: any = await conn.sobject('Contact').retrieve(id)
    expect(record.Interests__c).toBe('Events;Webinars')
    await expect(conn.sobject('Contact').create({ LastName: 'N', Lead_Score__c: 1000 })).rejects.toMatchObject({
      errorCode: 'NUMBER_OUTSIDE_VALID_RANGE',
    })
  })

  it('gives a new campaign the member statuses Sent and Responded, and members the default one', async () => {
    const { id: campaignId } = (await conn.sobject('Campaign').create({ Name: 'Fresh' })) as { id: string }
    const statuses = await conn.query<any>(
      `SELECT Label, IsDefault, HasResponded, SortOrder FROM CampaignMemberStatus WHERE CampaignId = '${campaignId}' ORDER BY SortOrder`,
    )
    expect(statuses.records.map((r) => [r.Label, r.IsDefault, r.HasResponded])).toEqual([
      ['Sent', true, false],
      ['Responded', false, true],
    ])
    const [contact] = sim.control.records('Contact', { limit: 1 })
    const { id: memberId } = (await conn
      .sobject('CampaignMember')
      .create({ CampaignId: campaignId, ContactId: contact.Id })) as { id: string }
    const member: any = await conn.sobject('CampaignMember').retrieve(memberId)
    expect(member).toMatchObject({ Status: 'Sent', HasResponded: false, Type: 'Contact', LeadOrContactId: contact.Id })
    await conn.sobject('CampaignMember').update({ Id: memberId, Status: 'Responded' })
    expect(((await conn.sobject('CampaignMember').retrieve(memberId)) as any).HasResponded).toBe(true)

    const added = await call('POST', `/_sim/campaigns/${campaignId}/statuses`, [
      { label: 'Attended', hasResponded: true, isDefault: true },
    ])
    expect(added.status).toBe(201)
    expect(added.body.map((s: any) => [s.Label, s.IsDefault])).toEqual([
      ['Sent', false],
      ['Responded', false],
      ['Attended', true],
    ])
    expect((await call('POST', `/_sim/campaigns/${campaignId}/statuses`, [{ label: 'Sent' }])).status).toBe(400)
  })
})
