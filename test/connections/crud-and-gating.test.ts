import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSimApp, linkedAccount, type SimApp } from '../helpers/simulator-app.js'
import { bearer, createConnection, definition } from '../helpers/connections.js'

describe('connections: create, read, edit, copy, delete, scoped to the account', () => {
  let t: SimApp
  let ada: Awaited<ReturnType<typeof linkedAccount>>
  let grace: Awaited<ReturnType<typeof linkedAccount>>

  beforeAll(async () => {
    // No refresh token in signed requests: outside Salesforce there is no credential at all.
    t = await createSimApp({ sim: { canvasRefreshToken: false, data: { contacts: 40, leads: 10, campaigns: 1 } } })
    const [adaUser, graceUser] = t.sim.control.users()
    ada = await linkedAccount(t.app, t.sim, adaUser!.id, 'ada@app.test')
    grace = await linkedAccount(t.app, t.sim, graceUser!.id, 'grace@app.test')
  })
  afterAll(async () => {
    await t.close()
  })

  it('creates with defaults, lists, gets; the JSON is the contract shape', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/connections',
      headers: bearer(ada.canvasToken),
      payload: {
        name: '  Spring list ',
        sobject: 'Lead',
        fields: ['Email', 'Company'],
        filters: [{ field: 'Company', operator: 'startsWith', value: 'Ac' }],
      },
    })
    expect(res.statusCode).toBe(201)
    const created = res.json()
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Spring list',
      sobject: 'Lead',
      fields: ['Email', 'Company'],
      filters: [{ field: 'Company', operator: 'startsWith', value: 'Ac' }],
      logic: 'AND',
      excludeOptedOut: true,
      requireEmail: false,
      excludeSuppressed: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    })
    const got = await t.app.inject({ url: `/api/connections/${created.id}`, headers: bearer(ada.standaloneToken) })
    expect(got.json()).toEqual(created)
    const list = (await t.app.inject({ url: '/api/connections', headers: bearer(ada.standaloneToken) })).json()
    expect(list.items.map((c: any) => c.id)).toContain(created.id)
  })

  it('refuses malformed definitions with 400, never 5xx', async () => {
    const bad = [
      definition({ sobject: 'Account' }),
      definition({ fields: ['Email; DELETE'] }),
      definition({ filters: [{ field: 'Email', operator: 'LIKE', value: 'x' }] }),
      definition({ logic: 'XOR' }),
      definition({ name: '' }),
      definition({ name: '   ' }),
      definition({ filters: Array.from({ length: 51 }, () => ({ field: 'Email', operator: 'isEmpty' })) }),
      { name: 'no object', fields: [] },
    ]
    for (const payload of bad) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/connections',
        headers: bearer(ada.canvasToken),
        payload,
      })
      expect(res.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400)
      expect(['VALIDATION_FAILED', 'CONNECTION_INVALID']).toContain(res.json().code)
    }
  })

  it('copy answers the new connection named "Copy of …"; delete removes it', async () => {
    const original = await createConnection(t.app, ada.canvasToken, {
      name: 'VIP contacts',
      filters: [{ field: 'Title', operator: '=', value: 'CEO' }],
    })
    const copy = await t.app.inject({
      method: 'POST',
      url: `/api/connections/${original.id}/copy`,
      headers: bearer(ada.canvasToken),
    })
    expect(copy.statusCode).toBe(201)
    expect(copy.json()).toMatchObject({
      name: 'Copy of VIP contacts',
      sobject: 'Contact',
      fields: original.fields,
      filters: original.filters,
    })
    expect(copy.json().id).not.toBe(original.id)
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/connections/${copy.json().id}`,
      headers: bearer(ada.canvasToken),
    })
    expect(del.statusCode).toBe(204)
    expect(
      (await t.app.inject({ url: `/api/connections/${copy.json().id}`, headers: bearer(ada.canvasToken) })).statusCode,
    ).toBe(404)
    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: `/api/connections/${copy.json().id}`,
          headers: bearer(ada.canvasToken),
        })
      ).statusCode,
    ).toBe(404)
  })

  it("another account's connection is 404 for every operation, and is left untouched", async () => {
    const mine = await createConnection(t.app, ada.canvasToken, { name: 'Private' })
    const asGrace = [
      { method: 'GET' as const, url: `/api/connections/${mine.id}` },
      { method: 'PATCH' as const, url: `/api/connections/${mine.id}`, payload: { name: 'Stolen' } },
      { method: 'DELETE' as const, url: `/api/connections/${mine.id}` },
      { method: 'POST' as const, url: `/api/connections/${mine.id}/copy` },
      { method: 'POST' as const, url: `/api/connections/${mine.id}/test` },
      { method: 'GET' as const, url: `/api/connections/${mine.id}/records?format=csv` },
    ]
    for (const req of asGrace) {
      const res = await t.app.inject({ ...req, headers: bearer(grace.canvasToken) })
      expect(res.statusCode, `${req.method} ${req.url}`).toBe(404)
      expect(res.json().code).toBe('CONNECTION_NOT_FOUND')
    }
    const list = (await t.app.inject({ url: '/api/connections', headers: bearer(grace.canvasToken) })).json()
    expect(list.items.map((c: any) => c.id)).not.toContain(mine.id)
    expect(
      (await t.app.inject({ url: `/api/connections/${mine.id}`, headers: bearer(ada.canvasToken) })).json().name,
    ).toBe('Private')
  })

  it('an id that is not a UUID is 404 too', async () => {
    for (const id of ['nope', '1', "1' OR '1'='1", '00000000-0000-0000-0000-00000000000g']) {
      const res = await t.app.inject({
        url: `/api/connections/${encodeURIComponent(id)}`,
        headers: bearer(ada.canvasToken),
      })
      expect(res.statusCode, id).toBe(404)
      const copy = await t.app.inject({
        method: 'POST',
        url: `/api/connections/${encodeURIComponent(id)}/copy`,
        headers: bearer(ada.canvasToken),
      })
      expect(copy.statusCode, id).toBe(404)
    }
  })

  it('needs a session: no token → 401', async () => {
    expect((await t.app.inject({ url: '/api/connections' })).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'POST', url: '/api/connections', payload: definition() })).statusCode).toBe(
      401,
    )
  })

  describe('journey 6: outside Salesforce with no stored credential', () => {
    it('the list says why Edit and Connect are off; copy, delete, create still work', async () => {
      const list = (await t.app.inject({ url: '/api/connections', headers: bearer(ada.standaloneToken) })).json()
      expect(list.access).toEqual({
        canConnect: false,
        code: 'SF_CREDENTIALS_REQUIRED',
        message: expect.stringMatching(/Link Accounts/),
      })
      // Inside Salesforce the same account can connect.
      const inside = (await t.app.inject({ url: '/api/connections', headers: bearer(ada.canvasToken) })).json()
      expect(inside.access).toEqual({ canConnect: true, code: null, message: null })

      const created = await createConnection(t.app, ada.standaloneToken, { name: 'Made outside' })
      const copy = await t.app.inject({
        method: 'POST',
        url: `/api/connections/${created.id}/copy`,
        headers: bearer(ada.standaloneToken),
      })
      expect(copy.statusCode).toBe(201)
      expect(
        (
          await t.app.inject({
            method: 'DELETE',
            url: `/api/connections/${copy.json().id}`,
            headers: bearer(ada.standaloneToken),
          })
        ).statusCode,
      ).toBe(204)
    })

    it('edit, connect, preview, describe and pull are refused with 403 SF_CREDENTIALS_REQUIRED — bearer and cookie alike — and Salesforce is not called', async () => {
      const c = await createConnection(t.app, ada.canvasToken, { name: 'Gated' })
      const csrf = (await t.app.inject({ url: '/api/csrf', cookies: { sfl_session: ada.cookie } })).json().csrfToken
      expect(csrf).toEqual(expect.any(String))
      const gated = [
        { method: 'PATCH' as const, url: `/api/connections/${c.id}`, payload: { name: 'Renamed' } },
        { method: 'POST' as const, url: `/api/connections/${c.id}/test` },
        { method: 'POST' as const, url: '/api/connections/preview', payload: definition() },
        { method: 'GET' as const, url: '/api/salesforce/describe/Contact' },
        { method: 'GET' as const, url: `/api/connections/${c.id}/records?format=csv` },
        { method: 'GET' as const, url: `/api/connections/${c.id}/records?format=ndjson` },
      ]
      t.sim.control.resetCounters()
      for (const req of gated) {
        for (const auth of [
          { headers: bearer(ada.standaloneToken) },
          { cookies: { sfl_session: ada.cookie }, headers: { 'x-csrf-token': csrf } },
        ]) {
          const res = await t.app.inject({ ...req, ...auth })
          expect(res.statusCode, `${req.method} ${req.url}`).toBe(403)
          expect(res.json()).toEqual({
            code: 'SF_CREDENTIALS_REQUIRED',
            message: expect.stringMatching(/Settings → Integrations → Link Accounts/),
          })
        }
      }
      expect(t.sim.control.counters().apiCalls.total).toBe(0)
      expect(t.sim.control.counters().logins.success + t.sim.control.counters().logins.failure).toBe(0)
      expect(
        (await t.app.inject({ url: `/api/connections/${c.id}`, headers: bearer(ada.canvasToken) })).json().name,
      ).toBe('Gated')
    })

    it('a cookie session without the CSRF token cannot change anything', async () => {
      const c = await createConnection(t.app, ada.canvasToken, { name: 'Keep me' })
      const res = await t.app.inject({
        method: 'DELETE',
        url: `/api/connections/${c.id}`,
        cookies: { sfl_session: ada.cookie },
      })
      expect(res.statusCode).toBe(403)
      expect(res.json().code).toBe('CSRF_INVALID')
    })
  })

  describe('inside Salesforce (canvas session), everything works', () => {
    it('edit checks the definition against the describe and stores canonical field names', async () => {
      const c = await createConnection(t.app, ada.standaloneToken, { name: 'To edit' })
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/api/connections/${c.id}`,
        headers: bearer(ada.canvasToken),
        payload: {
          name: 'Edited',
          fields: ['email', 'TITLE'],
          filters: [{ field: 'lastname', operator: 'in', value: ['Knuth', 'Hopper'] }],
          logic: 'OR',
        },
      })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({
        id: c.id,
        name: 'Edited',
        fields: ['Email', 'Title'],
        filters: [{ field: 'LastName', operator: 'in', value: ['Knuth', 'Hopper'] }],
        logic: 'OR',
      })
      expect(Date.parse(res.json().updatedAt)).toBeGreaterThanOrEqual(Date.parse(c.updatedAt))
    })

    it('edit refuses a field the object does not have, naming it, and keeps the stored definition', async () => {
      const c = await createConnection(t.app, ada.canvasToken, { name: 'Strict' })
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/api/connections/${c.id}`,
        headers: bearer(ada.canvasToken),
        payload: { fields: ['Email', 'Shoe_Size__c'] },
      })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({
        code: 'CONNECTION_INVALID',
        message: expect.stringContaining('Shoe_Size__c'),
        details: { field: 'Shoe_Size__c' },
      })
      const wrongType = await t.app.inject({
        method: 'PATCH',
        url: `/api/connections/${c.id}`,
        headers: bearer(ada.canvasToken),
        payload: { filters: [{ field: 'HasOptedOutOfEmail', operator: 'contains', value: 'x' }] },
      })
      expect(wrongType.statusCode).toBe(400)
      expect(
        (await t.app.inject({ url: `/api/connections/${c.id}`, headers: bearer(ada.canvasToken) })).json().fields,
      ).toEqual(c.fields)
    })

    it('a saved connection whose field does not exist fails to connect with CONNECTION_INVALID, not 5xx', async () => {
      // The field existed when the connection was saved, and was deleted in Salesforce since.
      t.sim.control.addCustomField('Contact', { name: 'Nope__c', type: 'string', label: 'Nope' })
      await t.db.pool.query(`DELETE FROM describe_cache`)
      const c = await createConnection(t.app, ada.canvasToken, { name: 'Broken', fields: ['Email', 'Nope__c'] })
      t.sim.control.removeField('Contact', 'Nope__c')
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/connections/${c.id}/test`,
        headers: bearer(ada.canvasToken),
      })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({ code: 'CONNECTION_INVALID', message: expect.stringContaining('Nope__c') })
      const pulled = await t.app.inject({
        url: `/api/connections/${c.id}/records?format=csv`,
        headers: bearer(ada.canvasToken),
      })
      expect(pulled.statusCode).toBe(400)
      expect(pulled.headers['content-type']).toMatch(/application\/json/)
    })
  })
})
