/**
 * Input validation that names what is wrong, and never turns into a 5xx:
 * - control characters (U+0000–U+001F, U+007F) anywhere in a body, query or path answer
 *   400 INVALID_CHARACTERS naming the field and the rule (a NUL used to reach Postgres and
 *   answer 500); a filter value may hold tab and line breaks, nothing else;
 * - a signed request whose names hold control characters still opens SF Link (they are
 *   dropped), one whose username holds one gets a 400 page: the canvas entry never answers 5xx;
 * - schema errors say which field broke which rule (`details: [{field, rule}]`);
 * - an empty body sent with `Content-Type: application/json` is no body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InjectOptions } from 'fastify'
import { bootstrapOf } from '../helpers/canvas.js'
import { signCanvasRequest } from '../../server/src/canvas/signed-request.js'
import { createSimApp, linkedAccount, type SimApp } from '../helpers/simulator-app.js'

const CONTROLS = ['\u0000', '\u0007', '\u001b', '\u007f', '\n', '\t']

describe('input validation', () => {
  let t: SimApp
  let tokens: Awaited<ReturnType<typeof linkedAccount>>
  let bearer: { authorization: string }
  let connectionId: string
  let ip = 0
  const inject = (o: InjectOptions) => t.app.inject({ remoteAddress: `198.51.100.${(ip = (ip % 250) + 1)}`, ...o })

  beforeAll(async () => {
    t = await createSimApp({ sim: { canvasRefreshToken: false } })
    tokens = await linkedAccount(t.app, t.sim, t.sim.control.users()[0]!.id, 'valid@app.test')
    bearer = { authorization: `Bearer ${tokens.standaloneToken}` }
    connectionId = (
      await inject({
        method: 'POST',
        url: '/api/connections',
        headers: bearer,
        payload: { name: 'Target', sobject: 'Contact', fields: ['Email'] },
      })
    ).json().id
  })
  afterAll(async () => {
    await t?.close()
  })

  it('control characters in any field answer 400 INVALID_CHARACTERS naming the field, never 500', async () => {
    const ada = t.sim.control.users()[0]!
    const cases: Array<{ field: string; request: (bad: string) => InjectOptions }> = [
      {
        field: 'email',
        request: (bad) => ({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: `ada${bad}@app.test`, password: 'a long app password' },
        }),
      },
      {
        field: 'name',
        request: (bad) => ({
          method: 'POST',
          url: '/api/auth/signup',
          payload: { email: `n${ip}@app.test`, password: 'a long app password', name: `Ada${bad}` },
        }),
      },
      {
        field: 'name',
        request: (bad) => ({
          method: 'POST',
          url: '/api/connections',
          headers: bearer,
          payload: { name: `List${bad}`, sobject: 'Contact', fields: ['Email'] },
        }),
      },
      {
        field: 'name',
        request: (bad) => ({
          method: 'PATCH',
          url: `/api/connections/${connectionId}`,
          headers: bearer,
          payload: { name: `List${bad}` },
        }),
      },
      {
        field: 'name',
        request: (bad) => ({
          method: 'POST',
          url: '/api/api-keys',
          headers: bearer,
          payload: { name: `Key${bad}`, password: 'a long app password' },
        }),
      },
      {
        field: 'username',
        request: (bad) => ({
          method: 'PUT',
          url: '/api/salesforce/credentials',
          headers: bearer,
          payload: { username: `${ada.username}${bad}`, password: 'x', environment: 'production' },
        }),
      },
      {
        field: 'emails.1',
        request: (bad) => ({
          method: 'POST',
          url: '/api/unsubscribes',
          headers: bearer,
          payload: { emails: ['fine@example.com', `bad${bad}@example.com`] },
        }),
      },
      {
        field: 'filters.0.field',
        request: (bad) => ({
          method: 'POST',
          url: '/api/connections',
          headers: bearer,
          payload: {
            name: 'F',
            sobject: 'Contact',
            fields: ['Email'],
            filters: [{ field: `Email${bad}`, operator: 'isEmpty' }],
          },
        }),
      },
      {
        field: 'id',
        request: (bad) => ({ url: `/api/connections/${encodeURIComponent(`x${bad}`)}`, headers: bearer }),
      },
      {
        field: 'format',
        request: (bad) => ({
          url: `/api/connections/${connectionId}/records?format=${encodeURIComponent(`csv${bad}`)}`,
          headers: bearer,
        }),
      },
    ]
    const wrong: string[] = []
    for (const c of cases) {
      for (const bad of CONTROLS) {
        const res = await inject(c.request(bad))
        const body = res.json()
        const label = `${c.request(bad).method ?? 'GET'} ${c.request(bad).url} ${JSON.stringify(bad)}`
        if (
          res.statusCode !== 400 ||
          body.code !== 'INVALID_CHARACTERS' ||
          JSON.stringify(body.details) !== JSON.stringify([{ field: c.field, rule: 'noControlCharacters' }]) ||
          !body.message.startsWith(`${c.field} must not contain control characters`)
        )
          wrong.push(`${label}: ${res.statusCode} ${res.body.slice(0, 160)}`)
      }
    }
    expect(wrong).toEqual([])
    // Nothing of it was stored.
    const names = await t.db.pool.query(`SELECT name FROM connections UNION ALL SELECT name FROM api_keys`)
    expect(names.rows.map((r) => r.name)).toEqual(['Target'])
  })

  it('a filter value may span lines (tab, LF, CR), but holds no other control character', async () => {
    const base = { name: 'Multi-line', sobject: 'Contact', fields: ['Email'] }
    const ok = await inject({
      method: 'POST',
      url: '/api/connections',
      headers: bearer,
      payload: { ...base, filters: [{ field: 'Title', operator: 'contains', value: 'line 1\r\nline\t2' }] },
    })
    expect(ok.statusCode).toBe(201)
    expect(ok.json().filters[0].value).toBe('line 1\r\nline\t2')
    const list = await inject({
      method: 'POST',
      url: '/api/connections',
      headers: bearer,
      payload: { ...base, filters: [{ field: 'Title', operator: 'in', value: ['a\nb', 'c\u0000d'] }] },
    })
    expect(list.statusCode).toBe(400)
    expect(list.json().details).toEqual([{ field: 'filters.0.value.1', rule: 'noControlCharacters' }])
    const nul = await inject({
      method: 'POST',
      url: '/api/connections/preview',
      headers: bearer,
      payload: { ...base, filters: [{ field: 'Title', operator: '=', value: 'x\u0000' }] },
    })
    expect(nul.statusCode).toBe(400)
    expect(nul.json().details).toEqual([{ field: 'filters.0.value', rule: 'noControlCharacters' }])
  })

  it('canvas entry: control characters in names are dropped and the person gets in; in the username, a 400 page', async () => {
    const user = t.sim.control.users()[1]!
    const signed = (mutate: (p: any) => void): string => {
      const request = t.sim.control.canvasRequest(user.id) as any
      mutate(request)
      return signCanvasRequest(JSON.stringify(request), t.sim.consumerSecret)
    }
    const enter = (signedRequest: string) =>
      inject({
        method: 'POST',
        url: '/canvas',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `signed_request=${encodeURIComponent(signedRequest)}`,
      })
    const dirty = (p: any) => {
      p.context.user.fullName = 'Grace\u0000 Hopper\u0007'
      p.context.user.firstName = 'Grace\u0000'
      p.context.user.email = 'grace\u0000@example.com'
      p.context.organization.name = 'Org\u0000'
    }
    // First visit (a pending link), then linked, then a returning visit: never a 5xx.
    const first = await enter(signed(dirty))
    expect(first.statusCode).toBe(200)
    const boot = bootstrapOf(first.body)
    expect(boot.user.fullName).toBe('Grace Hopper')
    const signup = await inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { authorization: `Bearer ${boot.token}` },
      payload: { email: 'grace@app.test', password: 'a long app password' },
    })
    expect(signup.statusCode).toBe(201)
    const again = await enter(signed(dirty))
    expect(again.statusCode).toBe(200)
    expect(bootstrapOf(again.body).linked).toBe(true)
    const link = await t.db.pool.query(`SELECT name, email FROM salesforce_links WHERE salesforce_user_id = $1`, [
      user.id,
    ])
    expect(link.rows[0]).toEqual({ name: 'Grace Hopper', email: 'grace@example.com' })

    for (const bad of ['\u0000', '\u0007']) {
      const refused = await enter(signed((p) => (p.context.user.userName = `${user.username}${bad}`)))
      expect(refused.statusCode).toBe(400)
      expect(refused.headers['content-type']).toMatch(/text\/html/)
      expect(refused.body).toContain('CANVAS_INVALID_PAYLOAD')
      const renewal = await inject({
        method: 'POST',
        url: '/canvas/session',
        payload: { signedRequest: signed((p) => (p.context.user.userName = `${user.username}${bad}`)) },
      })
      expect(renewal.statusCode).toBe(400)
    }
  })

  it('canvas entry form: a control character in signed_request is a malformed-request page, in any other field ignored; the JSON renewal still refuses one', async () => {
    const user = t.sim.control.users()[1]!
    const good = signCanvasRequest(JSON.stringify(t.sim.control.canvasRequest(user.id)), t.sim.consumerSecret)
    const post = (payload: string) =>
      inject({
        method: 'POST',
        url: '/canvas',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload,
      })
    for (const bad of ['\u0000', '\u0007', '\u001f', '\u007f']) {
      const at = good.indexOf('.') + 5
      for (const text of [`${bad}${good}`, `${good.slice(0, at)}${bad}${good.slice(at)}`, `${good}${bad}`]) {
        const refused = await post(`signed_request=${encodeURIComponent(text)}`)
        expect(refused.statusCode).toBe(400)
        expect(refused.headers['content-type']).toMatch(/text\/html/)
        expect(refused.body).toContain('CANVAS_MALFORMED')
        expect(refused.body).not.toContain(good.slice(0, 20))
      }
      // Salesforce posts only signed_request; anything else in the form is never read nor stored.
      const extra = await post(`signed_request=${encodeURIComponent(good)}&note=${encodeURIComponent(`x${bad}y`)}`)
      expect(extra.statusCode).toBe(200)
      expect(bootstrapOf(extra.body).user.userName).toBe(user.username)
      const renewal = await inject({
        method: 'POST',
        url: '/canvas/session',
        payload: { signedRequest: `${good}${bad}` },
      })
      expect(renewal.statusCode).toBe(400)
      expect(renewal.json()).toMatchObject({ code: 'INVALID_CHARACTERS' })
    }
    const stored = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE detail::text LIKE '%\\u0000%' OR detail::text ~ '[\\x01-\\x1f]'`,
    )
    expect(stored.rows[0].n).toBe(0)
  })

  it('schema errors name the field and the rule', async () => {
    const type = await inject({ method: 'POST', url: '/api/auth/login', payload: { email: 42, password: 'x' } })
    expect(type.statusCode).toBe(400)
    expect(type.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'email', rule: 'type' }] })
    expect(type.json().message).toMatch(/email must be string/)
    const missing = await inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'a@b.co' } })
    expect(missing.json()).toMatchObject({ details: [{ field: 'password', rule: 'required' }] })
    expect(missing.json().message).toMatch(/password is required/)
    const tooLong = await inject({
      method: 'POST',
      url: '/api/api-keys',
      headers: bearer,
      payload: { name: 'k'.repeat(101), password: 'x' },
    })
    expect(tooLong.json()).toMatchObject({ details: [{ field: 'name', rule: 'maxLength' }] })
    expect(tooLong.json().message).toMatch(/name must NOT have more than 100 characters/)
    const extra = await inject({
      method: 'POST',
      url: '/api/api-keys',
      headers: bearer,
      payload: { name: 'k', password: 'x', admin: true },
    })
    expect(extra.json()).toMatchObject({ details: [{ field: 'admin', rule: 'additionalProperties' }] })
    const nested = await inject({
      method: 'POST',
      url: '/api/connections',
      headers: bearer,
      payload: { name: 'n', sobject: 'Contact', fields: ['Email'], filters: [{ field: 'Email', operator: 'like' }] },
    })
    expect(nested.statusCode).toBe(400)
    expect(nested.json().details[0].field).toBe('filters.0.operator')
  })

  it('an empty body sent as application/json is no body: bodyless routes work, others say the body is required', async () => {
    const json = { 'content-type': 'application/json' }
    const copy = await inject({
      method: 'POST',
      url: `/api/connections/${connectionId}/copy`,
      headers: { ...bearer, ...json },
      payload: '',
    })
    expect(copy.statusCode).toBe(201)
    const ticket = await inject({
      method: 'POST',
      url: '/api/salesforce/oauth/ticket',
      headers: { ...bearer, ...json },
      payload: '',
    })
    expect(ticket.statusCode).toBe(200)
    const forget = await inject({
      method: 'DELETE',
      url: '/api/salesforce/credentials',
      headers: { ...bearer, ...json },
      payload: '',
    })
    expect(forget.statusCode).toBe(204)
    const remove = await inject({
      method: 'DELETE',
      url: `/api/connections/${copy.json().id}`,
      headers: { ...bearer, ...json },
      payload: '  ',
    })
    expect(remove.statusCode).toBe(204)
    const logout = await inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { authorization: `Bearer ${tokens.canvasToken}`, ...json },
      payload: '',
    })
    expect(logout.statusCode).toBe(204)
    // A route that needs a body: 400 naming it, not "could not be read".
    const login = await inject({ method: 'POST', url: '/api/auth/login', headers: json, payload: '' })
    expect(login.statusCode).toBe(400)
    expect(login.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'body', rule: 'type' }] })
    // Malformed JSON is still malformed.
    expect((await inject({ method: 'POST', url: '/api/auth/login', headers: json, payload: '{' })).json().code).toBe(
      'MALFORMED_REQUEST',
    )
  })
})
