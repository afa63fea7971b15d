// The control API (/_sim and in-process), IDs, deterministic seeding and speed at 100k records.
import { Connection } from 'jsforce'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checksumSuffix, createSalesforceSimulator, isValidId, to18, type SalesforceSimulator } from '../src/index.js'

let sim: SalesforceSimulator

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

beforeAll(async () => {
  sim = await createSalesforceSimulator({ data: { contacts: 50, leads: 20, campaigns: 2 } })
})

afterAll(() => sim.close())

describe('Salesforce IDs', () => {
  it('computes the 18-character suffix with Salesforce’s algorithm', () => {
    expect(checksumSuffix('001A0000006Vm9r')).toBe('IAC')
    // From the conformance signed request produced by a real org:
    expect(to18('0051t000001qjZ7')).toBe('0051t000001qjZ7AAI')
    expect(to18('00D1t000000rXxR')).toBe('00D1t000000rXxREAU')
    expect(isValidId('0051t000001qjZ7AAI')).toBe(true)
    expect(isValidId('0051t000001qjZ7AAJ')).toBe(false)
  })

  it('gives orgs, users and records valid IDs with the right key prefixes', () => {
    const [user] = sim.control.users()
    expect(user.organizationId).toMatch(/^00D\w{15}$/)
    expect(user.id).toMatch(/^005\w{15}$/)
    expect(isValidId(user.id) && isValidId(user.organizationId)).toBe(true)
    for (const [type, prefix] of [
      ['Contact', '003'],
      ['Lead', '00Q'],
      ['Campaign', '701'],
      ['CampaignMember', '00v'],
    ] as const) {
      const [record] = sim.control.records(type, { limit: 1 })
      expect(record.Id).toMatch(new RegExp(`^${prefix}\\w{15}$`))
      expect(isValidId(record.Id as string)).toBe(true)
    }
  })
})

describe('users and orgs over HTTP', () => {
  it('lists the seeded users with passwords and tokens', async () => {
    const { body } = await call('GET', '/_sim/users')
    expect(body).toEqual([
      expect.objectContaining({
        username: 'ada@demo.sflink.test',
        password: 'Lovelace-1815!',
        securityToken: expect.stringMatching(/^[A-Za-z0-9]{24}$/),
      }),
      expect.objectContaining({
        username: 'grace@demo.sflink.test',
        password: 'Hopper-1906!',
        securityToken: expect.stringMatching(/^[A-Za-z0-9]{24}$/),
      }),
    ])
    expect(body[0].organizationId).toBe(body[1].organizationId)
    expect(sim.control.orgs()[0].name).toBe('SF Link Demo Org')
  })

  it('creates an org with its own settings and a user who can log in to it', async () => {
    // An org from before Winter '26: SOAP login() still on (new orgs have it off, see soap-login.test.ts).
    const org = await call('POST', '/_sim/orgs', {
      name: 'Second Org',
      createdAfterWinter26: false,
      settings: { trustedIpRanges: ['127.0.0.1/32'] },
    })
    expect(org.status).toBe(201)
    const user = await call('POST', '/_sim/users', {
      organizationId: org.body.id,
      username: 'hedy@second.test',
      password: 'Lamarr-1914!',
      firstName: 'Hedy',
      lastName: 'Lamarr',
    })
    expect(user.body).toMatchObject({ organizationId: org.body.id, username: 'hedy@second.test' })
    const conn = new Connection({ loginUrl: sim.url, version: '60.0' })
    await expect(conn.login('hedy@second.test', 'Lamarr-1914!')).resolves.toMatchObject({ organizationId: org.body.id })
    const contacts = await conn.query('SELECT COUNT() FROM Contact')
    expect(contacts.totalSize).toBe(0)
  })

  it('answers 404 for unknown users and 400 for bad input', async () => {
    expect((await call('POST', '/_sim/users/005000000000000AAA/reset-token')).status).toBe(404)
    expect((await call('PUT', `/_sim/orgs/${sim.control.orgs()[0].id}/settings`, { notASetting: 1 })).status).toBe(400)
    expect(
      (await call('POST', '/_sim/users', { username: 'ada@demo.sflink.test', firstName: 'A', lastName: 'B' })).status,
    ).toBe(400)
  })
})

