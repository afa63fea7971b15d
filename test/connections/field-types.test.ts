import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authorizeWithForms } from '@sf-link/simulator/testing'
import { createSimApp, linkedAccount, type SimApp } from '../helpers/simulator-app.js'
import { bearer, createConnection, definition, parseCsv, pull } from '../helpers/connections.js'

type SimRecord = Record<string, any>
const DAY = 24 * 60 * 60 * 1000

/** The UTC day `n - 1` days before today, as LAST_N_DAYS:n starts. */
function lastNDaysStart(n: number): number {
  const now = new Date()
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (n - 1) * DAY
}

describe('filters by field type, related fields, labels, campaigns (simulator, real jsforce)', () => {
  let t: SimApp
  let ada: Awaited<ReturnType<typeof linkedAccount>>

  beforeAll(async () => {
    t = await createSimApp({
      sim: { canvasRefreshToken: false, data: { contacts: 300, leads: 200, campaigns: 3 } },
    })
    ada = await linkedAccount(t.app, t.sim, t.sim.control.users()[0]!.id, 'ada@app.test')
  })
  afterAll(async () => {
    await t.close()
  })

  const post = (url: string, payload: unknown, token = ada.canvasToken) =>
    t.app.inject({ method: 'POST', url, headers: bearer(token), payload: payload as any })

  it('save rejects what preview rejects: 400 naming the field and the rule, and nothing is stored', async () => {
    const invalid = [
      {
        filters: [{ field: 'HasOptedOutOfEmail', operator: 'contains', value: 'x' }],
        field: 'HasOptedOutOfEmail',
        rule: /does not apply to a true\/false field/,
      },
      {
        filters: [{ field: 'Birthdate', operator: '=', value: '2025-13-01' }],
        field: 'Birthdate',
        rule: /needs a date \(YYYY-MM-DD\)/,
      },
      {
        filters: [{ field: 'CreatedDate', operator: '>', value: { relative: 'LAST_N_DAYS:0' } }],
        field: 'CreatedDate',
        rule: /relative date/,
      },
      {
        filters: [{ field: 'Interests__c', operator: 'contains', value: 'Golf' }],
        field: 'Interests__c',
        rule: /multi-select picklist/,
      },
      { filters: [{ field: 'Description', operator: '=', value: 'x' }], field: 'Description', rule: /cannot be used/ },
      { filters: [{ field: 'Lead_Score__c', operator: '>', value: 'ten' }], field: 'Lead_Score__c', rule: /number/ },
    ]
    const before = (await t.app.inject({ url: '/api/connections', headers: bearer(ada.canvasToken) })).json().items
    for (const { filters, field, rule } of invalid) {
      const def = definition({ name: 'Invalid', filters })
      const preview = await post('/api/connections/preview', def)
      const save = await post('/api/connections', def)
      for (const res of [preview, save]) {
        expect(res.statusCode, `${field} ${res.body}`).toBe(400)
        expect(res.json()).toMatchObject({ code: 'CONNECTION_INVALID', details: { field } })
        expect(res.json().message).toContain(field)
        expect(res.json().message).toMatch(rule)
      }
      expect(save.json()).toEqual(preview.json())
    }
    const after = (await t.app.inject({ url: '/api/connections', headers: bearer(ada.canvasToken) })).json().items
    expect(after).toHaveLength(before.length)
    // An edit is held to the same rule.
    const c = await createConnection(t.app, ada.canvasToken, { name: 'Valid' })
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/connections/${c.id}`,
      headers: bearer(ada.canvasToken),
      payload: { filters: invalid[1]!.filters },
    })
    expect(patch.statusCode).toBe(400)
    expect(patch.json().details.field).toBe('Birthdate')
  })

  it('a Lead list: LeadSource = Web, created in the last 30 days, custom checkbox on — counted exactly', async () => {
    const leads = t.sim.control.records('Lead', { limit: 100000 }) as SimRecord[]
    const from = lastNDaysStart(30)
    const expected = leads.filter(
      (l) =>
        l.LeadSource === 'Web' &&
        Date.parse(l.CreatedDate) >= from &&
        l.Newsletter_Subscriber__c === true &&
        !l.HasOptedOutOfEmail,
    )
    expect(expected.length).toBeGreaterThan(0)
    const res = await post(
      '/api/connections/preview',
      definition({
        sobject: 'Lead',
        fields: ['Email', 'LeadSource', 'Owner.Email'],
        filters: [
          { field: 'LeadSource', operator: '=', value: 'Web' },
          { field: 'CreatedDate', operator: '=', value: { relative: 'LAST_N_DAYS:30' } },
          { field: 'Newsletter_Subscriber__c', operator: '=', value: true },
        ],
      }),
    )
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().count).toBe(expected.length)
    expect(res.json().soql).toContain('CreatedDate = LAST_N_DAYS:30')
    expect(res.json().columns).toEqual([
      { name: 'Id', label: 'Lead ID' },
      { name: 'Email', label: 'Email' },
      { name: 'LeadSource', label: 'Lead Source' },
      { name: 'Owner.Email', label: 'Owner: Email' },
    ])
    for (const row of res.json().records) expect(row['Owner.Email']).toMatch(/@demo\.sflink\.test$/)
  })

  it('a calendar day against a date/time field is the whole UTC day; a date field takes it as is', async () => {
    const contacts = t.sim.control.records('Contact', { limit: 100000 }) as SimRecord[]
    const day = contacts[0]!.CreatedDate.slice(0, 10)
    const onDay = contacts.filter((c) => c.CreatedDate.slice(0, 10) === day)
    const res = await post(
      '/api/connections/preview',
      definition({
        excludeOptedOut: false,
        filters: [{ field: 'CreatedDate', operator: '=', value: { day } }],
      }),
    )
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().count).toBe(onDay.length)
    const birth = contacts.find((c) => c.Birthdate)!.Birthdate
    const born = await post(
      '/api/connections/preview',
      definition({ excludeOptedOut: false, filters: [{ field: 'Birthdate', operator: '=', value: { day: birth } }] }),
    )
    expect(born.json().count).toBe(contacts.filter((c) => c.Birthdate === birth).length)
  })

  it('multi-select picklists take INCLUDES and EXCLUDES', async () => {
    const contacts = t.sim.control.records('Contact', { limit: 100000 }) as SimRecord[]
    const describe = (
      await t.app.inject({ url: '/api/salesforce/describe/Contact', headers: bearer(ada.canvasToken) })
    ).json()
    const interests = describe.fields.find((f: any) => f.name === 'Interests__c')
    expect(interests).toMatchObject({ type: 'multipicklist', custom: true, label: 'Interests' })
    const value = interests.picklistValues[0]
    const has = (c: SimRecord) => typeof c.Interests__c === 'string' && c.Interests__c.split(';').includes(value)
    for (const [operator, keep] of [
      ['includes', has],
      ['excludes', (c: SimRecord) => !has(c)],
    ] as const) {
      const res = await post(
        '/api/connections/preview',
        definition({ excludeOptedOut: false, filters: [{ field: 'Interests__c', operator, value: [value] }] }),
      )
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json().count).toBe(contacts.filter(keep).length)
    }
  })

  it('related fields are offered with Salesforce labels, selected and filtered on', async () => {
    const plain = (await t.app.inject({ url: '/api/salesforce/describe/Contact', headers: bearer(ada.canvasToken) }))
      .json()
      .fields.map((f: any) => f.name)
    expect(plain).not.toContain('Account.Name')
    const res = await t.app.inject({
      url: '/api/salesforce/describe/Contact?related=true',
      headers: bearer(ada.canvasToken),
    })
    expect(res.statusCode).toBe(200)
    const fields = res.json().fields
    expect(fields).toContainEqual(
      expect.objectContaining({ name: 'Account.Name', label: 'Account: Account Name', relationship: 'Account' }),
    )
    expect(fields).toContainEqual(expect.objectContaining({ name: 'Owner.Email', label: 'Owner: Email' }))
    expect(fields).toContainEqual(
      expect.objectContaining({ name: 'Account.Customer_Tier__c', custom: true, type: 'picklist' }),
    )

    const accounts = t.sim.control.records('Account', { limit: 100000 }) as SimRecord[]
    const contacts = t.sim.control.records('Contact', { limit: 100000 }) as SimRecord[]
    const account = accounts[0]!
    const expected = contacts.filter((c) => c.AccountId === account.Id && !c.HasOptedOutOfEmail)
    const c = await createConnection(t.app, ada.canvasToken, {
      name: 'By account',
      fields: ['Email', 'account.name'],
      filters: [{ field: 'Account.Name', operator: '=', value: account.Name }],
    })
    expect(c.fields).toEqual(['Email', 'Account.Name'])
    const csv = await t.app.inject({
      url: `/api/connections/${c.id}/records?format=csv&headers=labels`,
      headers: bearer(ada.canvasToken),
    })
    expect(csv.statusCode).toBe(200)
    const rows = parseCsv(csv.body)
    expect(rows[0]).toEqual(['Contact ID', 'Email', 'Account: Account Name'])
    expect(
      rows
        .slice(1)
        .map((r) => r[0])
        .sort(),
    ).toEqual(expected.map((r) => r.Id).sort())
    for (const row of rows.slice(1)) expect(row[2]).toBe(account.Name)
    // API names remain the default, for machines.
    expect(parseCsv((await pull(t.app, ada.canvasToken, c.id, 'csv')).body)[0]).toEqual(['Id', 'Email', 'Account.Name'])
  })

  it('campaign members: the campaign is found by name, its own statuses listed, and both filter the list', async () => {
    const campaigns = t.sim.control.records('Campaign', { limit: 100 }) as SimRecord[]
    const campaign = campaigns.find((c) => /Webinar/.test(c.Name)) ?? campaigns[0]!
    const search = await t.app.inject({
      url: `/api/salesforce/campaigns?search=${encodeURIComponent(campaign.Name.slice(0, 5).toLowerCase())}`,
      headers: bearer(ada.canvasToken),
    })
    expect(search.statusCode).toBe(200)
    expect(search.json().items).toContainEqual(expect.objectContaining({ id: campaign.Id, name: campaign.Name }))
    const byId = await t.app.inject({
      url: `/api/salesforce/campaigns?id=${campaign.Id}`,
      headers: bearer(ada.canvasToken),
    })
    expect(byId.json().items.map((c: any) => c.name)).toEqual([campaign.Name])
    // Nothing typed reaches the query as SOQL.
    const hostile = await t.app.inject({
      url: `/api/salesforce/campaigns?search=${encodeURIComponent("x' OR Name != '")}`,
      headers: bearer(ada.canvasToken),
    })
    expect(hostile.statusCode).toBe(200)
    expect(hostile.json().items).toEqual([])

    const statuses = await t.app.inject({
      url: `/api/salesforce/campaigns/${campaign.Id}/statuses`,
      headers: bearer(ada.canvasToken),
    })
    expect(statuses.statusCode).toBe(200)
    const own = t.sim.control.memberStatuses(campaign.Id).map((s: any) => s.Label)
    expect(
      statuses
        .json()
        .items.map((s: any) => s.label)
        .sort(),
    ).toEqual([...own].sort())

    const members = (t.sim.control.records('CampaignMember', { limit: 100000 }) as SimRecord[]).filter(
      (m) => m.CampaignId === campaign.Id,
    )
    const status = members[0]!.Status
    const res = await post(
      '/api/connections/preview',
      definition({
        sobject: 'CampaignMember',
        fields: ['Email', 'Campaign.Name', 'Status'],
        excludeOptedOut: false,
        filters: [
          { field: 'CampaignId', operator: '=', value: campaign.Id },
          { field: 'Status', operator: '=', value: status },
        ],
      }),
    )
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().count).toBe(members.filter((m) => m.Status === status).length)
    for (const row of res.json().records) expect(row['Campaign.Name']).toBe(campaign.Name)
  })
})

describe('broken connections and pre-send readiness', () => {
  let t: SimApp
  let ada: Awaited<ReturnType<typeof linkedAccount>>
  let user: { id: string; username: string; password: string; securityToken: string }
  let apiKey: string

  beforeAll(async () => {
    t = await createSimApp({
      sim: { canvasRefreshToken: false, data: { contacts: 120, leads: 20, campaigns: 1, optedOutFraction: 0 } },
    })
    user = t.sim.control.users()[0]!
    ada = await linkedAccount(t.app, t.sim, user.id, 'ada@app.test')
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
    apiKey = (
      await t.app.inject({
        method: 'POST',
        url: '/api/api-keys',
        headers: bearer(ada.standaloneToken),
        payload: { name: 'Mailer', password: 'a long app password' },
      })
    ).json().key
  })
  afterAll(async () => {
    await t.close()
  })

  const readiness = async (id: string, body: unknown = {}, token = apiKey) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/connections/${id}/readiness`,
      headers: bearer(token),
      payload: body as any,
    })
    expect(res.statusCode, res.body).toBe(200)
    return res.json()
  }

  it('ready with the count (API key or session); not ready when empty and a non-empty list was asked for', async () => {
    const c = await createConnection(t.app, ada.standaloneToken, { name: 'All' })
    expect(await readiness(c.id)).toEqual({ ready: true, count: 120 })
    expect(await readiness(c.id, { requireNonEmpty: true }, ada.standaloneToken)).toEqual({ ready: true, count: 120 })
    const none = await createConnection(t.app, ada.standaloneToken, {
      name: 'Nobody',
      filters: [{ field: 'LastName', operator: '=', value: 'No-such-name' }],
    })
    expect(await readiness(none.id)).toEqual({ ready: true, count: 0 })
    expect(await readiness(none.id, { requireNonEmpty: true })).toMatchObject({
      ready: false,
      code: 'CONNECTION_EMPTY',
      action: { kind: 'check_filters' },
    })
    const unknown = await t.app.inject({
      method: 'POST',
      url: `/api/connections/00000000-0000-4000-8000-000000000000/readiness`,
      headers: bearer(apiKey),
      payload: {},
    })
    expect(unknown.statusCode).toBe(404)
  })

  it('a field that can no longer be filtered, or was removed, marks the connection broken before any send', async () => {
    t.sim.control.addCustomField('Contact', { name: 'Segment__c', type: 'string', label: 'Segment' })
    t.sim.control.addCustomField('Contact', { name: 'Region__c', type: 'string', label: 'Region' })
    await t.db.pool.query(`DELETE FROM describe_cache`)
    const filtered = await createConnection(t.app, ada.standaloneToken, {
      name: 'By segment',
      filters: [{ field: 'Segment__c', operator: 'isEmpty' }],
    })
    const selected = await createConnection(t.app, ada.standaloneToken, { name: 'With region', fields: ['Region__c'] })
    expect(await readiness(filtered.id)).toEqual({ ready: true, count: 120 })

    t.sim.control.updateField('Contact', 'Segment__c', { filterable: false })
    t.sim.control.removeField('Contact', 'Region__c')
    // The describe is still cached: Salesforce's refusal is what tells, and the reason names the field.
    const notFilterable = await readiness(filtered.id)
    expect(notFilterable).toMatchObject({
      ready: false,
      code: 'CONNECTION_FIELD_NOT_FILTERABLE',
      action: { kind: 'edit_connection', href: `#/connections/${filtered.id}` },
    })
    expect(notFilterable.message).toContain('Segment__c')
    const removed = await readiness(selected.id)
    expect(removed).toMatchObject({ ready: false, code: 'CONNECTION_FIELD_REMOVED' })
    expect(removed.message).toContain('Region__c')

    const list = (await t.app.inject({ url: '/api/connections', headers: bearer(ada.standaloneToken) })).json()
    expect(list.health[filtered.id]).toMatchObject({
      state: 'broken',
      code: 'CONNECTION_FIELD_NOT_FILTERABLE',
      field: 'Segment__c',
    })
    expect(list.health[selected.id]).toMatchObject({ state: 'broken', code: 'CONNECTION_FIELD_REMOVED' })
    // Connect says the same, and offers an edit rather than a retry.
    const test = await t.app.inject({
      method: 'POST',
      url: `/api/connections/${selected.id}/test`,
      headers: bearer(ada.standaloneToken),
    })
    expect(test.statusCode).toBe(400)
    expect(test.json()).toMatchObject({
      code: 'CONNECTION_INVALID',
      details: { reason: 'FIELD_REMOVED', field: 'Region__c', action: 'edit_connection' },
    })
    // An edit that drops the field clears the flag.
    const fixed = await t.app.inject({
      method: 'PATCH',
      url: `/api/connections/${selected.id}`,
      headers: bearer(ada.standaloneToken),
      payload: { fields: ['Email'] },
    })
    expect(fixed.statusCode).toBe(200)
    const after = (await t.app.inject({ url: '/api/connections', headers: bearer(ada.standaloneToken) })).json()
    expect(after.health[selected.id]).toMatchObject({ state: 'ok' })
  })

  it('the list flags a connection broken by a field gone from the describe, without a query', async () => {
    t.sim.control.addCustomField('Contact', { name: 'Tier__c', type: 'string', label: 'Tier' })
    await t.db.pool.query(`DELETE FROM describe_cache`)
    const c = await createConnection(t.app, ada.standaloneToken, { name: 'Tiered', fields: ['Email', 'Tier__c'] })
    t.sim.control.removeField('Contact', 'Tier__c')
    // The describe is refreshed (its hour is over): the list sees the field gone.
    await t.db.pool.query(`UPDATE describe_cache SET fetched_at = now() - interval '2 hours'`)
    t.sim.control.resetCounters()
    const list = (await t.app.inject({ url: '/api/connections', headers: bearer(ada.standaloneToken) })).json()
    expect(list.health[c.id]).toMatchObject({ state: 'broken', code: 'CONNECTION_FIELD_REMOVED', field: 'Tier__c' })
    expect(t.sim.control.counters().apiCalls.byEndpoint.query ?? 0).toBe(0)
  })

  it('the list may reuse a recent count (maxAgeSeconds): one COUNT() per connection, a fresh one once it is edited, too old, or not allowed', async () => {
    const c = await createConnection(t.app, ada.standaloneToken, { name: 'Counted' })
    const counts = () => t.sim.control.counters().apiCalls.byEndpoint.query ?? 0
    t.sim.control.resetCounters()
    expect(await readiness(c.id, { maxAgeSeconds: 300 })).toEqual({ ready: true, count: 120 })
    expect(await readiness(c.id, { maxAgeSeconds: 300 })).toEqual({ ready: true, count: 120 })
    expect(await readiness(c.id, { maxAgeSeconds: 300, requireNonEmpty: true })).toEqual({ ready: true, count: 120 })
    expect(counts()).toBe(1)
    // A pre-send check (no maxAgeSeconds) always counts anew.
    expect(await readiness(c.id)).toEqual({ ready: true, count: 120 })
    expect(counts()).toBe(2)
    // Edited: the remembered count was of the old definition.
    const edited = await t.app.inject({
      method: 'PATCH',
      url: `/api/connections/${c.id}`,
      headers: bearer(ada.standaloneToken),
      payload: definition({ name: 'Counted', filters: [{ field: 'LastName', operator: '=', value: 'No-such-name' }] }),
    })
    expect(edited.statusCode, edited.body).toBe(200)
    expect(await readiness(c.id, { maxAgeSeconds: 300 })).toEqual({ ready: true, count: 0 })
    expect(await readiness(c.id, { maxAgeSeconds: 300, requireNonEmpty: true })).toMatchObject({
      ready: false,
      code: 'CONNECTION_EMPTY',
    })
    expect(counts()).toBe(3)
    // Too old: the age runs from when Salesforce counted, and reusing the count does not renew it.
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(await readiness(c.id, { maxAgeSeconds: 1 })).toEqual({ ready: true, count: 0 })
    expect(counts()).toBe(3)
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(await readiness(c.id, { maxAgeSeconds: 1 })).toEqual({ ready: true, count: 0 })
    expect(counts()).toBe(4)
    // Broken at Salesforce since: once the list's describe check flags it, a remembered count no longer stands.
    const titled = await createConnection(t.app, ada.standaloneToken, { name: 'Titled', fields: ['Email', 'Title'] })
    expect(await readiness(titled.id, { maxAgeSeconds: 300 })).toEqual({ ready: true, count: 120 })
    t.sim.control.removeField('Contact', 'Title')
    await t.db.pool.query(`UPDATE describe_cache SET fetched_at = now() - interval '2 hours'`)
    const list = (await t.app.inject({ url: '/api/connections', headers: bearer(ada.standaloneToken) })).json()
    expect(list.health[titled.id]).toMatchObject({ state: 'broken', code: 'CONNECTION_FIELD_REMOVED' })
    expect(await readiness(titled.id, { maxAgeSeconds: 300 })).toMatchObject({
      ready: false,
      code: 'CONNECTION_FIELD_REMOVED',
    })

    // Out of range is refused like any bad input.
    const refused = await t.app.inject({
      method: 'POST',
      url: `/api/connections/${c.id}/readiness`,
      headers: bearer(apiKey),
      payload: { maxAgeSeconds: 86_400 },
    })
    expect(refused.statusCode).toBe(400)
  })

  it('a broken credential: not ready with its code and the Link Accounts action, a remembered count or not', async () => {
    const c = await createConnection(t.app, ada.standaloneToken, { name: 'Before reset' })
    expect(await readiness(c.id, { maxAgeSeconds: 300 })).toEqual({ ready: true, count: 120 })
    t.sim.control.resetToken(user.id)
    t.sim.control.expireSessions()
    // The first check after the reset logs in, fails, and marks the credential.
    const first = await readiness(c.id)
    expect(first).toMatchObject({
      ready: false,
      code: 'SF_INVALID_LOGIN',
      action: { kind: 'fix_access', href: '#/settings/link-accounts' },
    })
    // Afterwards the stored state answers at once, without another login, and a remembered count does not hide it.
    t.sim.control.resetCounters()
    expect(await readiness(c.id)).toMatchObject({ ready: false, code: 'SF_INVALID_LOGIN' })
    expect(await readiness(c.id, { maxAgeSeconds: 300 })).toMatchObject({ ready: false, code: 'SF_INVALID_LOGIN' })
    expect(t.sim.control.counters().logins.failure).toBe(0)
  })
})

