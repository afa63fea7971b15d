// Bulk API 2.0 query jobs as jsforce's bulk2 drives them (create, poll, CSV results paged with
// Sforce-Locator, abort, delete), each HTTP call one API call; and a million records streamed.
import { Connection } from 'jsforce'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createSalesforceSimulator, type SalesforceSimulator, type SimUser } from '../src/index.js'

const V = '62.0'
let sim: SalesforceSimulator
let ada: SimUser
let conn: Connection

async function login(s: SalesforceSimulator, user: SimUser): Promise<Connection> {
  const c = new Connection({ loginUrl: s.url, version: V })
  await c.login(user.username, user.password + user.securityToken)
  return c
}

function collect(stream: NodeJS.EventEmitter): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = []
  return new Promise((resolve, reject) => {
    stream.on('record', (r: Record<string, string>) => rows.push(r))
    stream.on('end', () => resolve(rows))
    stream.on('error', reject)
  })
}

interface Page {
  status: number
  locator: string | null
  count: string | null
  type: string | null
  text: string
}

async function resultsPage(s: SalesforceSimulator, c: Connection, jobId: string, params = ''): Promise<Page> {
  const res = await fetch(`${s.url}/services/data/v${V}/jobs/query/${jobId}/results${params}`, {
    headers: { authorization: `Bearer ${c.accessToken}`, accept: 'text/csv' },
  })
  return {
    status: res.status,
    locator: res.headers.get('sforce-locator'),
    count: res.headers.get('sforce-numberofrecords'),
    type: res.headers.get('content-type'),
    text: await res.text(),
  }
}

beforeAll(async () => {
  sim = await createSalesforceSimulator({ data: { contacts: 3000, leads: 50, campaigns: 1 } })
  ada = sim.control.users()[0]
  conn = await login(sim, ada)
  conn.bulk2.pollInterval = 50
})

afterAll(() => sim.close())

beforeEach(() => {
  sim.control.resetCounters()
  sim.control.setBulkSettings({ processingMs: 0, resultsPageSize: 100_000, failAfterPolls: 0 })
})

