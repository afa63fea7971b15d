import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.js'
import { bootstrapOf, conformanceRequest, makeSignedRequest } from '../helpers/canvas.js'

const real = conformanceRequest()
const form = (signedRequest: string) => ({
  method: 'POST' as const,
  url: '/canvas',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: `signed_request=${encodeURIComponent(signedRequest)}`,
})

describe('canvas entry and account linking (journeys 1–2)', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({ env: { SALESFORCE_CONSUMER_SECRET: `rotated-new-secret,${real.consumerSecret}` } })
  })
  afterAll(async () => {
    await t.close()
  })

  it('first visit: the real signed request verifies and the page asks to sign in or create an account', async () => {
    const res = await t.app.inject(form(real.signedRequest))
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/text\/html/)
    expect(res.headers['content-security-policy']).toMatch(/frame-ancestors[^;]*https:\/\/\*\.force\.com/)
    expect(res.headers['x-frame-options']).toBeUndefined()
    const boot = bootstrapOf(res.body)
    expect(boot).toMatchObject({
      linked: false,
      salesforceUserId: '0051t000001qjZ7AAI',
      organizationId: real.payload.context.organization.organizationId,
    })
    expect(boot.token).toEqual(expect.any(String))
    expect(boot.client).toEqual({
      instanceId: real.payload.client.instanceId,
      targetOrigin: real.payload.client.targetOrigin,
    })
    expect(res.body).not.toContain(real.payload.client.oauthToken)
    // The pending-link token is not a normal session.
    const me = await t.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${boot.token}` } })
    expect(me.statusCode).toBe(401)
    // Create the account inside the iframe: the link is stored.
    const signup = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { authorization: `Bearer ${boot.token}` },
      payload: { email: '  Mikkel@Example.COM ', password: 'correct horse battery', name: 'Mikkel' },
    })
    expect(signup.statusCode).toBe(201)
    expect(signup.json().linked).toBe(true)
    const token = signup.json().token
    const link = await t.app.inject({ url: '/api/salesforce/link', headers: { authorization: `Bearer ${token}` } })
    expect(link.statusCode).toBe(200)
    expect(link.json()).toMatchObject({
      salesforceUserId: '0051t000001qjZ7AAI',
      organizationId: real.payload.context.organization.organizationId,
      instanceUrl: 'https://idpp-demo-dev-ed.my.salesforce.com',
      username: 'idpp@trailhead.com',
      email: 'mheisterberg@salesforce.com',
      name: 'Mikkel Flindt Heisterberg',
      credential: { kind: null, status: 'none', reason: null, lastSuccessAt: null },
      canConnect: true, // inside Salesforce the live canvas session gives access
    })
    const me2 = await t.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${token}` } })
    expect(me2.json()).toMatchObject({ email: 'mikkel@example.com', insideSalesforce: true })
    // The canvas OAuth token is stored encrypted as a canvas credential.
    const { rows } = await t.db.pool.query(`SELECT kind FROM salesforce_credentials`)
    expect(rows.map((r) => r.kind)).toEqual(['canvas'])
    // The pending token is spent.
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { authorization: `Bearer ${boot.token}` },
      payload: { email: 'x@example.com', password: 'correct horse battery' },
    })
    expect(again.json().linked).toBe(false)
  })

  it('returning visit: signed in at once, name, email and last-seen updated', async () => {
    const before = (await t.db.pool.query(`SELECT last_seen_at FROM salesforce_links`)).rows[0].last_seen_at
    const res = await t.app.inject(
      form(makeSignedRequest(real.consumerSecret, { fullName: 'Mikkel H.', email: 'new@example.com' })),
    )
    const boot = bootstrapOf(res.body)
    expect(boot.linked).toBe(true)
    const me = await t.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${boot.token}` } })
    expect(me.json().email).toBe('mikkel@example.com')
    const { rows } = await t.db.pool.query(`SELECT name, email, last_seen_at FROM salesforce_links`)
    expect(rows[0]).toMatchObject({ name: 'Mikkel H.', email: 'new@example.com' })
    expect(rows[0].last_seen_at.getTime()).toBeGreaterThanOrEqual(before.getTime())
    const audit = await t.db.pool.query(
      `SELECT event FROM audit_log WHERE event IN ('canvas.visit','link.created','app.signup') ORDER BY id`,
    )
    expect(audit.rows.map((r) => r.event)).toEqual([
      'canvas.visit',
      'app.signup',
      'link.created',
      'app.signup',
      'canvas.visit',
    ])
  })

  it('a signed request carrying a refresh token gives outside access with no action (oauth_refresh credential)', async () => {
    const sr = makeSignedRequest(real.consumerSecret, {
      userId: '005000000000001AAA',
      orgId: '00D000000000001EAA',
      userName: 'ops@acme.test',
      refreshToken: '5Aep861-refresh-token-value',
    })
    const boot = bootstrapOf((await t.app.inject(form(sr))).body)
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { authorization: `Bearer ${boot.token}` },
      payload: { email: 'x@example.com', password: 'correct horse battery' },
    })
    expect(login.statusCode).toBe(200)
    const link = await t.app.inject({
      url: '/api/salesforce/link',
      headers: { authorization: `Bearer ${login.json().token}` },
    })
    expect(link.json().credential).toMatchObject({ kind: 'oauth_refresh', status: 'ok' })
    const dump = await t.db.pool.query(`SELECT ciphertext::text AS c FROM encrypted_secrets`)
    expect(dump.rows.some((r) => r.c.includes('refresh-token-value'))).toBe(false)
    const version = async () =>
      (await t.db.pool.query(`SELECT version FROM salesforce_credentials WHERE kind = 'oauth_refresh'`)).rows[0].version
    // The same refresh token on the next visit leaves the credential as it is; a new one replaces it.
    const before = await version()
    await t.app.inject(form(sr))
    expect(await version()).toBe(before)
    await t.app.inject(
      form(
        makeSignedRequest(real.consumerSecret, {
          userId: '005000000000001AAA',
          orgId: '00D000000000001EAA',
          userName: 'ops@acme.test',
          refreshToken: '5Aep861-a-newer-refresh-token',
        }),
      ),
    )
    expect(await version()).toBe(before + 1)
    const cred = (await t.db.pool.query(`SELECT id FROM salesforce_credentials WHERE kind = 'oauth_refresh'`)).rows[0]
      .id
    expect(await t.app.services.credentials.secret(t.db.pool, cred, 'refreshToken')).toBe(
      '5Aep861-a-newer-refresh-token',
    )
  })

  it('one Salesforce user per org per account, and a Salesforce user links only once', async () => {
    // Another user of the same org cannot link to an account that already has that org.
    const sr = makeSignedRequest(real.consumerSecret, { userId: '005000000000002AAA' })
    const boot = bootstrapOf((await t.app.inject(form(sr))).body)
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { authorization: `Bearer ${boot.token}` },
      payload: { email: 'mikkel@example.com', password: 'correct horse battery' },
    })
    expect(res.statusCode).toBe(409)
    expect(res.json().code).toBe('LINK_ORG_TAKEN')
  })

  it('renews the canvas session from a fresh signed request', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/canvas/session',
      payload: { signedRequest: real.signedRequest },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ linked: true, token: expect.any(String) })
    const bad = await t.app.inject({
      method: 'POST',
      url: '/canvas/session',
      payload: { signedRequest: makeSignedRequest('wrong-secret') },
    })
    expect(bad.statusCode).toBe(401)
    expect(bad.json().code).toBe('CANVAS_BAD_SIGNATURE')
  })
})

describe('canvas entry rejects bad input with 4xx, never 5xx, never echoing the payload', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({ env: { SALESFORCE_CONSUMER_SECRET: real.consumerSecret } })
  })
  afterAll(async () => {
    await t.close()
  })

  it('forged signature → 401 page', async () => {
    const forged = makeSignedRequest('attacker-secret', { fullName: 'ECHO-MARKER-123' })
    const res = await t.app.inject(form(forged))
    expect(res.statusCode).toBe(401)
    expect(res.headers['content-type']).toMatch(/text\/html/)
    expect(res.body).toContain('CANVAS_BAD_SIGNATURE')
    expect(res.body).not.toContain('ECHO-MARKER-123')
    expect(res.body).not.toContain(forged.slice(0, 20))
  })

  it('malformed → 400, missing field → 400, wrong content type → 415, oversized → 413', async () => {
    expect((await t.app.inject(form('not-a-signed-request'))).statusCode).toBe(400)
    expect((await t.app.inject(form('abc.<script>alert(1)</script>'))).body).not.toContain('<script>alert')
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/canvas',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: 'other=1',
        })
      ).statusCode,
    ).toBe(400)
    expect(
      (await t.app.inject({ method: 'POST', url: '/canvas', payload: { signed_request: real.signedRequest } }))
        .statusCode,
    ).toBe(415)
    const big = await t.app.inject(form('a'.repeat(70 * 1024)))
    expect(big.statusCode).toBe(413)
  })
})

describe('app accounts', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp()
  })
  afterAll(async () => {
    await t.close()
  })

  it('signup validates, hashes with argon2id, and refuses a duplicate email', async () => {
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/auth/signup',
          payload: { email: 'a@example.com', password: 'short' },
        })
      ).json().code,
    ).toBe('PASSWORD_TOO_SHORT')
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/auth/signup',
          payload: { email: 'nope', password: 'long enough password' },
        })
      ).json().code,
    ).toBe('VALIDATION_FAILED')
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { email: 'A@Example.com', password: 'long enough password' },
    })
    expect(ok.statusCode).toBe(201)
    expect(ok.cookies.find((c) => c.name === 'sfl_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' })
    const { rows } = await t.db.pool.query(`SELECT password_hash FROM accounts WHERE email = 'a@example.com'`)
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$/)
    const dup = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { email: 'a@example.com', password: 'long enough password' },
    })
    expect(dup.statusCode).toBe(409)
    expect(dup.json().code).toBe('EMAIL_TAKEN')
  })

  it('login answers a token and a cookie; a bad login gets one generic error; logout revokes the session', async () => {
    const bad1 = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'a@example.com', password: 'wrong password!!' },
    })
    const bad2 = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'ghost@example.com', password: 'wrong password!!' },
    })
    expect(bad1.json()).toEqual(bad2.json())
    expect(bad1.json().code).toBe('INVALID_CREDENTIALS')
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'a@example.com', password: 'long enough password' },
    })
    expect(ok.statusCode).toBe(200)
    const cookie = ok.cookies.find((c) => c.name === 'sfl_session')!
    const me = await t.app.inject({ url: '/api/me', cookies: { sfl_session: cookie.value } })
    expect(me.json()).toMatchObject({ email: 'a@example.com', insideSalesforce: false, session: { kind: 'cookie' } })
    const bearer = await t.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${ok.json().token}` } })
    expect(bearer.statusCode).toBe(200)
    await t.app.inject({ method: 'POST', url: '/api/auth/logout', cookies: { sfl_session: cookie.value } })
    expect((await t.app.inject({ url: '/api/me', cookies: { sfl_session: cookie.value } })).statusCode).toBe(401)
    expect(
      (await t.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${ok.json().token}` } })).statusCode,
    ).toBe(401)
  })

  it('GET /api/salesforce/link answers 404 LINK_NOT_FOUND without a link', async () => {
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'a@example.com', password: 'long enough password' },
    })
    const res = await t.app.inject({
      url: '/api/salesforce/link',
      headers: { authorization: `Bearer ${ok.json().token}` },
    })
    expect(res.statusCode).toBe(404)
    expect(res.json().code).toBe('LINK_NOT_FOUND')
  })

  it('login is rate-limited per account and address (429), and the owner elsewhere still signs in', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { email: 'target@example.com', password: 'long enough password' },
    })
    const codes: number[] = []
    for (let i = 0; i < 12; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: '10.0.0.7',
        payload: { email: 'target@example.com', password: `guess number ${i}` },
      })
      codes.push(res.statusCode)
    }
    expect(codes.slice(0, 10).every((c) => c === 401)).toBe(true)
    expect(codes.slice(10)).toEqual([429, 429])
    // Even the right password waits, from that address…
    const right = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: '10.0.0.7',
      payload: { email: 'target@example.com', password: 'long enough password' },
    })
    expect(right.statusCode).toBe(429)
    // …but not from another one.
    const elsewhere = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: '10.0.0.8',
      payload: { email: 'target@example.com', password: 'long enough password' },
    })
    expect(elsewhere.statusCode).toBe(200)
  })

  it('login is rate-limited per IP (429)', async () => {
    const codes: number[] = []
    for (let i = 0; i < 22; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: '10.9.9.9',
        payload: { email: `u${i}@example.com`, password: 'whatever password' },
      })
      codes.push(res.statusCode)
    }
    expect(codes).toContain(429)
    expect(codes.filter((c) => c >= 500)).toEqual([])
  })
})
