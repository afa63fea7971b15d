import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Connection } from 'jsforce'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SalesforceSimulator, SimUser } from '@sf-link/simulator'
import { createTestApp, type TestApp } from '../helpers/app.js'
import { createSimApp, linkedAccount, simulatorConfig, type SimApp } from '../helpers/simulator-app.js'
import { bearer, createConnection, ndjsonRows, parseCsv, pull } from '../helpers/connections.js'

/**
 * Big pulls through the Bulk API 2.0 query: the app on the simulator with a low threshold (bulk),
 * and a second app on the same simulator with bulk off (REST), so both read the same org.
 */
const CONTACTS = 40_000
const LEADS = 300
const THRESHOLD = 2_500
const PAGE = 5_000

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until(condition: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 20_000; !condition(); await sleep(5)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
  }
}

/** The org's Bulk API query jobs (ID → state), as an admin sees them at Salesforce: a login of their own. */
async function jobsAtSalesforce(sim: SalesforceSimulator, admin: SimUser): Promise<Map<string, string>> {
  const conn = new Connection({ loginUrl: sim.url, version: '62.0' })
  await conn.login(admin.username, admin.password + admin.securityToken)
  const list = await conn.request<{ records: Array<{ id: string; state: string }> }>('/services/data/v62.0/jobs/query')
  return new Map(list.records.map((j) => [j.id, j.state]))
}

/** A pull over a real socket, read to its end or until the server breaks it off. */
function download(
  url: string,
  token: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: bearer(token) }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      const done = () => resolve({ status: res.statusCode!, headers: res.headers, body, complete: res.complete })
      res.on('end', done)
      res.on('error', done)
      res.on('close', done)
    })
    req.on('error', reject)
  })
}

/** Fields of every kind the Bulk API returns as text: the output must type them as REST does. */
const FIELDS = [
  'Email',
  'FirstName',
  'LastName',
  'Title',
  'HasOptedOutOfEmail',
  'DoNotCall',
  'Birthdate',
  'CreatedDate',
  'LastModifiedDate',
  'Lead_Score__c',
  'Interests__c',
  'Newsletter_Subscriber__c',
  'Last_Event_Date__c',
  'Last_Web_Visit__c',
  'Notes__c',
  'Description',
  'AccountId',
  'MailingCity',
]