describe('query jobs through jsforce', () => {
  it('bulk2.query creates a job, polls it and parses the CSV: three API calls', async () => {
    const rows = await collect(
      await conn.bulk2.query(
        'SELECT Id, Email, Account.Name, HasOptedOutOfEmail, CreatedDate, Birthdate FROM Contact ORDER BY Email',
      ),
    )
    const expected = (
      await conn.query<any>(
        'SELECT Id, Email, Account.Name, HasOptedOutOfEmail, CreatedDate, Birthdate FROM Contact ORDER BY Email',
        {
          autoFetch: true,
          maxFetch: 10_000,
        },
      )
    ).records
    expect(rows).toHaveLength(3000)
    rows.forEach((row, i) => {
      const r = expected[i]
      expect(row).toEqual({
        Id: r.Id,
        Email: r.Email,
        'Account.Name': r.Account?.Name ?? '',
        HasOptedOutOfEmail: String(r.HasOptedOutOfEmail),
        CreatedDate: r.CreatedDate.replace('+0000', 'Z'),
        Birthdate: r.Birthdate ?? '',
      })
    })
    const counters = sim.control.counters()
    expect(counters.apiCalls.byEndpoint).toMatchObject({
      'jobs/query': 1,
      'jobs/query.get': 1,
      'jobs/query.results': 1,
    })
    expect(counters.bulk).toEqual({ jobsCreated: 1, recordsServed: 3000 })
  })

  it('reports UploadComplete, then InProgress while processing, then JobComplete', async () => {
    sim.control.setBulkSettings({ processingMs: 300 })
    const created = await conn.request<any>({
      method: 'POST',
      url: `/services/data/v${V}/jobs/query`,
      body: JSON.stringify({ operation: 'query', query: "SELECT Id FROM Lead WHERE LeadSource = 'Web'" }),
      headers: { 'content-type': 'application/json' },
    })
    expect(created).toMatchObject({
      id: expect.stringMatching(/^750\w{15}$/),
      operation: 'query',
      object: 'Lead',
      createdById: ada.id,
      state: 'UploadComplete',
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: 62,
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
    })
    const early = await resultsPage(sim, conn, created.id)
    expect(early.status).toBe(400)
    expect(JSON.parse(early.text)[0].errorCode).toBe('JOB_NOT_COMPLETE')

    const job = conn.bulk2.job('query', { id: created.id })
    const states: string[] = []
    job.on('inProgress', (info: { state: string }) => states.push(info.state))
    await job.poll(50, 10_000)
    expect(states[0]).toBe('InProgress')
    const info = await job.check()
    expect(info).toMatchObject({ state: 'JobComplete', jobType: 'V2Query', retries: 0 })
    const web = (await conn.query("SELECT COUNT() FROM Lead WHERE LeadSource = 'Web'")).totalSize
    expect(info.numberRecordsProcessed).toBe(web)
  })

  it('pages results with maxRecords and Sforce-Locator, ending with the locator "null"', async () => {
    const created = await conn.request<any>({
      method: 'POST',
      url: `/services/data/v${V}/jobs/query`,
      body: JSON.stringify({ query: 'SELECT Id, LastName FROM Contact ORDER BY Id' }),
      headers: { 'content-type': 'application/json' },
    })
    sim.control.resetCounters()
    const ids: string[] = []
    const locators: string[] = []
    let locator = ''
    do {
      const page = await resultsPage(sim, conn, created.id, `?maxRecords=1200${locator ? `&locator=${locator}` : ''}`)
      expect(page.status).toBe(200)
      expect(page.type).toMatch(/^text\/csv/)
      const lines = page.text.trimEnd().split('\n')
      expect(lines[0]).toBe('"Id","LastName"')
      expect(page.count).toBe(String(lines.length - 1))
      ids.push(...lines.slice(1).map((l) => l.slice(1, 19)))
      locator = page.locator!
      locators.push(locator)
    } while (locator !== 'null')
    expect(locators).toEqual(['MTIwMA', 'MjQwMA', 'null'])
    expect(ids).toHaveLength(3000)
    expect(ids).toEqual([...ids].sort())
    expect(new Set(ids).size).toBe(3000)
    // Each page is one API call; a locator can be read again.
    expect(sim.control.counters().apiCalls.byEndpoint).toEqual({ 'jobs/query.results': 3 })
    const again = await resultsPage(sim, conn, created.id, '?maxRecords=5&locator=MjQwMA')
    expect(again.text.split('\n')[1].slice(1, 19)).toBe(ids[2400])
    expect((await resultsPage(sim, conn, created.id, '?locator=notalocator!')).status).toBe(400)
  })

  it('uses the job’s delimiter and line ending, quotes every cell and doubles quotes inside', async () => {
    const [contact] = sim.control.records('Contact', { limit: 1 })
    sim.control.updateRecord('Contact', contact.Id as string, { Title: 'The "Boss"; really' })
    const created = await conn.request<any>({
      method: 'POST',
      url: `/services/data/v${V}/jobs/query`,
      body: JSON.stringify({
        query: `SELECT Id, Title, Lead_Score__c FROM Contact WHERE Id = '${contact.Id}'`,
        columnDelimiter: 'SEMICOLON',
        lineEnding: 'CRLF',
      }),
      headers: { 'content-type': 'application/json' },
    })
    const page = await resultsPage(sim, conn, created.id)
    const score = contact.Lead_Score__c === null ? '' : String(contact.Lead_Score__c)
    expect(page.text).toBe(`"Id";"Title";"Lead_Score__c"\r\n"${contact.Id}";"The ""Boss""; really";"${score}"\r\n`)
  })

  it('queryAll includes deleted records; query does not', async () => {
    const [lead] = sim.control.records('Lead', { limit: 1 })
    await conn.sobject('Lead').destroy(lead.Id as string)
    const soql = `SELECT Id, IsDeleted FROM Lead WHERE Id = '${lead.Id}'`
    expect(await collect(await conn.bulk2.query(soql))).toEqual([])
    expect(await collect(await conn.bulk2.query(soql, { scanAll: true }))).toEqual([{ Id: lead.Id, IsDeleted: 'true' }])
  })

  it('refuses what Bulk API 2.0 refuses when the job is created', async () => {
    const create = (query: string) =>
      conn.request({
        method: 'POST',
        url: `/services/data/v${V}/jobs/query`,
        body: JSON.stringify({ query }),
        headers: { 'content-type': 'application/json' },
      })
    await expect(create('SELECT Nope__c FROM Contact')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' })
    await expect(create('SELECT Id FROM Contact WHERE')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' })
    await expect(create('SELECT COUNT() FROM Contact')).rejects.toMatchObject({ errorCode: 'INVALIDJOB' })
    await expect(create('SELECT Id FROM Contact LIMIT 5 OFFSET 5')).rejects.toMatchObject({ errorCode: 'INVALIDJOB' })
    await expect(create('SELECT MailingAddress FROM Contact')).rejects.toMatchObject({
      errorCode: 'FUNCTIONALITY_NOT_ENABLED',
      message: 'Selecting compound data not supported in Bulk Query',
    })
    expect(sim.control.counters().bulk.jobsCreated).toBe(0)
  })

  it('aborts a job in progress, deletes finished ones, and hides jobs from other orgs', async () => {
    sim.control.setBulkSettings({ processingMs: 60_000 })
    const created = await conn.request<any>({
      method: 'POST',
      url: `/services/data/v${V}/jobs/query`,
      body: JSON.stringify({ query: 'SELECT Id FROM Contact' }),
      headers: { 'content-type': 'application/json' },
    })
    const job = conn.bulk2.job('query', { id: created.id })
    await expect(job.delete()).rejects.toMatchObject({ errorCode: 'INVALIDJOBSTATE' })
    expect((await job.abort()).state).toBe('Aborted')
    await expect(job.poll(10, 1000)).rejects.toThrow('Job has been aborted')
    await job.delete()
    await expect(job.check()).rejects.toMatchObject({ errorCode: 'NOT_FOUND' })

    const other = sim.control.createOrg({
      name: 'Other',
      createdAfterWinter26: false, // an older org: SOAP login() still on
      users: [{ username: 'eve@other.test', firstName: 'Eve', lastName: 'Other' }],
      data: { contacts: 3, leads: 0, campaigns: 0 },
    })
    const eve = sim.control.users().find((u) => u.organizationId === other.id)!
    const asEve = await login(sim, eve)
    sim.control.setBulkSettings({ processingMs: 0 })
    const mine = await conn.request<any>({
      method: 'POST',
      url: `/services/data/v${V}/jobs/query`,
      body: JSON.stringify({ query: 'SELECT Id FROM Contact' }),
      headers: { 'content-type': 'application/json' },
    })
    expect((await resultsPage(sim, asEve, mine.id)).status).toBe(404)
    const eveRows = await collect(await asEve.bulk2.query('SELECT Id FROM Contact'))
    expect(eveRows).toHaveLength(3)
  })

  it('failAfterPolls: a running job turns Failed at that poll, with an errorMessage and no results', async () => {
    expect(() => sim.control.setBulkSettings({ failAfterPolls: -1 })).toThrow('non-negative')
    sim.control.setBulkSettings({ processingMs: 60_000, failAfterPolls: 2 })
    const created = await conn.request<any>({
      method: 'POST',
      url: `/services/data/v${V}/jobs/query`,
      body: JSON.stringify({ query: 'SELECT Id FROM Contact' }),
      headers: { 'content-type': 'application/json' },
    })
    const job = conn.bulk2.job('query', { id: created.id })
    const first = await job.check()
    expect(first.state).toBe('InProgress')
    expect(first).not.toHaveProperty('errorMessage')
    const failed = await job.check()
    expect(failed).toMatchObject({ state: 'Failed', errorMessage: expect.stringMatching(/^Failed to process query/) })
    // jsforce's poll loop stops on it.
    await expect(job.poll(10, 1000)).rejects.toThrow('Query job failed to complete')
    const results = await resultsPage(sim, conn, created.id)
    expect(results.status).toBe(400)
    expect(JSON.parse(results.text)[0]).toMatchObject({ errorCode: 'JOB_NOT_COMPLETE' })
    expect(JSON.parse(results.text)[0].message).toMatch(/Current status: FAILED$/)
    await expect(job.abort()).rejects.toMatchObject({ errorCode: 'INVALIDJOBSTATE' })
    await job.delete()
    await expect(job.check()).rejects.toMatchObject({ errorCode: 'NOT_FOUND' })

    // A job that completes before that poll is not touched.
    sim.control.setBulkSettings({ processingMs: 0, failAfterPolls: 2 })
    const leads = (await conn.query('SELECT COUNT() FROM Lead')).totalSize
    expect(await collect(await conn.bulk2.query('SELECT Id FROM Lead'))).toHaveLength(leads)
  })
})

describe('a million records', () => {
  it(
    'streams 1,000,000 records in pages of 250,000, far faster than 100,000 records/s',
    { timeout: 300_000 },
    async () => {
      const big = await createSalesforceSimulator({ data: false })
      try {
        const seedStart = performance.now()
        big.control.seed({ contacts: 1_000_000, leads: 0, campaigns: 0, optedOutFraction: 0 })
        const seedMs = performance.now() - seedStart
        const [user] = big.control.users()
        const c = await login(big, user)
        big.control.resetCounters()

        const started = performance.now()
        const cpuBefore = process.cpuUsage()
        const created = await c.request<any>({
          method: 'POST',
          url: `/services/data/v${V}/jobs/query`,
          body: JSON.stringify({
            query: 'SELECT Id, Email, FirstName, LastName, HasOptedOutOfEmail, CreatedDate FROM Contact',
          }),
          headers: { 'content-type': 'application/json' },
        })
        await c.bulk2.job('query', { id: created.id }).poll(10, 60_000)
        let locator = ''
        let rows = 0
        let bytes = 0
        let firstPageFirstByteMs = 0
        let firstPageMs = 0
        while (locator !== 'null') {
          const pageStart = performance.now()
          const res = await fetch(
            `${big.url}/services/data/v${V}/jobs/query/${created.id}/results?maxRecords=250000${locator ? `&locator=${locator}` : ''}`,
            { headers: { authorization: `Bearer ${c.accessToken}` } },
          )
          // Streamed in chunks as it is written, not sent as one prepared body of known length.
          expect(res.headers.get('transfer-encoding')).toBe('chunked')
          expect(res.headers.get('content-length')).toBeNull()
          locator = res.headers.get('sforce-locator')!
          rows += Number(res.headers.get('sforce-numberofrecords'))
          let chunks = 0
          const reader = res.body!.getReader()
          for (let read = await reader.read(); !read.done; read = await reader.read()) {
            if (chunks++ === 0 && !firstPageFirstByteMs) firstPageFirstByteMs = performance.now() - pageStart
            bytes += read.value.length
          }
          if (!firstPageMs) firstPageMs = performance.now() - pageStart
          expect(chunks).toBeGreaterThan(10)
        }
        const elapsed = performance.now() - started
        const cpu = process.cpuUsage(cpuBefore)
        const perSecond = Math.round((rows / elapsed) * 1000)
        // CPU time of this process (the simulator and this client together): steadier than wall
        // time on a shared machine.
        const perCpuSecond = Math.round((rows / ((cpu.user + cpu.system) / 1000)) * 1000)
        console.log(
          `bulk2: seeded 1,000,000 contacts in ${Math.round(seedMs)} ms; pulled ${rows} records (${(bytes / 2 ** 20).toFixed(0)} MiB CSV) in ${Math.round(elapsed)} ms = ${perSecond} records/s (${perCpuSecond} per CPU second, client included); first byte of a 250k page after ${Math.round(firstPageFirstByteMs)} ms of ${Math.round(firstPageMs)} ms`,
        )
        expect(rows).toBe(1_000_000)
        // create + poll + 4 pages
        expect(big.control.counters().apiCalls.total).toBe(6)
        expect(perCpuSecond).toBeGreaterThan(100_000)
      } finally {
        await big.close()
      }
    },
  )
})