describe('records over HTTP', () => {
  it('finds a contact by email and opts it out "in Salesforce"', async () => {
    const [contact] = sim.control.records('Contact', { limit: 1 })
    const email = contact.Email as string
    const found = await call('GET', `/_sim/records/Contact?email=${encodeURIComponent(email.toUpperCase())}`)
    expect(found.body).toEqual([expect.objectContaining({ Id: contact.Id, Email: email })])
    const updated = await call('PATCH', `/_sim/records/Contact?email=${encodeURIComponent(email)}`, {
      HasOptedOutOfEmail: true,
    })
    expect(updated.body).toEqual([expect.objectContaining({ Id: contact.Id, HasOptedOutOfEmail: true })])
    expect(updated.body[0].SystemModstamp > (contact.SystemModstamp as string)).toBe(true)
    const byId = await call('PATCH', `/_sim/records/Contact/${contact.Id}`, { Title: 'Chief Unsubscriber' })
    expect(byId.body).toMatchObject({ Title: 'Chief Unsubscriber', HasOptedOutOfEmail: true })
  })

  it('inserts records and refuses invalid ones with Salesforce’s error codes', async () => {
    const created = await call('POST', '/_sim/records/Lead', [
      { LastName: 'Lovelace', Company: 'Analytical Engines', Email: 'ada.l@example.com' },
    ])
    expect(created.status).toBe(201)
    expect(created.body[0]).toMatchObject({
      Id: expect.stringMatching(/^00Q/),
      Status: 'Open - Not Contacted',
      HasOptedOutOfEmail: false,
      Name: 'Lovelace',
    })
    const bad = await call('POST', '/_sim/records/Lead', { LastName: 'NoCompany' })
    expect(bad).toMatchObject({
      status: 400,
      body: { errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', fields: ['Company'] }] },
    })
  })
})

describe('counters, outbox and faults over HTTP', () => {
  it('counts API calls by endpoint and resets on demand', async () => {
    const [ada] = sim.control.users()
    await call('POST', '/_sim/counters/reset')
    const conn = new Connection({ loginUrl: sim.url, version: '60.0' })
    await conn.login(ada.username, ada.password + ada.securityToken)
    await conn.query('SELECT Id FROM Contact LIMIT 1')
    await conn.sobject('Contact').describe()
    await conn
      .sobject('Contact')
      .update([{ Id: sim.control.records('Contact', { limit: 1 })[0].Id as string, Title: 'x' }])
    const { body } = await call('GET', '/_sim/counters')
    expect(body.apiCalls).toEqual({
      total: 3,
      byEndpoint: { query: 1, describe: 1, 'composite/sobjects': 1 },
      byUser: { [ada.id]: 3 },
      byOrg: { [ada.organizationId]: 3 },
    })
    expect(body.logins).toMatchObject({
      success: 1,
      failure: 0,
      byUser: { [ada.id]: { success: 1, failure: 0 } },
      byOrg: { [ada.organizationId]: { success: 1, failure: 0 } },
    })
    await call('POST', '/_sim/counters/reset')
    expect((await call('GET', '/_sim/counters')).body.apiCalls.total).toBe(0)
  })

  it('keeps the emails it "sent" in the outbox', async () => {
    const [, grace] = sim.control.users()
    await call('POST', `/_sim/users/${grace.id}/reset-token`)
    const { body } = await call('GET', `/_sim/outbox?to=${grace.email}`)
    expect(body.at(-1)).toMatchObject({
      to: grace.email,
      subject: 'Your new Salesforce security token',
      userId: grace.id,
      at: expect.any(String),
    })
  })

  it('adds, lists and clears faults', async () => {
    const added = await call('POST', '/_sim/faults', { pathPrefix: '/services/data', status: 503, count: 2 })
    expect(added.status).toBe(201)
    expect((await call('GET', '/_sim/faults')).body).toEqual([
      expect.objectContaining({ id: added.body.id, remaining: 2 }),
    ])
    expect((await fetch(`${sim.url}/services/data/v60.0/limits`)).status).toBe(503)
    expect((await call('GET', '/_sim/faults')).body[0].remaining).toBe(1)
    await call('DELETE', '/_sim/faults')
    expect((await call('GET', '/_sim/faults')).body).toEqual([])
    expect((await call('POST', '/_sim/faults', { status: 503 })).status).toBe(400)
  })
})

describe('seeding', () => {
  it('is deterministic for a seed and differs between seeds', async () => {
    const a = await createSalesforceSimulator({ seed: 7, data: { contacts: 30, leads: 10, campaigns: 1 } })
    const b = await createSalesforceSimulator({ seed: 7, data: { contacts: 30, leads: 10, campaigns: 1 } })
    const c = await createSalesforceSimulator({ seed: 8, data: { contacts: 30, leads: 10, campaigns: 1 } })
    try {
      const pick = (s: SalesforceSimulator) =>
        s.control.records('Contact', { limit: 30 }).map((r) => [r.Id, r.Email, r.HasOptedOutOfEmail])
      expect(pick(a)).toEqual(pick(b))
      expect(pick(a)).not.toEqual(pick(c))
      expect(a.control.users().map((u) => u.securityToken)).toEqual(b.control.users().map((u) => u.securityToken))
      expect(pick(a)[0][1]).toMatch(/^[a-z-]+\.[a-z-]+\.1@example\.com$/)
    } finally {
      await Promise.all([a.close(), b.close(), c.close()])
    }
  })

  // Bounds are loose on purpose (CI machines are shared): they catch accidental O(n²) work,
  // which would take minutes here, not a slow second.
  it('seeds 100,000 records in a few seconds and queries them fast', async () => {
    const started = performance.now()
    const result = sim.control.seed({ contacts: 80_000, leads: 20_000, campaigns: 3, seed: 99, optedOutFraction: 0.2 })
    const seeded = performance.now() - started
    expect(result).toMatchObject({ contacts: 80_000, leads: 20_000, campaigns: 3, campaignMembers: 150 })
    expect(seeded).toBeLessThan(15_000)

    const [ada] = sim.control.users()
    const conn = new Connection({ loginUrl: sim.url, version: '60.0' })
    await conn.login(ada.username, ada.password + ada.securityToken)
    const t0 = performance.now()
    const optedOut = await conn.query(
      "SELECT COUNT() FROM Contact WHERE HasOptedOutOfEmail = true AND Email LIKE '%@example.com'",
    )
    const page = await conn.query('SELECT Id, Email FROM Contact WHERE HasOptedOutOfEmail = false ORDER BY Email')
    const elapsed = performance.now() - t0
    expect(optedOut.totalSize).toBeGreaterThan(14_000)
    expect(optedOut.totalSize).toBeLessThan(18_000)
    expect(page.records).toHaveLength(2000)
    expect(page.totalSize).toBe(80_000 - optedOut.totalSize)
    expect(elapsed).toBeLessThan(10_000)
  })
})