describe('pulls above the threshold go through the Bulk API 2.0 query', () => {
  let t: SimApp
  let rest: TestApp
  let token: string
  let restToken: string
  let base: string
  let admin: SimUser

  const counters = () => t.sim.control.counters()
  const calls = (endpoint: string) => counters().apiCalls.byEndpoint[endpoint] ?? 0

  /** The same definition in both apps; returns [bulk app's id, REST app's id]. */
  async function both(definition: Record<string, unknown>): Promise<[string, string]> {
    const a = await createConnection(t.app, token, definition)
    const b = await createConnection(rest.app, restToken, definition)
    return [a.id, b.id]
  }

  beforeAll(async () => {
    t = await createSimApp({
      sim: {
        canvasRefreshToken: false,
        data: { contacts: CONTACTS, leads: LEADS, campaigns: 0, optedOutFraction: 0.1 },
      },
      config: (c) => ({ ...c, pullBulkThreshold: THRESHOLD, pullBulkPageRecords: PAGE }),
    })
    rest = await createTestApp({ config: (c) => ({ ...simulatorConfig(c, t.sim), pullBulkThreshold: 0 }) })
    const user = t.sim.control.users()[0]!.id
    token = (await linkedAccount(t.app, t.sim, user, 'ada@app.test')).canvasToken
    restToken = (await linkedAccount(rest.app, t.sim, user, 'ada@app.test')).canvasToken
    // Text that CSV and spreadsheets must survive: quotes, delimiters, line breaks, formulas, non-ASCII.
    const contacts = t.sim.control.records('Contact', { limit: 6 })
    const nasty = [
      { FirstName: '=HYPERLINK("http://evil.test","x")', Title: '+1, "quoted"', Description: 'two\nlines, "and" more' },
      { FirstName: '-2+3', Title: '@SUM(A1)', Description: 'crlf\r\nline' },
      { FirstName: 'Zoë "Ż" Ünïcødé', Title: 'tab\tinside' },
    ]
    nasty.forEach((values, i) => {
      const id = contacts[i]!.Id as string
      t.sim.control.updateRecord('Contact', id, values)
    })
    admin = t.sim.control.createUser({ username: 'admin@bulk.test', firstName: 'Sys', lastName: 'Admin' })
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await rest?.close()
    await t?.close()
  })

  it('NDJSON and CSV: the same bytes as REST paging, in a handful of API calls, the job deleted after', async () => {
    const [bulkId, restId] = await both({ name: 'Everyone', fields: FIELDS, excludeOptedOut: false })
    for (const format of ['ndjson', 'csv'] as const) {
      t.sim.control.resetCounters()
      const viaRest = await pull(rest.app, restToken, restId, format)
      expect(viaRest.statusCode).toBe(200)
      expect(calls('queryMore')).toBe(Math.ceil(CONTACTS / 2000) - 1)
      expect(counters().bulk.jobsCreated).toBe(0)

      t.sim.control.resetCounters()
      const viaBulk = await pull(t.app, token, bulkId, format)
      expect(viaBulk.statusCode).toBe(200)
      expect(viaBulk.headers['content-type']).toBe(viaRest.headers['content-type'])
      expect(viaBulk.headers['content-disposition']).toBe(viaRest.headers['content-disposition'])
      // One REST page (Salesforce's count decides), one job, its pages, and no queryMore.
      expect(counters().bulk.jobsCreated).toBe(1)
      expect(calls('query')).toBe(1)
      expect(calls('queryMore')).toBe(0)
      expect(calls('jobs/query.results')).toBe(Math.ceil(CONTACTS / PAGE))
      expect(counters().bulk.recordsServed).toBe(CONTACTS)
      expect(calls('jobs/query.delete')).toBe(1)

      expect(viaBulk.body).toBe(viaRest.body)
      if (format === 'ndjson') {
        const rows = ndjsonRows(viaBulk.body)
        expect(rows).toHaveLength(CONTACTS)
        // Typed as REST types them: booleans, numbers, +0000 datetimes, null for empty.
        expect(rows.some((r) => r.HasOptedOutOfEmail === true)).toBe(true)
        expect(rows.every((r) => typeof r.DoNotCall === 'boolean')).toBe(true)
        expect(rows.some((r) => typeof r.Lead_Score__c === 'number')).toBe(true)
        expect(rows.every((r) => /\+0000$/.test(r.CreatedDate))).toBe(true)
        expect(rows.some((r) => r.Description === null)).toBe(true)
        expect(rows.some((r) => r.Description === 'two\nlines, "and" more')).toBe(true)
      } else {
        const rows = parseCsv(viaBulk.body)
        expect(rows).toHaveLength(CONTACTS + 1)
        // The CSV-injection prefix applies to Bulk rows as to REST ones.
        expect(rows.some((r) => r[2] === `'=HYPERLINK("http://evil.test","x")`)).toBe(true)
        expect(rows.some((r) => r[2] === `'-2+3` && r[4] === `'@SUM(A1)`)).toBe(true)
      }
    }
  })

  it('fields of related records, and CSV headers as labels, read the same as through REST', async () => {
    const [bulkId, restId] = await both({
      name: 'With accounts',
      fields: ['Email', 'Account.Name', 'Account.Annual_Spend__c', 'Owner.Name', 'RecordType.DeveloperName'],
      excludeOptedOut: false,
    })
    for (const query of ['format=ndjson', 'format=csv&headers=labels']) {
      t.sim.control.resetCounters()
      const viaBulk = await t.app.inject({ url: `/api/connections/${bulkId}/records?${query}`, headers: bearer(token) })
      expect(viaBulk.statusCode).toBe(200)
      expect(counters().bulk.jobsCreated).toBe(1)
      const viaRest = await rest.app.inject({
        url: `/api/connections/${restId}/records?${query}`,
        headers: bearer(restToken),
      })
      expect(viaBulk.body).toBe(viaRest.body)
    }
    const rows = ndjsonRows(
      (await t.app.inject({ url: `/api/connections/${bulkId}/records?format=ndjson`, headers: bearer(token) })).body,
    )
    expect(rows.some((r) => typeof r['Account.Name'] === 'string')).toBe(true)
    expect(rows.some((r) => typeof r['Account.Annual_Spend__c'] === 'number')).toBe(true)
  })

  it('filters, opted-out exclusion and the suppression list give the same rows as REST', async () => {
    const contacts = t.sim.control.records('Contact', { limit: 40 })
    const emails = contacts.map((c) => c.Email as string).filter(Boolean)
    for (const app of [t.app, rest.app]) {
      const tok = app === t.app ? token : restToken
      const res = await app.inject({
        method: 'POST',
        url: '/api/unsubscribes',
        headers: bearer(tok),
        payload: { emails: emails.slice(0, 25).map((e) => e.toUpperCase()) },
      })
      expect(res.statusCode).toBe(202)
    }
    const [bulkId, restId] = await both({
      name: 'Subscribers',
      fields: ['LastName', 'FirstName'],
      filters: [{ field: 'Email', operator: 'isNotEmpty' }],
      excludeSuppressed: true,
    })
    t.sim.control.resetCounters()
    const viaBulk = await pull(t.app, token, bulkId, 'ndjson')
    expect(counters().bulk.jobsCreated).toBe(1)
    const viaRest = await pull(rest.app, restToken, restId, 'ndjson')
    expect(viaBulk.body).toBe(viaRest.body)
    const rows = ndjsonRows(viaBulk.body)
    const suppressedIds = new Set(
      contacts.filter((c) => emails.slice(0, 25).includes(c.Email as string)).map((c) => c.Id),
    )
    expect(suppressedIds.size).toBeGreaterThan(0)
    expect(rows.some((r) => suppressedIds.has(r.Id))).toBe(false)
    // Email was read for the check only.
    expect(Object.keys(rows[0])).toEqual(['Id', 'LastName', 'FirstName'])
  })

  it('small lists, and fields the Bulk API cannot return, stay on REST', async () => {
    const small = await createConnection(t.app, token, { name: 'Leads', sobject: 'Lead', fields: ['Email'] })
    t.sim.control.resetCounters()
    const a = await pull(t.app, token, small.id, 'ndjson')
    expect(ndjsonRows(a.body).length).toBeGreaterThan(0)
    expect(counters().bulk.jobsCreated).toBe(0)

    const compound = await createConnection(t.app, token, {
      name: 'Addresses',
      fields: ['Email', 'MailingAddress'],
      excludeOptedOut: false,
    })
    t.sim.control.resetCounters()
    const b = await pull(t.app, token, compound.id, 'ndjson')
    expect(ndjsonRows(b.body)).toHaveLength(CONTACTS)
    expect(counters().bulk.jobsCreated).toBe(0)
    expect(calls('queryMore')).toBe(Math.ceil(CONTACTS / 2000) - 1)
  })

  it('a job Salesforce cannot run falls back to REST before anything is sent', async () => {
    const c = await createConnection(t.app, token, { name: 'Fallback', fields: ['Email'], excludeOptedOut: false })
    t.sim.control.addFault({
      pattern: '/jobs/query$',
      method: 'POST',
      status: 400,
      body: [{ errorCode: 'API_DISABLED_FOR_ORG', message: 'Bulk API is not enabled' }],
    })
    t.sim.control.resetCounters()
    const res = await pull(t.app, token, c.id, 'csv')
    t.sim.control.clearFaults()
    expect(res.statusCode).toBe(200)
    expect(parseCsv(res.body)).toHaveLength(CONTACTS + 1)
    expect(counters().bulk.jobsCreated).toBe(0)
    expect(calls('queryMore')).toBe(Math.ceil(CONTACTS / 2000) - 1)
  })

  it('a job that fails or is aborted at Salesforce after its first poll falls back to REST before anything is sent, and is deleted', async () => {
    const [bulkId, restId] = await both({ name: 'Failing job', fields: FIELDS, excludeOptedOut: false })
    const viaRest = await pull(rest.app, restToken, restId, 'csv')
    expect(viaRest.statusCode).toBe(200)
    const before = await jobsAtSalesforce(t.sim, admin)

    // Salesforce fails the job at its second poll (state Failed, errorMessage): it had been InProgress at the first.
    t.sim.control.setBulkSettings({ processingMs: 60_000, failAfterPolls: 2 })
    t.sim.control.resetCounters()
    const failed = await pull(t.app, token, bulkId, 'csv')
    t.sim.control.setBulkSettings({ processingMs: 0, failAfterPolls: 0 })
    expect(failed.statusCode).toBe(200)
    expect(failed.headers['content-type']).toBe(viaRest.headers['content-type'])
    expect(failed.body).toBe(viaRest.body)
    expect(counters().bulk.jobsCreated).toBe(1)
    expect(calls('jobs/query.get')).toBe(2)
    expect(calls('jobs/query.results')).toBe(0)
    expect(calls('queryMore')).toBe(Math.ceil(CONTACTS / 2000) - 1)
    expect(calls('jobs/query.delete')).toBe(1)
    expect(await jobsAtSalesforce(t.sim, admin)).toEqual(before)

    // Someone aborts the job at Salesforce (Setup → Bulk Data Load Jobs) while the pull waits for it.
    t.sim.control.setBulkSettings({ processingMs: 60_000 })
    t.sim.control.resetCounters()
    const pending = pull(t.app, token, bulkId, 'csv')
    await until(() => calls('jobs/query.get') >= 1, 'the first poll')
    const running = [...(await jobsAtSalesforce(t.sim, admin))].filter(([id]) => !before.has(id))
    expect(running).toEqual([[expect.any(String), 'InProgress']])
    const conn = new Connection({ loginUrl: t.sim.url, version: '62.0' })
    await conn.login(admin.username, admin.password + admin.securityToken)
    await conn.request({
      method: 'PATCH',
      url: `/services/data/v62.0/jobs/query/${running[0]![0]}`,
      body: JSON.stringify({ state: 'Aborted' }),
      headers: { 'content-type': 'application/json' },
    })
    const aborted = await pending
    t.sim.control.setBulkSettings({ processingMs: 0 })
    expect(aborted.statusCode).toBe(200)
    expect(aborted.body).toBe(viaRest.body)
    expect(calls('jobs/query.get')).toBeGreaterThanOrEqual(2)
    expect(calls('jobs/query.results')).toBe(0)
    expect(calls('queryMore')).toBe(Math.ceil(CONTACTS / 2000) - 1)
    expect(calls('jobs/query.delete')).toBe(1)
    expect(await jobsAtSalesforce(t.sim, admin)).toEqual(before)
  })

  it('polls that answer an error after the first fall back to REST before anything is sent; the job is aborted and deleted', async () => {
    const [bulkId, restId] = await both({ name: 'Poll error', fields: FIELDS, excludeOptedOut: false })
    const viaRest = await pull(rest.app, restToken, restId, 'ndjson')
    expect(viaRest.statusCode).toBe(200)
    const before = await jobsAtSalesforce(t.sim, admin)

    t.sim.control.setBulkSettings({ processingMs: 60_000 })
    t.sim.control.resetCounters()
    const pending = pull(t.app, token, bulkId, 'ndjson')
    await until(() => calls('jobs/query.get') >= 1, 'the first poll')
    // From the next poll on, Salesforce answers 500 (UNKNOWN_EXCEPTION) while the job is still running:
    // jsforce asks again five times (about 15 s), then the pull gives up on the job.
    t.sim.control.addFault({ pattern: '/jobs/query/\\w+$', method: 'GET', status: 500, count: -1 })
    const res = await pending
    t.sim.control.clearFaults()
    t.sim.control.setBulkSettings({ processingMs: 0 })
    expect(counters().faults.served).toBe(6)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe(viaRest.headers['content-type'])
    expect(res.body).toBe(viaRest.body)
    expect(ndjsonRows(res.body)).toHaveLength(CONTACTS)
    expect(counters().bulk.jobsCreated).toBe(1)
    expect(calls('jobs/query.get')).toBe(1)
    expect(calls('jobs/query.results')).toBe(0)
    expect(calls('queryMore')).toBe(Math.ceil(CONTACTS / 2000) - 1)
    // Still running at Salesforce: aborted, then deleted.
    expect(calls('jobs/query.abort')).toBe(1)
    expect(calls('jobs/query.delete')).toBe(1)
    expect(await jobsAtSalesforce(t.sim, admin)).toEqual(before)
  })

  it('a client that leaves while the job runs aborts it; one that leaves mid-results stops the pages', async () => {
    const c = await createConnection(t.app, token, { name: 'Leaving', fields: FIELDS, excludeOptedOut: false })
    const url = `${base}/api/connections/${c.id}/records?format=ndjson`

    // The job takes 3 s at Salesforce; the client gives up after 400 ms, before any header.
    t.sim.control.setBulkSettings({ processingMs: 3_000 })
    t.sim.control.resetCounters()
    const req = http.get(url, { headers: bearer(token) })
    req.on('error', () => {})
    await sleep(400)
    req.destroy()
    await sleep(1_000)
    t.sim.control.setBulkSettings({ processingMs: 0 })
    expect(counters().bulk.jobsCreated).toBe(1)
    expect(calls('jobs/query.abort')).toBe(1)
    expect(calls('jobs/query.results')).toBe(0)
    const aborted = t.sim.control.counters()
    expect(aborted.bulk.recordsServed).toBe(0)

    // Reading stops after the first chunk: the pages wait, then stop when the client goes.
    t.sim.control.resetCounters()
    const req2 = http.get(url, { headers: bearer(token) })
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      req2.on('response', resolve)
      req2.on('error', reject)
    })
    expect(res.statusCode).toBe(200)
    await new Promise<void>((resolve) => {
      res.once('data', () => {
        res.pause()
        resolve()
      })
    })
    await sleep(1_500)
    const whilePaused = calls('jobs/query.results')
    expect(whilePaused).toBeLessThan(Math.ceil(CONTACTS / PAGE))
    req2.destroy()
    await sleep(1_500)
    expect(calls('jobs/query.results')).toBe(whilePaused)
    expect(calls('jobs/query.delete')).toBe(1)
    expect(counters().bulk.recordsServed).toBeLessThan(CONTACTS)
  })
})

