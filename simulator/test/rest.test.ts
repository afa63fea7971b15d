// REST data API against the simulator with real jsforce: paging, composite/sobjects batches,
// CRUD, describe, session refresh on 401, faults, daily API cap.
import { Connection } from 'jsforce'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { SimUser } from '../src/index.js'
import { createSalesforceSimulator, type SalesforceSimulator } from '../src/index.js'

const V = '60.0'
let sim: SalesforceSimulator
let ada: SimUser
let conn: Connection

async function loginAda(): Promise<Connection> {
  const c = new Connection({ loginUrl: sim.url, version: V })
  await c.login(ada.username, ada.password + ada.securityToken)
  return c
}

async function rawGet(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${conn.accessToken}`, ...headers } })
}

beforeAll(async () => {
  sim = await createSalesforceSimulator({ data: false })
  sim.control.seed({ contacts: 5000, leads: 300, campaigns: 2, seed: 42, optedOutFraction: 0.1 })
  ada = sim.control.users()[0]
  conn = await loginAda()
})

afterAll(() => sim.close())

beforeEach(() => {
  sim.control.clearFaults()
  sim.control.resetCounters()
})

describe('query and paging', () => {
  it('fetches 5,000 records with autoFetch, following nextRecordsUrl in pages of 2,000', async () => {
    const result = await conn.query<{ Id: string; Email: string }>('SELECT Id, Email FROM Contact', {
      autoFetch: true,
      maxFetch: 100_000,
    })
    expect(result.totalSize).toBe(5000)
    expect(result.records).toHaveLength(5000)
    expect(new Set(result.records.map((r) => r.Id)).size).toBe(5000)
    expect(sim.control.counters().apiCalls.byEndpoint).toEqual({ query: 1, queryMore: 2 })
  })

  it('answers pages of the size asked in Sforce-Query-Options', async () => {
    const res = await rawGet(`/services/data/v${V}/query?q=${encodeURIComponent('SELECT Id FROM Lead')}`, {
      'Sforce-Query-Options': 'batchSize=200',
    })
    const page = await res.json()
    expect(page).toMatchObject({ totalSize: 300, done: false })
    expect(page.records).toHaveLength(200)
    expect(page.nextRecordsUrl).toMatch(new RegExp(`^/services/data/v${V}/query/01g\\w{15}-200$`))
    const next = await (await rawGet(page.nextRecordsUrl)).json()
    expect(next).toMatchObject({ totalSize: 300, done: true })
    expect(next.records).toHaveLength(100)
    expect(next.nextRecordsUrl).toBeUndefined()
    expect((await rawGet(page.nextRecordsUrl.replace(/-200$/, '-9999'))).status).toBe(400)
  })

  it('gives records in Salesforce’s shape', async () => {
    const result = await conn.query<any>(
      'SELECT Id, Email, FirstName, LastName, Name, HasOptedOutOfEmail, CreatedDate, SystemModstamp, OwnerId, AccountId FROM Contact LIMIT 1',
    )
    const [r] = result.records
    expect(r.attributes).toEqual({ type: 'Contact', url: `/services/data/v${V}/sobjects/Contact/${r.Id}` })
    expect(r.Id).toMatch(/^003\w{15}$/)
    expect(r.Email).toMatch(/^[a-z-]+\.[a-z-]+\.\d+@example\.com$/)
    expect(r.Name).toBe(`${r.FirstName} ${r.LastName}`)
    expect(typeof r.HasOptedOutOfEmail).toBe('boolean')
    expect(r.CreatedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/)
    expect(r.OwnerId).toMatch(/^005/)
    expect(r.AccountId).toMatch(/^001\w{15}$/) // seeded contacts belong to accounts
  })

  it('reports malformed SOQL and unknown fields with Salesforce’s error codes', async () => {
    await expect(conn.query('SELECT Id FROMM Contact')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' })
    await expect(conn.query('SELECT Nope__c FROM Contact')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' })
    const res = await rawGet(`/services/data/v${V}/query?q=${encodeURIComponent('SELECT Id FROM Contact WHERE')}`)
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(body).toEqual([
      { message: expect.stringContaining('unexpected token: <EOF>'), errorCode: 'MALFORMED_QUERY' },
    ])
  })

  it('keeps deleted records out of query and shows them to queryAll', async () => {
    const { id } = (await conn.sobject('Lead').create({ LastName: 'Gone', Company: 'Nowhere Ltd' })) as { id: string }
    await conn.sobject('Lead').destroy(id)
    const soql = `SELECT Id, IsDeleted FROM Lead WHERE Id = '${id}'`
    expect((await conn.query(soql)).totalSize).toBe(0)
    const all = await conn.query<any>(soql, { scanAll: true })
    expect(all.records).toEqual([expect.objectContaining({ Id: id, IsDeleted: true })])
  })
})

describe('composite/sobjects', () => {
  it('updates 450 records in 3 calls of at most 200 (jsforce allowRecursive)', async () => {
    const { records } = await conn.query<{ Id: string; SystemModstamp: string }>(
      'SELECT Id, SystemModstamp FROM Contact WHERE HasOptedOutOfEmail = false LIMIT 450',
    )
    expect(records).toHaveLength(450)
    sim.control.resetCounters()
    const results = await conn.sobject('Contact').update(
      records.map((r) => ({ Id: r.Id, HasOptedOutOfEmail: true })),
      { allOrNone: false, allowRecursive: true },
    )
    expect(results).toHaveLength(450)
    expect(results.every((r) => r.success)).toBe(true)
    expect(sim.control.counters().apiCalls.byEndpoint).toEqual({ 'composite/sobjects': 3 })

    const ids = records
      .slice(0, 50)
      .map((r) => `'${r.Id}'`)
      .join(',')
    const after = await conn.query<{ HasOptedOutOfEmail: boolean; SystemModstamp: string; Id: string }>(
      `SELECT Id, HasOptedOutOfEmail, SystemModstamp FROM Contact WHERE Id IN (${ids})`,
    )
    expect(after.records.every((r) => r.HasOptedOutOfEmail)).toBe(true)
    const stamp = new Map(records.map((r) => [r.Id, r.SystemModstamp]))
    expect(
      after.records.every(
        (r) => Date.parse(r.SystemModstamp.replace('+0000', 'Z')) > Date.parse(stamp.get(r.Id)!.replace('+0000', 'Z')),
      ),
    ).toBe(true)
  })

  it('refuses more than 200 records in one call (jsforce without allowRecursive sends them all)', async () => {
    const { records } = await conn.query<{ Id: string }>('SELECT Id FROM Contact LIMIT 201')
    await expect(
      conn.sobject('Contact').update(
        records.map((r) => ({ Id: r.Id, Title: 'x' })),
        { allOrNone: false },
      ),
    ).rejects.toMatchObject({
      errorCode: 'EXCEEDED_ID_LIMIT',
      message: 'record limit reached. cannot submit more than 200 records into this call',
    })
  })

  it('with allOrNone, one bad record rolls every record back', async () => {
    const { records } = await conn.query<{ Id: string; Title: string | null }>(
      'SELECT Id, Title FROM Contact ORDER BY Id LIMIT 3',
    )
    const results = await conn.sobject('Contact').update(
      [
        { Id: records[0].Id, Title: 'Rolled back' },
        { Id: records[1].Id, Email: 'not-an-email' },
        { Id: records[2].Id, Title: 'Rolled back' },
      ],
      { allOrNone: true },
    )
    expect(results).toEqual([
      {
        id: records[0].Id,
        success: false,
        errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: expect.any(String), fields: [] }],
      },
      {
        id: records[1].Id,
        success: false,
        errors: [
          {
            statusCode: 'INVALID_EMAIL_ADDRESS',
            message: 'Email: invalid email address: not-an-email',
            fields: ['Email'],
          },
        ],
      },
      {
        id: records[2].Id,
        success: false,
        errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: expect.any(String), fields: [] }],
      },
    ])
    const after = await conn.query<{ Title: string | null }>(`SELECT Title FROM Contact WHERE Id = '${records[0].Id}'`)
    expect(after.records[0].Title).toBe(records[0].Title)
  })

  it('without allOrNone, the good records are saved and the bad ones reported', async () => {
    const results = await conn
      .sobject('Lead')
      .create([{ LastName: 'Ok', Company: 'Fine Inc', Email: 'ok.lead@example.com' }, { LastName: 'NoCompany' }])
    expect(results[0]).toMatchObject({ success: true, errors: [] })
    expect(results[0].id).toMatch(/^00Q\w{15}$/)
    expect(results[1]).toEqual({
      success: false,
      errors: [
        {
          statusCode: 'REQUIRED_FIELD_MISSING',
          message: 'Required fields are missing: [Company]',
          fields: ['Company'],
        },
      ],
    })
  })
})

describe('sObject CRUD and describe', () => {
  it('creates, reads, updates and deletes a contact', async () => {
    const created = (await conn
      .sobject('Contact')
      .create({ FirstName: 'Katherine', LastName: 'Johnson', Email: 'katherine.johnson@example.com' })) as {
      id: string
      success: boolean
    }
    expect(created).toMatchObject({ success: true, errors: [] })
    const fetched: any = await conn.sobject('Contact').retrieve(created.id)
    expect(fetched).toMatchObject({
      Id: created.id,
      Name: 'Katherine Johnson',
      HasOptedOutOfEmail: false,
      OwnerId: ada.id,
      IsDeleted: false,
    })
    expect(fetched.CreatedDate).toBe(fetched.SystemModstamp)

    await conn.sobject('Contact').update({ Id: created.id, LastName: 'Goble Johnson', HasOptedOutOfEmail: true })
    const updated: any = await conn.sobject('Contact').retrieve(created.id)
    expect(updated).toMatchObject({ Name: 'Katherine Goble Johnson', HasOptedOutOfEmail: true })
    expect(updated.SystemModstamp > fetched.SystemModstamp).toBe(true)

    await conn.sobject('Contact').destroy(created.id)
    await expect(conn.sobject('Contact').retrieve(created.id)).rejects.toMatchObject({ errorCode: 'NOT_FOUND' })
  })

  it('refuses unknown and read-only fields, and bad values', async () => {
    await expect(conn.sobject('Contact').create({ LastName: 'X', Bogus__c: 1 })).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
    })
    await expect(conn.sobject('Contact').create({ LastName: 'X', Name: 'Y' })).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
    })
    await expect(conn.sobject('Contact').create({ FirstName: 'NoLast' })).rejects.toMatchObject({
      errorCode: 'REQUIRED_FIELD_MISSING',
    })
    await expect(conn.sobject('Contact').create({ LastName: 'X', HasOptedOutOfEmail: 'yes' })).rejects.toMatchObject({
      errorCode: 'JSON_PARSER_ERROR',
    })
  })

  it('describes Contact, Lead, Campaign and CampaignMember', async () => {
    const global = await conn.describeGlobal()
    expect(global.sobjects.map((s) => s.name)).toEqual(
      expect.arrayContaining(['Contact', 'Lead', 'Campaign', 'CampaignMember', 'User']),
    )
    const contact = await conn.sobject('Contact').describe()
    expect(contact).toMatchObject({ name: 'Contact', keyPrefix: '003', queryable: true })
    const field = (name: string) => contact.fields.find((f) => f.name === name)
    expect(field('Email')).toMatchObject({
      type: 'email',
      label: 'Email',
      filterable: true,
      nillable: true,
      length: 80,
    })
    expect(field('HasOptedOutOfEmail')).toMatchObject({ type: 'boolean', nillable: false, updateable: true })
    expect(field('CreatedDate')).toMatchObject({ type: 'datetime', updateable: false })
    expect(field('Id')).toMatchObject({ type: 'id', nillable: false })
    expect(field('OwnerId')).toMatchObject({ type: 'reference', referenceTo: ['User'], relationshipName: 'Owner' })
    const lead = await conn.sobject('Lead').describe()
    expect(lead.fields.find((f) => f.name === 'Status')!.picklistValues!.map((p) => p.value)).toContain(
      'Open - Not Contacted',
    )
    await expect(conn.sobject('Nope').describe()).rejects.toMatchObject({ errorCode: 'NOT_FOUND' })
  })

  it('reads CampaignMember email and opt-out through from the contact or lead', async () => {
    const member = (
      await conn.query<any>(
        'SELECT Id, ContactId, LeadId, Email, HasOptedOutOfEmail FROM CampaignMember WHERE ContactId != null LIMIT 1',
      )
    ).records[0]
    const contactId = member.ContactId
    sim.control.updateRecord('Contact', contactId, { Email: 'moved@example.com', HasOptedOutOfEmail: true })
    const again = (
      await conn.query<any>(
        `SELECT Email, HasOptedOutOfEmail, Contact.Email FROM CampaignMember WHERE Id = '${member.Id}'`,
      )
    ).records[0]
    expect(again).toMatchObject({
      Email: 'moved@example.com',
      HasOptedOutOfEmail: true,
      Contact: { Email: 'moved@example.com' },
    })
    const byEmail = await conn.query("SELECT Id FROM CampaignMember WHERE Email = 'MOVED@example.com'")
    expect(byEmail.totalSize).toBe(1)
  })
})

describe('sessions, faults and limits', () => {
  it('a 401 calls the refresh function once and the request is retried', async () => {
    let refreshes = 0
    const c = new Connection({
      instanceUrl: sim.url,
      accessToken: 'not-a-valid-token',
      version: V,
      refreshFn: (_conn, callback) => {
        refreshes++
        const token = sim.control.canvasRequest(ada.id).client.oauthToken
        callback(null, token)
      },
    })
    const result = await c.query('SELECT COUNT() FROM Lead')
    expect(result.totalSize).toBeGreaterThanOrEqual(300)
    expect(refreshes).toBe(1)

    sim.control.addFault({ pathPrefix: `/services/data/v${V}/query`, status: 401 })
    await c.query('SELECT COUNT() FROM Lead')
    expect(refreshes).toBe(2)
    expect(sim.control.counters().faults.served).toBe(1)
  })

  it('answers 503 with an HTML page for the next request only', async () => {
    await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pathPrefix: '/services/data/', method: 'GET', status: 503, count: 1 }),
    })
    const res = await rawGet(`/services/data/v${V}/limits`)
    expect(res.status).toBe(503)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await res.text()).toContain('<title>Service Unavailable</title>')
    expect((await rawGet(`/services/data/v${V}/limits`)).status).toBe(200)
  })

  it('jsforce retries a GET after a 5xx on its own (after 500 ms), so one 503 is invisible to callers', async () => {
    sim.control.addFault({ pathPrefix: `/services/data/v${V}/query`, status: 503, count: 1 })
    const started = Date.now()
    await expect(conn.query('SELECT Id FROM Lead LIMIT 1')).resolves.toMatchObject({ totalSize: 1 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(450)
    expect(sim.control.counters().faults.served).toBe(1)
  })

  it('injects REQUEST_LIMIT_EXCEEDED, custom bodies and delays', async () => {
    sim.control.addFault({ pattern: 'composite/sobjects', status: 403 })
    await expect(conn.sobject('Lead').create([{ LastName: 'A', Company: 'B' }])).rejects.toMatchObject({
      errorCode: 'REQUEST_LIMIT_EXCEEDED',
    })

    sim.control.addFault({
      pathPrefix: '/services/data/',
      method: 'POST',
      status: 500,
      body: [{ message: 'boom', errorCode: 'UNKNOWN_EXCEPTION' }],
    })
    await expect(conn.sobject('Lead').create({ LastName: 'A', Company: 'B' })).rejects.toMatchObject({
      errorCode: 'UNKNOWN_EXCEPTION',
      message: 'boom',
    })

    sim.control.addFault({ pathPrefix: '/services/data/', delayMs: 300 })
    const started = Date.now()
    await conn.query('SELECT Id FROM Lead LIMIT 1')
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    expect(sim.control.counters().faults.served).toBe(3)
  })

  it('clears faults with DELETE /_sim/faults', async () => {
    sim.control.addFault({ pathPrefix: '/services/data/', status: 503, count: -1 })
    await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' })
    await expect(conn.query('SELECT Id FROM Lead LIMIT 1')).resolves.toBeDefined()
  })

  it('sends Sforce-Limit-Info and stops at the daily API cap with REQUEST_LIMIT_EXCEEDED', async () => {
    const res = await rawGet(`/services/data/v${V}/limits`)
    const [, used, max] = /^api-usage=(\d+)\/(\d+)$/.exec(res.headers.get('sforce-limit-info')!)!.map(Number)
    expect(max).toBe(100_000)
    const limits = await res.json()
    expect(limits.DailyApiRequests).toEqual({ Max: max, Remaining: max - used })

    sim.control.setOrgSettings(ada.organizationId, { apiRequestCap: used + 2 })
    try {
      await conn.query('SELECT Id FROM Lead LIMIT 1')
      expect(conn.limitInfo.apiUsage).toEqual({ used: used + 1, limit: used + 2 })
      await conn.query('SELECT Id FROM Lead LIMIT 1')
      await expect(conn.query('SELECT Id FROM Lead LIMIT 1')).rejects.toMatchObject({
        errorCode: 'REQUEST_LIMIT_EXCEEDED',
        message: 'TotalRequests Limit exceeded.',
      })
      const refused = await rawGet(`/services/data/v${V}/limits`)
      expect(refused.status).toBe(403)
      expect(refused.headers.get('sforce-limit-info')).toBe(`api-usage=${used + 2}/${used + 2}`)
    } finally {
      sim.control.setOrgSettings(ada.organizationId, { apiRequestCap: 100_000 })
    }
  })

  it('lists API versions up to 66.0 and answers NOT_FOUND for an unknown version', async () => {
    const versions = await (await fetch(`${sim.url}/services/data`)).json()
    expect(versions.at(-1)).toEqual({ label: "Spring '26", url: '/services/data/v66.0', version: '66.0' })
    expect(versions.find((v: any) => v.version === '59.0').label).toBe("Winter '24")
    const res = await rawGet('/services/data/v99.0/limits')
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }])
  })
})
