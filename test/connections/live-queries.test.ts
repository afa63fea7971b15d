import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSimApp, linkedAccount, type SimApp } from '../helpers/simulator-app.js'
import { bearer, createConnection, ndjsonRows, parseCsv, pull } from '../helpers/connections.js'

type SimRecord = Record<string, any>

describe('connections against the org: connect, preview, describe, pull (simulator, real jsforce)', () => {
  let t: SimApp
  let ada: Awaited<ReturnType<typeof linkedAccount>>
  let contacts: SimRecord[]

  const ids = (records: SimRecord[]) => records.map((r) => r.Id).sort()

  beforeAll(async () => {
    t = await createSimApp({
      sim: { canvasRefreshToken: false, data: { contacts: 5000, leads: 30, campaigns: 1, optedOutFraction: 0.05 } },
    })
    ada = await linkedAccount(t.app, t.sim, t.sim.control.users()[0]!.id, 'ada@app.test')
    contacts = t.sim.control.records('Contact')
    expect(contacts).toHaveLength(5000)
  })
  afterAll(async () => {
    await t.close()
  })

  it('connect (test) answers the count of matching records, at most 10 rows and the SOQL', async () => {
    const c = await createConnection(t.app, ada.canvasToken, {
      name: 'Knuths',
      filters: [{ field: 'LastName', operator: '=', value: 'Knuth' }],
    })
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/connections/${c.id}/test`,
      headers: bearer(ada.canvasToken),
    })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    const expected = contacts.filter((r) => r.LastName === 'Knuth' && !r.HasOptedOutOfEmail)
    expect(expected.length).toBeGreaterThan(10)
    expect(body.count).toBe(expected.length)
    expect(body.records).toHaveLength(10)
    for (const row of body.records) {
      expect(Object.keys(row)).toEqual(['Id', 'Email', 'FirstName', 'LastName'])
      expect(row.LastName).toBe('Knuth')
      expect(ids(expected)).toContain(row.Id)
    }
    expect(body.soql).toBe(
      "SELECT Id, Email, FirstName, LastName FROM Contact WHERE (LastName = 'Knuth') AND HasOptedOutOfEmail = false",
    )
  })

  it("the editor's preview counts an unsaved definition", async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/connections/preview',
      headers: bearer(ada.canvasToken),
      payload: {
        name: '',
        sobject: 'Contact',
        fields: ['Email'],
        filters: [{ field: 'Title', operator: '=', value: 'CEO' }],
        logic: 'AND',
        excludeOptedOut: false,
        requireEmail: false,
        excludeSuppressed: false,
      },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json().count).toBe(contacts.filter((r) => r.Title === 'CEO').length)
    expect(res.json().records.length).toBeLessThanOrEqual(10)
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/connections/preview',
      headers: bearer(ada.canvasToken),
      payload: { sobject: 'Contact', fields: ['Email'], filters: [{ field: 'Email', operator: 'in', value: [] }] },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().code).toBe('CONNECTION_INVALID')
  })

  it('filters narrow the pull exactly to the records that match in the org', async () => {
    const cases: Array<{
      filters: any[]
      logic?: 'AND' | 'OR'
      excludeOptedOut?: boolean
      requireEmail?: boolean
      sobject?: string
      match: (r: SimRecord) => boolean
    }> = [
      {
        filters: [{ field: 'LastName', operator: '=', value: 'Turing' }],
        match: (r) => r.LastName === 'Turing' && !r.HasOptedOutOfEmail,
      },
      {
        filters: [{ field: 'LastName', operator: '=', value: 'Turing' }],
        excludeOptedOut: false,
        match: (r) => r.LastName === 'Turing',
      },
      {
        filters: [
          { field: 'FirstName', operator: '=', value: 'Ada' },
          { field: 'Title', operator: 'in', value: ['CEO', 'CTO'] },
        ],
        match: (r) => r.FirstName === 'Ada' && ['CEO', 'CTO'].includes(r.Title) && !r.HasOptedOutOfEmail,
      },
      {
        filters: [
          { field: 'FirstName', operator: '=', value: 'Ada' },
          { field: 'Title', operator: '=', value: 'CEO' },
        ],
        logic: 'OR',
        match: (r) => (r.FirstName === 'Ada' || r.Title === 'CEO') && !r.HasOptedOutOfEmail,
      },
      {
        filters: [{ field: 'Email', operator: 'startsWith', value: 'grace.' }],
        match: (r) => r.Email.startsWith('grace.') && !r.HasOptedOutOfEmail,
      },
      {
        filters: [{ field: 'Email', operator: 'contains', value: '.hopper.1' }],
        match: (r) => r.Email.includes('.hopper.1') && !r.HasOptedOutOfEmail,
      },
      { filters: [{ field: 'Title', operator: 'isEmpty' }], match: (r) => r.Title === null && !r.HasOptedOutOfEmail },
      {
        filters: [
          { field: 'Title', operator: 'notIn', value: ['CEO', 'Engineer'] },
          { field: 'LastName', operator: '=', value: 'Wirth' },
        ],
        match: (r) => r.Title !== 'CEO' && r.Title !== 'Engineer' && r.LastName === 'Wirth' && !r.HasOptedOutOfEmail,
      },
      {
        filters: [{ field: 'HasOptedOutOfEmail', operator: '=', value: true }],
        excludeOptedOut: false,
        match: (r) => r.HasOptedOutOfEmail === true,
      },
    ]
    for (const cs of cases) {
      const c = await createConnection(t.app, ada.canvasToken, {
        name: 'Filter case',
        fields: ['Email'],
        filters: cs.filters,
        logic: cs.logic ?? 'AND',
        excludeOptedOut: cs.excludeOptedOut ?? true,
      })
      const res = await pull(t.app, ada.canvasToken, c.id, 'ndjson')
      expect(res.statusCode).toBe(200)
      const got = ndjsonRows(res.body)
      const expected = contacts.filter(cs.match)
      expect(expected.length, JSON.stringify(cs.filters)).toBeGreaterThan(0)
      expect(got.map((r) => r.Id).sort(), JSON.stringify(cs.filters)).toEqual(ids(expected))
    }
  })

  it('a typed filter value cannot widen the query (no SOQL injection)', async () => {
    const attempts = [
      { field: 'Email', operator: '=', value: "x' OR Email != '" },
      { field: 'LastName', operator: '=', value: "Knuth' OR LastName != 'x" },
      { field: 'LastName', operator: 'contains', value: "%' OR Name != '" },
      { field: 'LastName', operator: 'startsWith', value: '%' },
      { field: 'LastName', operator: 'in', value: ["x') OR (LastName != 'x"] },
      { field: 'LastName', operator: '=', value: "x\\' OR LastName != \\'" },
    ]
    for (const filter of attempts) {
      const c = await createConnection(t.app, ada.canvasToken, {
        name: 'Injection',
        fields: ['Email'],
        filters: [filter],
        logic: 'OR',
      })
      const test = await t.app.inject({
        method: 'POST',
        url: `/api/connections/${c.id}/test`,
        headers: bearer(ada.canvasToken),
      })
      expect(test.statusCode, JSON.stringify(filter)).toBe(200)
      expect(test.json().count, JSON.stringify(filter)).toBe(0)
      const res = await pull(t.app, ada.canvasToken, c.id, 'ndjson')
      expect(res.body, JSON.stringify(filter)).toBe('')
    }
  })

  it('pulls 5,000 records as CSV: a header and 5,000 CRLF lines', async () => {
    const c = await createConnection(t.app, ada.canvasToken, {
      name: 'All contacts',
      fields: ['Email', 'FirstName', 'LastName', 'Title'],
      excludeOptedOut: false,
    })
    t.sim.control.resetCounters()
    const res = await pull(t.app, ada.canvasToken, c.id, 'csv')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(res.headers['content-disposition']).toBe('attachment; filename="All contacts.csv"')
    const lines = res.body.split('\r\n')
    expect(lines.at(-1)).toBe('')
    expect(lines.length - 1).toBe(5001)
    expect(lines[0]).toBe('Id,Email,FirstName,LastName,Title')
    const rows = parseCsv(res.body)
    expect(
      rows
        .slice(1)
        .map((r) => r[0])
        .sort(),
    ).toEqual(ids(contacts))
    // 2,000 per page: one query and two queryMore calls, followed page by page.
    expect(t.sim.control.counters().apiCalls.byEndpoint).toMatchObject({ query: 1, queryMore: 2 })
  })

  it('pulls 5,000 records as NDJSON: 5,000 lines of the requested fields', async () => {
    const c = await createConnection(t.app, ada.canvasToken, {
      name: 'All contacts',
      fields: ['Email', 'LastName'],
      excludeOptedOut: false,
    })
    const res = await pull(t.app, ada.canvasToken, c.id, 'ndjson')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8')
    expect(res.headers['content-disposition']).toBe('attachment; filename="All contacts.ndjson"')
    const lines = res.body.split('\n')
    expect(lines.at(-1)).toBe('')
    expect(lines.length - 1).toBe(5000)
    const first = JSON.parse(lines[0]!)
    expect(Object.keys(first)).toEqual(['Id', 'Email', 'LastName'])
    const byId = new Map(contacts.map((r) => [r.Id, r]))
    for (const row of ndjsonRows(res.body))
      expect(row).toEqual({ Id: row.Id, Email: byId.get(row.Id)!.Email, LastName: byId.get(row.Id)!.LastName })
  })

  it('CSV quoting follows RFC 4180 for commas, quotes and line breaks', async () => {
    const tricky = [
      { LastName: 'O"Brien, Jr', FirstName: 'Line\nBreak', Company: 'Acme, "Inc"', Email: 'tricky1@example.com' },
      { LastName: 'Plain', FirstName: 'Carriage\r\nReturn', Company: '=SUM(A1)', Email: 'tricky2@example.com' },
    ]
    for (const values of tricky) t.sim.control.insertRecord('Lead', values)
    const c = await createConnection(t.app, ada.canvasToken, {
      name: 'Leads, "quoted"',
      sobject: 'Lead',
      fields: ['FirstName', 'LastName', 'Company'],
      filters: [{ field: 'Email', operator: 'startsWith', value: 'tricky' }],
    })
    const res = await pull(t.app, ada.canvasToken, c.id, 'csv')
    expect(res.statusCode).toBe(200)
    // The name's quotes never break out of the header.
    expect(res.headers['content-disposition']).toBe('attachment; filename="Leads_ _quoted_.csv"')
    expect(res.body).toContain('"O""Brien, Jr"')
    expect(res.body).toContain('"Acme, ""Inc"""')
    const rows = parseCsv(res.body)
    expect(rows[0]).toEqual(['Id', 'FirstName', 'LastName', 'Company'])
    // A cell that would run as a spreadsheet formula gets a leading ' (test/reliability/csv-injection.test.ts).
    const cell = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v)
    expect(rows.slice(1).map((r) => r.slice(1))).toEqual(
      tricky.map((v) => [cell(v.FirstName), cell(v.LastName), cell(v.Company)]),
    )
    expect(res.body).toContain(",'=SUM(A1)")
  })

  it('"exclude suppression list" leaves out suppressed addresses, matched case-insensitively', async () => {
    const knuths = contacts.filter((r) => r.LastName === 'Knuth')
    // Reported by the mailing side in whatever case it has them.
    const suppressed = knuths.slice(0, 7).map((r) => (r.Email as string).toUpperCase())
    const reported = await t.app.inject({
      method: 'POST',
      url: '/api/unsubscribes',
      headers: bearer(ada.standaloneToken),
      payload: { emails: suppressed },
    })
    expect(reported.statusCode).toBe(202)
    // Another account's suppression list does not apply.
    const other = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { email: 'other@app.test', password: 'a long app password' },
    })
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/unsubscribes',
          headers: bearer(other.json().token),
          payload: { emails: [knuths[10]!.Email] },
        })
      ).statusCode,
    ).toBe(202)
    const c = await createConnection(t.app, ada.canvasToken, {
      name: 'Suppressed',
      fields: ['LastName'],
      filters: [{ field: 'LastName', operator: '=', value: 'Knuth' }],
      excludeOptedOut: false,
      excludeSuppressed: true,
    })
    const res = await pull(t.app, ada.canvasToken, c.id, 'ndjson')
    const got = ndjsonRows(res.body)
    expect(got.map((r) => r.Id).sort()).toEqual(ids(knuths.slice(7)))
    // Email was fetched for matching only: the output has the requested fields.
    expect(Object.keys(got[0])).toEqual(['Id', 'LastName'])
    const off = await createConnection(t.app, ada.canvasToken, {
      name: 'Not suppressed',
      fields: ['LastName'],
      filters: [{ field: 'LastName', operator: '=', value: 'Knuth' }],
      excludeOptedOut: false,
    })
    expect(ndjsonRows((await pull(t.app, ada.canvasToken, off.id, 'ndjson')).body)).toHaveLength(knuths.length)
  })

  it('describe answers the fields for the picker and is cached per org in Postgres for an hour', async () => {
    await t.db.pool.query(`DELETE FROM describe_cache`)
    t.sim.control.resetCounters()
    const res = await t.app.inject({ url: '/api/salesforce/describe/Lead', headers: bearer(ada.canvasToken) })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ name: 'Lead', label: 'Lead' })
    expect(body.fields).toContainEqual({ name: 'Email', label: 'Email', type: 'email', filterable: true })
    expect(body.fields).toContainEqual(
      expect.objectContaining({
        name: 'Status',
        type: 'picklist',
        picklistValues: expect.arrayContaining(['Open - Not Contacted']),
      }),
    )
    await t.app.inject({ url: '/api/salesforce/describe/Lead', headers: bearer(ada.canvasToken) })
    const c = await createConnection(t.app, ada.canvasToken, { sobject: 'Lead', fields: ['Email'] })
    await t.app.inject({ method: 'POST', url: `/api/connections/${c.id}/test`, headers: bearer(ada.canvasToken) })
    expect(t.sim.control.counters().apiCalls.byEndpoint.describe).toBe(1)
    const { rows } = await t.db.pool.query(`SELECT organization_id, sobject FROM describe_cache`)
    expect(rows).toEqual([{ organization_id: t.sim.control.users()[0]!.organizationId, sobject: 'Lead' }])
    // An hour later it is fetched again.
    await t.db.pool.query(`UPDATE describe_cache SET fetched_at = now() - interval '61 minutes'`)
    await t.app.inject({ url: '/api/salesforce/describe/Lead', headers: bearer(ada.canvasToken) })
    expect(t.sim.control.counters().apiCalls.byEndpoint.describe).toBe(2)
  })

  it('an unknown object is refused before Salesforce is asked', async () => {
    const res = await t.app.inject({ url: '/api/salesforce/describe/User', headers: bearer(ada.canvasToken) })
    expect(res.statusCode).toBe(400)
  })

  it('CampaignMember connections work too', async () => {
    const c = await createConnection(t.app, ada.canvasToken, {
      name: 'Members',
      sobject: 'CampaignMember',
      fields: ['Email', 'Status'],
      excludeOptedOut: false,
    })
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/connections/${c.id}/test`,
      headers: bearer(ada.canvasToken),
    })
    expect(res.statusCode).toBe(200)
    expect(res.json().count).toBe(t.sim.control.records('CampaignMember').length)
  })
})