describe('readiness with a revoked OAuth grant', () => {
  let t: SimApp
  let grace: { id: string; username: string; password: string }
  let tokens: Awaited<ReturnType<typeof linkedAccount>>

  beforeAll(async () => {
    t = await createSimApp({ sim: { canvasRefreshToken: false, data: { contacts: 30, leads: 0, campaigns: 0 } } })
    grace = t.sim.control.users()[1]!
    tokens = await linkedAccount(t.app, t.sim, grace.id, 'grace@app.test')
  })
  afterAll(async () => {
    await t.close()
  })

  it('answers SF_AUTHORIZATION_REVOKED once the grant is revoked in Salesforce', async () => {
    const start = await t.app.inject({ url: '/oauth/salesforce/start', cookies: { sfl_session: tokens.cookie } })
    const back = await authorizeWithForms(start.headers.location as string, {
      username: grace.username,
      password: grace.password,
    })
    const nonce = Object.fromEntries(
      start.cookies.filter((c) => c.name.startsWith('sfl_oauth_')).map((c) => [c.name, c.value]),
    )
    const callback = await t.app.inject({ url: `/oauth/salesforce/callback${back.search}`, cookies: nonce })
    expect(callback.headers.location).toBe('/#/settings/link-accounts?connected=1')
    const c = await createConnection(t.app, tokens.standaloneToken, { name: 'OAuth list' })
    const ask = () =>
      t.app.inject({
        method: 'POST',
        url: `/api/connections/${c.id}/readiness`,
        headers: bearer(tokens.standaloneToken),
        payload: {},
      })
    expect((await ask()).json()).toMatchObject({ ready: true, count: expect.any(Number) })
    t.sim.control.revokeUserTokens(grace.id)
    expect((await ask()).json()).toMatchObject({
      ready: false,
      code: 'SF_AUTHORIZATION_REVOKED',
      action: { kind: 'fix_access' },
    })
  })
})