describe('Bulk pulls when the session expires while results pages are read', () => {
  const COUNT = 6_000
  const PAGE_ROWS = 2_000
  let t: SimApp
  let rest: TestApp
  let base: string
  let admin: SimUser
  let ada: SimUser
  let grace: SimUser
  let adaToken: string
  let graceToken: string
  let restToken: string

  const counters = () => t.sim.control.counters()
  const calls = (endpoint: string) => counters().apiCalls.byEndpoint[endpoint] ?? 0
  /** Holds the request for the second results page a second: the pull has read the first one by then. */
  const holdSecondPage = () =>
    t.sim.control.addFault({ pattern: '/jobs/query/\\w+/results\\?.*locator=', method: 'GET', delayMs: 1_000 })

  beforeAll(async () => {
    t = await createSimApp({
      sim: { canvasRefreshToken: false, data: { contacts: COUNT, leads: 0, campaigns: 0, optedOutFraction: 0.1 } },
      config: (c) => ({ ...c, pullBulkThreshold: THRESHOLD, pullBulkPageRecords: PAGE_ROWS }),
    })
    rest = await createTestApp({ config: (c) => ({ ...simulatorConfig(c, t.sim), pullBulkThreshold: 0 }) })
    ;[ada, grace] = t.sim.control.users() as [SimUser, SimUser]
    // Outside Salesforce (standalone tokens): the stored credential (password + security token), which can log in again.
    const linked = async (app: TestApp['app'], user: SimUser, email: string): Promise<string> => {
      const token = (await linkedAccount(app, t.sim, user.id, email)).standaloneToken
      const put = await app.inject({
        method: 'PUT',
        url: '/api/salesforce/credentials',
        headers: bearer(token),
        payload: {
          username: user.username,
          password: user.password,
          securityToken: user.securityToken,
          environment: 'production',
        },
      })
      if (put.statusCode !== 200) throw new Error(`credentials answered ${put.statusCode}: ${put.body}`)
      return token
    }
    adaToken = await linked(t.app, ada, 'ada@app.test')
    graceToken = await linked(t.app, grace, 'grace@app.test')
    restToken = await linked(rest.app, ada, 'ada@app.test')
    admin = t.sim.control.createUser({ username: 'admin@bulk.test', firstName: 'Sys', lastName: 'Admin' })
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await rest?.close()
    await t?.close()
  })

  it('the session expiring after the first results page: one login, then every record exactly once', async () => {
    const definition = { name: 'Expiring', fields: FIELDS, excludeOptedOut: false }
    const bulkId = (await createConnection(t.app, adaToken, definition)).id
    const restId = (await createConnection(rest.app, restToken, definition)).id
    const viaRest = await pull(rest.app, restToken, restId, 'ndjson')
    expect(viaRest.statusCode).toBe(200)
    const before = await jobsAtSalesforce(t.sim, admin)

    holdSecondPage()
    t.sim.control.resetCounters()
    const pending = pull(t.app, adaToken, bulkId, 'ndjson')
    await until(() => counters().faults.served === 1, 'the request for the second page')
    expect(calls('jobs/query.results')).toBe(1)
    expect(counters().bulk.recordsServed).toBe(PAGE_ROWS)
    t.sim.control.resetCounters()
    expect(t.sim.control.expireSessions()).toBeGreaterThan(0)
    const res = await pending

    expect(res.statusCode).toBe(200)
    expect(res.body).toBe(viaRest.body)
    const rows = ndjsonRows(res.body)
    expect(rows).toHaveLength(COUNT)
    expect(new Set(rows.map((r) => r.Id)).size).toBe(COUNT)
    // The second page was refused (401, not counted) and asked again after one login; no page twice.
    expect(counters().logins).toMatchObject({ success: 1, failure: 0 })
    expect(calls('jobs/query.results')).toBe(COUNT / PAGE_ROWS - 1)
    expect(counters().bulk.recordsServed).toBe(COUNT - PAGE_ROWS)
    expect(calls('jobs/query.delete')).toBe(1)
    expect(await jobsAtSalesforce(t.sim, admin)).toEqual(before)
  })

  it('a session that cannot be renewed breaks the body off, and the credential needs attention', async () => {
    const c = await createConnection(t.app, graceToken, { name: 'Broken', fields: FIELDS, excludeOptedOut: false })
    // A session in hand before the pull (connect logs in if an earlier test ended it): the pull renews nothing until the expiry.
    const connect = await t.app.inject({
      method: 'POST',
      url: `/api/connections/${c.id}/test`,
      headers: bearer(graceToken),
    })
    expect(connect.statusCode).toBe(200)
    const before = await jobsAtSalesforce(t.sim, admin)

    holdSecondPage()
    t.sim.control.resetCounters()
    const pending = download(`${base}/api/connections/${c.id}/records?format=csv`, graceToken)
    await until(() => counters().faults.served === 1, 'the request for the second page')
    t.sim.control.resetCounters()
    // The security token is reset and every session ends: the stored credential cannot log in.
    t.sim.control.resetToken(grace.id)
    t.sim.control.expireSessions()
    const res = await pending

    // Headers were out: the body is cut off (no end of the chunked response), never a JSON error.
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/csv/)
    expect(res.complete).toBe(false)
    expect(res.body).not.toMatch(/"(statusCode|code)"\s*:/)
    const lines = res.body.split('\r\n')
    expect(lines.length).toBeGreaterThan(1)
    expect(lines.length).toBeLessThan(COUNT + 1)
    // One login tried, and only one (the job's deletion does not try again).
    expect(counters().logins).toMatchObject({ success: 0, failure: 1 })
    expect(calls('jobs/query.results')).toBe(0)
    const { rows } = await t.db.pool.query(
      `SELECT c.kind, c.status, c.reason FROM salesforce_credentials c
         JOIN salesforce_links l ON l.id = c.link_id WHERE l.salesforce_user_id = $1 AND c.kind <> 'canvas'`,
      [grace.id],
    )
    expect(rows).toEqual([{ kind: 'password_token', status: 'needs_attention', reason: 'SF_INVALID_LOGIN' }])
    // Without a session the job cannot be deleted: it is the one job left over.
    const after = await jobsAtSalesforce(t.sim, admin)
    expect([...after].filter(([id]) => !before.has(id))).toEqual([[expect.any(String), 'JobComplete']])

    // Afterwards the stored state answers at once, as a JSON error, without another login.
    t.sim.control.resetCounters()
    const again = await pull(t.app, graceToken, c.id, 'csv')
    expect(again.statusCode).toBe(422)
    expect(again.json().code).toBe('SF_INVALID_LOGIN')
    expect(counters().logins.failure).toBe(0)
  })
})