describe('journey 4: standalone, through the stored credential (password + security token)', () => {
  let t: SimApp
  let ada: Awaited<ReturnType<typeof linkedAccount>>
  let user: { id: string; username: string; password: string; securityToken: string }

  beforeAll(async () => {
    t = await createSimApp({
      sim: { canvasRefreshToken: false, data: { contacts: 300, leads: 0, campaigns: 0, optedOutFraction: 0 } },
    })
    user = t.sim.control.users()[0]!
    ada = await linkedAccount(t.app, t.sim, user.id, 'ada@app.test')
  })
  afterAll(async () => {
    await t.close()
  })

  it('with a working credential, edit, connect and pull work outside Salesforce — pull with an API key too', async () => {
    const c = await createConnection(t.app, ada.standaloneToken, { name: 'Outside' })
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/api/connections/${c.id}/test`,
          headers: bearer(ada.standaloneToken),
        })
      ).statusCode,
    ).toBe(403)
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/api-keys',
      headers: bearer(ada.standaloneToken),
      payload: { name: 'Mailer', password: 'a long app password' },
    })
    expect(created.statusCode).toBe(201)
    const apiKey: string = created.json().key
    const refused = await pull(t.app, apiKey, c.id, 'ndjson')
    expect(refused.statusCode).toBe(403)
    expect(refused.json().code).toBe('SF_CREDENTIALS_REQUIRED')
    // An API key opens the pull only: the other connection routes want a session.
    expect((await t.app.inject({ url: `/api/connections/${c.id}`, headers: bearer(apiKey) })).statusCode).toBe(401)
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: bearer(ada.standaloneToken),
      payload: {
        username: user.username,
        password: user.password,
        securityToken: user.securityToken,
        environment: 'production',
      },
    })
    expect(put.statusCode).toBe(200)
    const list = (await t.app.inject({ url: '/api/connections', headers: bearer(ada.standaloneToken) })).json()
    expect(list.access).toEqual({ canConnect: true, code: null, message: null })
    const test = await t.app.inject({
      method: 'POST',
      url: `/api/connections/${c.id}/test`,
      headers: bearer(ada.standaloneToken),
    })
    expect(test.statusCode).toBe(200)
    expect(test.json().count).toBe(300)
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/connections/${c.id}`,
      headers: bearer(ada.standaloneToken),
      payload: { fields: ['Email'] },
    })
    expect(patch.statusCode).toBe(200)
    const csv = await pull(t.app, ada.standaloneToken, c.id, 'csv')
    expect(csv.statusCode).toBe(200)
    expect(csv.body.split('\r\n')).toHaveLength(302)
    const byKey = await pull(t.app, apiKey, c.id, 'ndjson')
    expect(byKey.statusCode).toBe(200)
    expect(ndjsonRows(byKey.body)).toHaveLength(300)
    expect(
      (await t.app.inject({ url: '/api/salesforce/describe/Contact', headers: bearer(ada.standaloneToken) }))
        .statusCode,
    ).toBe(200)
  })

  it('when Salesforce expires the session, connect logs in again once, transparently', async () => {
    const c = await createConnection(t.app, ada.standaloneToken, { name: 'Expired session' })
    t.sim.control.expireSessions()
    t.sim.control.resetCounters()
    const test = await t.app.inject({
      method: 'POST',
      url: `/api/connections/${c.id}/test`,
      headers: bearer(ada.standaloneToken),
    })
    expect(test.statusCode).toBe(200)
    expect(test.json().count).toBe(300)
    expect(t.sim.control.counters().logins).toMatchObject({ success: 1, failure: 0 })
  })

  it('journey 5: after a token reset, connect fails with SF_INVALID_LOGIN, then everything says so without logging in again', async () => {
    const c = await createConnection(t.app, ada.standaloneToken, { name: 'After reset' })
    t.sim.control.resetToken(user.id)
    t.sim.control.expireSessions()
    t.sim.control.resetCounters()
    const test = await t.app.inject({
      method: 'POST',
      url: `/api/connections/${c.id}/test`,
      headers: bearer(ada.standaloneToken),
    })
    expect(test.statusCode).toBe(422)
    expect(test.json().code).toBe('SF_INVALID_LOGIN')
    expect(t.sim.control.counters().logins.failure).toBe(1)
    const list = (await t.app.inject({ url: '/api/connections', headers: bearer(ada.standaloneToken) })).json()
    expect(list.access).toEqual({
      canConnect: false,
      code: 'SF_INVALID_LOGIN',
      message: expect.stringMatching(/token/),
    })
    for (const req of [
      { method: 'PATCH' as const, url: `/api/connections/${c.id}`, payload: { name: 'x' } },
      { method: 'POST' as const, url: `/api/connections/${c.id}/test` },
      { method: 'GET' as const, url: `/api/connections/${c.id}/records` },
    ]) {
      const res = await t.app.inject({ ...req, headers: bearer(ada.standaloneToken) })
      expect(res.json().code, `${req.method} ${req.url}`).toBe('SF_INVALID_LOGIN')
    }
    expect(t.sim.control.counters().logins.failure).toBe(1)
    // Copy and delete still work.
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/api/connections/${c.id}/copy`,
          headers: bearer(ada.standaloneToken),
        })
      ).statusCode,
    ).toBe(201)
  })
})
