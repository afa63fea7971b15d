// POST /composite with Salesforce's limits, references, allOrNone rollback, and one API call per
// request — through real jsforce over HTTP.
import { Connection } from 'jsforce'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createSalesforceSimulator, type SalesforceSimulator, type SimUser } from '../src/index.js'

const V = '62.0'
const BASE = `/services/data/v${V}`
let sim: SalesforceSimulator
let ada: SimUser
let conn: Connection

interface SubResponse {
  body: any
  httpHeaders: Record<string, string>
  httpStatusCode: number
  referenceId: string | null
}

async function composite(body: object): Promise<SubResponse[]> {
  const result = await conn.requestPost<{ compositeResponse: SubResponse[] }>(`${BASE}/composite`, body)
  return result.compositeResponse
}

async function rawComposite(body: unknown): Promise<{ status: number; limitInfo: string | null; json: any }> {
  const res = await fetch(`${sim.url}${BASE}/composite`, {
    method: 'POST',
    headers: { authorization: `Bearer ${conn.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: res.status, limitInfo: res.headers.get('sforce-limit-info'), json: await res.json() }
}

const query = (referenceId: string, soql: string) => ({
  method: 'GET',
  url: `${BASE}/query?q=${encodeURIComponent(soql)}`,
  referenceId,
})

beforeAll(async () => {
  sim = await createSalesforceSimulator({ data: { contacts: 300, leads: 20, campaigns: 0 } })
  ada = sim.control.users()[0]
  conn = new Connection({ loginUrl: sim.url, version: V })
  await conn.login(ada.username, ada.password + ada.securityToken)
})

afterAll(() => sim.close())

beforeEach(() => sim.control.resetCounters())

describe('subrequests and references', () => {
  it('runs subrequests in order, feeding @{ref.path} values from earlier bodies into urls and bodies', async () => {
    const responses = await composite({
      allOrNone: false,
      collateSubrequests: false,
      compositeRequest: [
        { method: 'POST', url: `${BASE}/sobjects/Account`, referenceId: 'acc', body: { Name: 'Composite Co' } },
        {
          method: 'POST',
          url: `${BASE}/sobjects/Contact`,
          referenceId: 'con',
          body: { LastName: 'Ref', Email: 'ref@example.com', AccountId: '@{acc.id}' },
        },
        query('found', "SELECT Id, Account.Name FROM Contact WHERE Email = 'ref@example.com'"),
        {
          method: 'PATCH',
          url: `${BASE}/sobjects/Contact/@{found.records[0].Id}`,
          referenceId: 'upd',
          body: { Title: 'Account @{acc.id}' },
        },
        { method: 'GET', url: `${BASE}/sobjects/Contact/@{con.id}?fields=Title,AccountId`, referenceId: 'read' },
      ],
    })
    expect(responses.map((r) => [r.referenceId, r.httpStatusCode])).toEqual([
      ['acc', 201],
      ['con', 201],
      ['found', 200],
      ['upd', 204],
      ['read', 200],
    ])
    const accountId = responses[0].body.id
    expect(responses[0]).toEqual({
      body: { id: accountId, success: true, errors: [] },
      httpHeaders: { Location: `${BASE}/sobjects/Account/${accountId}` },
      httpStatusCode: 201,
      referenceId: 'acc',
    })
    expect(responses[2].body.records[0].Account.Name).toBe('Composite Co')
    expect(responses[3].body).toBeNull()
    expect(responses[4].body).toMatchObject({ Title: `Account ${accountId}`, AccountId: accountId })
  })

  it('counts the whole request as one API call, in the counters and in Sforce-Limit-Info', async () => {
    const before = (await rawComposite({ compositeRequest: [query('a', 'SELECT Id FROM Lead LIMIT 1')] })).limitInfo
    const used = Number(/api-usage=(\d+)\//.exec(before!)![1])
    sim.control.resetCounters()
    const result = await rawComposite({
      compositeRequest: [
        query('q1', 'SELECT Id FROM Contact LIMIT 5'),
        query('q2', 'SELECT Id FROM Lead LIMIT 5'),
        { method: 'GET', url: `${BASE}/sobjects/Contact/describe`, referenceId: 'd' },
        { method: 'POST', url: `${BASE}/sobjects/Lead`, referenceId: 'l', body: { LastName: 'One', Company: 'Call' } },
      ],
    })
    expect(result.status).toBe(200)
    expect(result.limitInfo).toBe(`api-usage=${used + 1}/100000`)
    const counters = sim.control.counters()
    expect(counters.apiCalls.total).toBe(1)
    expect(counters.apiCalls.byEndpoint).toEqual({ composite: 1 })
    expect(counters.apiCallsByOrg[ada.organizationId]).toEqual({ total: 1, byEndpoint: { composite: 1 } })
    expect(counters.subrequests).toEqual({ total: 4, byEndpoint: { query: 2, describe: 1, 'sobject.create': 1 } })
  })

  it('is refused at the daily cap like any other call, once for all its subrequests', async () => {
    const org = sim.control.orgs()[0]
    sim.control.setOrgSettings(org.id, { apiRequestCap: sim.control.orgs()[0].apiRequestsUsed + 1 })
    try {
      const ok = await rawComposite({
        compositeRequest: [query('a', 'SELECT Id FROM Contact LIMIT 1'), query('b', 'SELECT Id FROM Lead LIMIT 1')],
      })
      expect(ok.status).toBe(200)
      const refused = await rawComposite({ compositeRequest: [query('a', 'SELECT Id FROM Contact LIMIT 1')] })
      expect(refused.status).toBe(403)
      expect(refused.json).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }])
    } finally {
      sim.control.setOrgSettings(org.id, { apiRequestCap: 100_000 })
    }
  })
})

describe('allOrNone', () => {
  it('rolls back every write when one subrequest fails, and says so for each', async () => {
    const [target] = (await conn.query<any>("SELECT Id, Title FROM Contact WHERE Title = 'CEO' LIMIT 1")).records
    const [victim] = (await conn.query<any>('SELECT Id FROM Lead LIMIT 1')).records
    const responses = await composite({
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: `${BASE}/sobjects/Account`, referenceId: 'acc', body: { Name: 'Rolled Back Inc' } },
        {
          method: 'PATCH',
          url: `${BASE}/sobjects/Contact/${target.Id}`,
          referenceId: 'upd',
          body: { Title: 'Changed' },
        },
        { method: 'DELETE', url: `${BASE}/sobjects/Lead/${victim.Id}`, referenceId: 'del' },
        { method: 'POST', url: `${BASE}/sobjects/Contact`, referenceId: 'bad', body: { LastName: 'X', Nope__c: 1 } },
        { method: 'POST', url: `${BASE}/sobjects/Account`, referenceId: 'after', body: { Name: 'Never Made' } },
      ],
    })
    const rolledBack = {
      body: [
        {
          errorCode: 'PROCESSING_HALTED',
          message: 'The transaction was rolled back since another operation in the same transaction failed.',
        },
      ],
      httpHeaders: {},
      httpStatusCode: 400,
    }
    expect(responses[0]).toEqual({ ...rolledBack, referenceId: 'acc' })
    expect(responses[1]).toEqual({ ...rolledBack, referenceId: 'upd' })
    expect(responses[2]).toEqual({ ...rolledBack, referenceId: 'del' })
    expect(responses[3]).toMatchObject({
      httpStatusCode: 400,
      body: [{ errorCode: 'INVALID_FIELD' }],
      referenceId: 'bad',
    })
    expect(responses[4]).toEqual({ ...rolledBack, referenceId: 'after' })

    expect((await conn.query("SELECT Id FROM Account WHERE Name IN ('Rolled Back Inc', 'Never Made')")).totalSize).toBe(
      0,
    )
    expect(((await conn.sobject('Contact').retrieve(target.Id)) as any).Title).toBe('CEO')
    expect((await conn.query(`SELECT Id FROM Lead WHERE Id = '${victim.Id}'`)).totalSize).toBe(1)
  })

  it('without allOrNone, keeps what succeeded and halts only what depends on the failure', async () => {
    const responses = await composite({
      allOrNone: false,
      compositeRequest: [
        { method: 'POST', url: `${BASE}/sobjects/Account`, referenceId: 'bad', body: { Industry: 'Banking' } },
        {
          method: 'POST',
          url: `${BASE}/sobjects/Contact`,
          referenceId: 'dep',
          body: { LastName: 'D', AccountId: '@{bad.id}' },
        },
        { method: 'POST', url: `${BASE}/sobjects/Account`, referenceId: 'good', body: { Name: 'Kept Ltd' } },
      ],
    })
    expect(responses[0]).toMatchObject({ httpStatusCode: 400, body: [{ errorCode: 'REQUIRED_FIELD_MISSING' }] })
    expect(responses[1]).toEqual({
      body: [
        { errorCode: 'PROCESSING_HALTED', message: 'Invalid reference specified. No value for bad.id found in bad.' },
      ],
      httpHeaders: {},
      httpStatusCode: 400,
      referenceId: 'dep',
    })
    expect(responses[2]).toMatchObject({ httpStatusCode: 201, referenceId: 'good' })
    expect((await conn.query("SELECT Id FROM Account WHERE Name = 'Kept Ltd'")).totalSize).toBe(1)
  })
})

describe('limits', () => {
  it('accepts 25 subrequests with 5 queries or collections, and refuses 26 or a sixth query', async () => {
    const ids = (await conn.query<any>('SELECT Id FROM Contact LIMIT 20')).records.map((r) => r.Id)
    const updates = ids.map((id, i) => ({
      method: 'PATCH',
      url: `${BASE}/sobjects/Contact/${id}`,
      referenceId: `u${i}`,
      body: { Department: 'Bulk' },
    }))
    const fourQueries = [0, 1, 2, 3].map((i) => query(`q${i}`, 'SELECT Id FROM Lead LIMIT 1'))
    const collection = {
      method: 'PATCH',
      url: `${BASE}/composite/sobjects`,
      referenceId: 'coll',
      body: { allOrNone: false, records: [{ attributes: { type: 'Lead' }, id: 'bogus', Title: 'x' }] },
    }
    const ok = await composite({ compositeRequest: [...fourQueries, collection, ...updates] })
    expect(ok).toHaveLength(25)
    expect(ok[4]).toMatchObject({ httpStatusCode: 200, body: [{ success: false }] })
    expect(ok.slice(5).every((r) => r.httpStatusCode === 204)).toBe(true)

    const tooMany = await rawComposite({
      compositeRequest: [...fourQueries, collection, ...updates, query('x', 'SELECT Id FROM Lead')],
    })
    expect(tooMany.status).toBe(400)
    expect(tooMany.json).toEqual({
      compositeResponse: [
        {
          body: [{ errorCode: 'LIMIT_EXCEEDED', message: 'The request can\u2019t contain more than 25 operations.' }],
          httpHeaders: {},
          httpStatusCode: 400,
          referenceId: null,
        },
      ],
    })
    const sixQueries = await rawComposite({
      compositeRequest: [...fourQueries, collection, query('q9', 'SELECT Id FROM Lead')],
    })
    expect(sixQueries.status).toBe(400)
    expect(sixQueries.json.compositeResponse[0].body[0].errorCode).toBe('LIMIT_EXCEEDED')
    // Refused requests run nothing.
    expect((await conn.query("SELECT COUNT() FROM Contact WHERE Department = 'Bulk'")).totalSize).toBe(20)
  })

  it('refuses malformed subrequests', async () => {
    const cases = [
      { compositeRequest: [] },
      { compositeRequest: [{ method: 'GET', url: '/elsewhere', referenceId: 'a' }] },
      { compositeRequest: [{ method: 'GET', url: `${BASE}/limits`, referenceId: 'has space' }] },
      { compositeRequest: [query('same', 'SELECT Id FROM Lead'), query('same', 'SELECT Id FROM Lead')] },
      { compositeRequest: [{ method: 'POST', url: `${BASE}/composite`, referenceId: 'nested', body: {} }] },
    ]
    for (const body of cases) {
      const res = await rawComposite(body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.json[0].errorCode).toBe('INVALID_INPUT')
    }
  })
})

describe('faults on subrequests', () => {
  it('a fault marked subrequests answers the matching subrequest only, never the client request', async () => {
    const contact = sim.control.records('Contact', { limit: 1 })[0]!
    sim.control.addFault({
      method: 'PATCH',
      pattern: '/composite/sobjects',
      subrequests: true,
      status: 200,
      body: [{ id: contact.Id, success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'locked' }] }],
    })
    const responses = await composite({
      compositeRequest: [
        query('q', `SELECT Id FROM Contact LIMIT 1`),
        {
          method: 'PATCH',
          url: `${BASE}/composite/sobjects`,
          referenceId: 'u',
          body: { allOrNone: false, records: [{ attributes: { type: 'Contact' }, id: contact.Id, Title: 'Locked' }] },
        },
      ],
    })
    expect(responses[0]!.httpStatusCode).toBe(200)
    expect(responses[1]).toMatchObject({ httpStatusCode: 200, body: [{ success: false }] })
    expect(sim.control.records('Contact', { limit: 1 })[0]!.Title).not.toBe('Locked')
    expect(sim.control.faults()).toEqual([])

    // Not marked: the same pattern never reaches a subrequest.
    sim.control.addFault({ method: 'PATCH', pattern: '/composite/sobjects', status: 500 })
    const second = await composite({
      compositeRequest: [
        {
          method: 'PATCH',
          url: `${BASE}/composite/sobjects`,
          referenceId: 'u',
          body: { allOrNone: false, records: [{ attributes: { type: 'Contact' }, id: contact.Id, Title: 'Free' }] },
        },
      ],
    })
    expect(second[0]).toMatchObject({ httpStatusCode: 200, body: [{ success: true }] })
    sim.control.clearFaults()
  })

  it('Contacts and Leads take EmailBouncedReason and EmailBouncedDate through sObject Collections', async () => {
    const contact = sim.control.records('Contact', { limit: 1 })[0]!
    const lead = sim.control.records('Lead', { limit: 1 })[0]!
    const at = '2026-05-01T10:00:00.000Z'
    const responses = await composite({
      compositeRequest: ['Contact', 'Lead'].map((type, i) => ({
        method: 'PATCH',
        url: `${BASE}/composite/sobjects`,
        referenceId: `b${i}`,
        body: {
          allOrNone: false,
          records: [
            {
              attributes: { type },
              id: type === 'Contact' ? contact.Id : lead.Id,
              EmailBouncedReason: '550 5.1.1 mailbox unknown',
              EmailBouncedDate: at,
            },
          ],
        },
      })),
    })
    expect(responses.map((r) => r.body[0].success)).toEqual([true, true])
    for (const [type, id] of [
      ['Contact', contact.Id],
      ['Lead', lead.Id],
    ] as const) {
      const after = sim.control.records(type).find((r) => r.Id === id)!
      expect(after.EmailBouncedReason).toBe('550 5.1.1 mailbox unknown')
      expect(Date.parse(String(after.EmailBouncedDate))).toBe(Date.parse(at))
    }
  })
})
