/**
 * Sequential file: each describe is one person's journey on one app and one simulator, and its
 * cases run in order and build on each other (a credential saved in one scene is used in the
 * next). Nothing is shared between the two describes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createSimApp, linkedAccount, type SimApp } from '../helpers/simulator-app.js'
import { authorizeWithForms, createSelfSignedCertificate } from '@sf-link/simulator/testing'

const auth = (token: string) => ({ authorization: `Bearer ${token}` })

/** The browser keeps the OAuth nonce cookie that start sets, and sends it to the callback. */
function nonceCookies(start: { cookies: Array<{ name: string; value: string }> }): Record<string, string> {
  return Object.fromEntries(start.cookies.filter((c) => c.name.startsWith('sfl_oauth_')).map((c) => [c.name, c.value]))
}

async function accountIdOf(t: SimApp, token: string): Promise<string> {
  return (await t.app.inject({ url: '/api/me', headers: auth(token) })).json().id
}

/** A Salesforce operation outside Salesforce: the stored credential is the only way in. */
async function countContacts(t: SimApp, accountId: string): Promise<number> {
  return t.app.services.salesforce.withConnection(
    { accountId, canvas: false },
    async (conn) => (await conn.query('SELECT COUNT() FROM Contact')).totalSize,
  )
}

describe('security token credentials (journeys 3, 4, 5)', () => {
  let t: SimApp
  let ada: { id: string; username: string; password: string; securityToken: string; organizationId: string }
  let tokens: Awaited<ReturnType<typeof linkedAccount>>
  let accountId: string

  beforeAll(async () => {
    t = await createSimApp({ sim: { canvasRefreshToken: false } })
    ada = t.sim.control.users()[0]!
    tokens = await linkedAccount(t.app, t.sim, ada.id, 'ada@app.test')
    accountId = await accountIdOf(t, tokens.standaloneToken)
  })
  // Each case is a separate scene of the journey: proving limits (5 checks per 15 minutes per
  // username, test/reliability/credential-proving.test.ts) are not what these cases are about.
  beforeEach(async () => {
    await t.db.pool.query(`DELETE FROM rate_limit_hits WHERE key LIKE 'prove:%'`)
  })
  afterAll(async () => {
    await t.close()
  })

  it('journey 6 baseline: outside Salesforce with no credential, Salesforce operations are refused with SF_CREDENTIALS_REQUIRED', async () => {
    await expect(countContacts(t, accountId)).rejects.toMatchObject({ code: 'SF_CREDENTIALS_REQUIRED' })
    const link = (await t.app.inject({ url: '/api/salesforce/link', headers: auth(tokens.standaloneToken) })).json()
    expect(link).toMatchObject({ canConnect: false, credential: { status: 'none' } })
    // Inside Salesforce the live canvas token works.
    const inside = await t.app.services.salesforce.withConnection(
      { accountId, canvas: true },
      async (conn) => (await conn.query('SELECT COUNT() FROM Contact')).totalSize,
    )
    expect(inside).toBeGreaterThan(0)
  })

  it('journey 3: a wrong token is rejected with SF_INVALID_LOGIN and nothing is stored', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: auth(tokens.standaloneToken),
      payload: {
        username: ada.username,
        password: ada.password,
        securityToken: 'WRONGTOKENWRONGTOKEN1234',
        environment: 'production',
      },
    })
    expect(res.statusCode).toBe(422)
    expect(res.json().code).toBe('SF_INVALID_LOGIN')
    expect(res.json().message).toMatch(/security token/)
    expect(
      (await t.db.pool.query(`SELECT count(*)::int AS n FROM salesforce_credentials WHERE kind = 'password_token'`))
        .rows[0].n,
    ).toBe(0)
  })

  it('journey 3: a missing token from outside the trusted range gives SF_SECURITY_TOKEN_REQUIRED', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: auth(tokens.standaloneToken),
      payload: { username: ada.username, password: ada.password, environment: 'production' },
    })
    expect(res.statusCode).toBe(422)
    expect(res.json().code).toBe('SF_SECURITY_TOKEN_REQUIRED')
  })

  it('an environment URL outside Salesforce is refused (no SSRF)', async () => {
    for (const environment of [
      'http://169.254.169.254',
      'https://evil.example.com',
      'https://login.salesforce.com.evil.com',
      'file:///etc/passwd',
      'https://x.my.salesforce.com/path',
    ]) {
      const res = await t.app.inject({
        method: 'PUT',
        url: '/api/salesforce/credentials',
        headers: auth(tokens.standaloneToken),
        payload: { username: ada.username, password: ada.password, environment },
      })
      expect(res.statusCode, environment).toBe(400)
      expect(res.json().code).toBe('SF_ENVIRONMENT_NOT_ALLOWED')
    }
  })

  it('journey 3 + 4: save username + password + token → status ok; standalone operations then work through it', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: auth(tokens.standaloneToken),
      payload: {
        username: ada.username,
        password: ada.password,
        securityToken: ada.securityToken,
        environment: 'production',
      },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      canConnect: true,
      credential: { kind: 'password_token', status: 'ok', reason: null, username: ada.username },
    })
    expect(res.json().credential.lastSuccessAt).toEqual(expect.any(String))
    t.sim.control.resetCounters()
    expect(await countContacts(t, accountId)).toBeGreaterThan(0)
    expect(await countContacts(t, accountId)).toBeGreaterThan(0)
    // The proving login's session is reused: no new login.
    expect(t.sim.control.counters().logins.success).toBe(0)
  })

  it('200 concurrent operations with an expired session cause exactly 1 login', async () => {
    t.sim.control.expireSessions()
    t.sim.control.resetCounters()
    // allSettled, not all: should one fail, the other 199 must not run on into the next scene.
    const settled = await Promise.allSettled(Array.from({ length: 200 }, () => countContacts(t, accountId)))
    expect(settled.filter((r) => r.status === 'rejected').map((r) => String(r.reason))).toEqual([])
    const results = settled.map((r) => (r.status === 'fulfilled' ? r.value : 0))
    expect(results.every((n) => n > 0)).toBe(true)
    expect(t.sim.control.counters().logins).toMatchObject({ success: 1, failure: 0 })
  })

  it('a 401 refreshes once and never loops, even when Salesforce keeps rejecting the fresh session', async () => {
    t.sim.control.resetCounters()
    t.sim.control.addFault({
      pathPrefix: '/services/data',
      method: 'GET',
      status: 401,
      body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
      count: -1,
    })
    try {
      await expect(countContacts(t, accountId)).rejects.toMatchObject({ code: 'SF_UNAVAILABLE' })
    } finally {
      t.sim.control.clearFaults()
    }
    expect(t.sim.control.counters().logins.success).toBe(1)
    expect(t.sim.control.counters().faults.served).toBeLessThanOrEqual(2)
    // And it works again as soon as Salesforce does.
    expect(await countContacts(t, accountId)).toBeGreaterThan(0)
  })

  it('journey 5: after a token reset the credential needs attention, and no further login is attempted until it changes', async () => {
    const newToken = t.sim.control.resetToken(ada.id)
    t.sim.control.expireSessions()
    t.sim.control.resetCounters()
    await expect(countContacts(t, accountId)).rejects.toMatchObject({ code: 'SF_INVALID_LOGIN' })
    expect(t.sim.control.counters().logins.failure).toBe(1)
    const link = (await t.app.inject({ url: '/api/salesforce/link', headers: auth(tokens.standaloneToken) })).json()
    expect(link).toMatchObject({
      canConnect: false,
      credential: { kind: 'password_token', status: 'needs_attention', reason: 'SF_INVALID_LOGIN' },
    })
    expect(link.credential.reasonMessage).toMatch(/reset security token|new token/i)
    // 50 more operations, concurrently and in sequence: zero further login attempts.
    await Promise.all(Array.from({ length: 25 }, () => countContacts(t, accountId).catch((e) => e.code)))
    for (let i = 0; i < 25; i++)
      await expect(countContacts(t, accountId)).rejects.toMatchObject({ code: 'SF_INVALID_LOGIN' })
    expect(t.sim.control.counters().logins).toMatchObject({ success: 0, failure: 1 })
    // The new token arrives by email; "Update token only" with it makes everything work again.
    const mail = t.sim.control.outbox(ada.username).at(-1)!
    expect(mail.subject).toBe('Your new Salesforce security token')
    expect(mail.body).toContain(newToken)
    const patch = await t.app.inject({
      method: 'PATCH',
      url: '/api/salesforce/credentials',
      headers: auth(tokens.standaloneToken),
      payload: { securityToken: newToken },
    })
    expect(patch.statusCode).toBe(200)
    expect(patch.json().credential).toMatchObject({ status: 'ok', reason: null })
    expect(await countContacts(t, accountId)).toBeGreaterThan(0)
  })

  it('a wrong token in Update token only changes nothing and says what is wrong', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/salesforce/credentials',
      headers: auth(tokens.standaloneToken),
      payload: { securityToken: 'NOPE' },
    })
    expect(res.statusCode).toBe(422)
    expect(res.json().code).toBe('SF_INVALID_LOGIN')
    expect(await countContacts(t, accountId)).toBeGreaterThan(0)
  })

  it('a password change in Salesforce: new password + new token via PATCH', async () => {
    const token = t.sim.control.changePassword(ada.id, 'Brand-New-Password-9')
    t.sim.control.expireSessions()
    await expect(countContacts(t, accountId)).rejects.toMatchObject({ code: 'SF_INVALID_LOGIN' })
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/salesforce/credentials',
      headers: auth(tokens.standaloneToken),
      payload: { password: 'Brand-New-Password-9', securityToken: token },
    })
    expect(res.statusCode).toBe(200)
    expect(await countContacts(t, accountId)).toBeGreaterThan(0)
  })

  it('a cookie session must send the CSRF token on state-changing requests', async () => {
    const without = await t.app.inject({
      method: 'DELETE',
      url: '/api/salesforce/credentials',
      cookies: { sfl_session: tokens.cookie },
    })
    expect(without.statusCode).toBe(403)
    expect(without.json().code).toBe('CSRF_INVALID')
    const { csrfToken } = (await t.app.inject({ url: '/api/csrf', cookies: { sfl_session: tokens.cookie } })).json()
    const wrong = await t.app.inject({
      method: 'DELETE',
      url: '/api/salesforce/credentials',
      cookies: { sfl_session: tokens.cookie },
      headers: { 'x-csrf-token': `${csrfToken}x` },
    })
    expect(wrong.statusCode).toBe(403)
    const ok = await t.app.inject({
      method: 'DELETE',
      url: '/api/salesforce/credentials',
      cookies: { sfl_session: tokens.cookie },
      headers: { 'x-csrf-token': csrfToken },
    })
    expect(ok.statusCode).toBe(204)
    await expect(countContacts(t, accountId)).rejects.toMatchObject({ code: 'SF_CREDENTIALS_REQUIRED' })
  })

  it('SOAP login switched off in the org gives SF_SOAP_LOGIN_DISABLED', async () => {
    t.sim.control.setOrgSettings(ada.organizationId, { soapLoginEnabled: false } as any)
    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: auth(tokens.standaloneToken),
      payload: {
        username: ada.username,
        password: 'Brand-New-Password-9',
        securityToken: t.sim.control.user(ada.id).securityToken,
        environment: 'production',
      },
    })
    expect(res.json().code).toBe('SF_SOAP_LOGIN_DISABLED')
    t.sim.control.setOrgSettings(ada.organizationId, { soapLoginEnabled: true } as any)
  })

  it('a user without "Use Any API Auth" gets SF_LOGIN_NOT_PERMITTED (not SF_API_DISABLED), leading to Connect with Salesforce', async () => {
    t.sim.control.setOrgSettings(ada.organizationId, { useAnyApiAuthEnforced: true } as any)
    try {
      const res = await t.app.inject({
        method: 'PUT',
        url: '/api/salesforce/credentials',
        headers: auth(tokens.standaloneToken),
        payload: {
          username: ada.username,
          password: t.sim.control.user(ada.id).password,
          securityToken: t.sim.control.user(ada.id).securityToken,
          environment: 'production',
        },
      })
      expect(res.statusCode).toBe(422)
      expect(res.json()).toMatchObject({
        code: 'SF_LOGIN_NOT_PERMITTED',
        message: expect.stringMatching(/Use Any API Auth.*Connect with Salesforce/),
      })
    } finally {
      t.sim.control.setOrgSettings(ada.organizationId, { useAnyApiAuthEnforced: false } as any)
    }
  })

  it('every Salesforce login attempt and its outcome is in the audit log', async () => {
    const { rows } = await t.db.pool.query(`SELECT outcome, detail FROM audit_log WHERE event = 'salesforce.login'`)
    expect(rows.filter((r) => r.outcome === 'failure').map((r) => r.detail.code)).toEqual(
      expect.arrayContaining(['SF_INVALID_LOGIN', 'SF_SECURITY_TOKEN_REQUIRED', 'SF_SOAP_LOGIN_DISABLED']),
    )
    expect(rows.some((r) => r.outcome === 'success')).toBe(true)
  })
})

describe('Connect with Salesforce (OAuth web-server flow with PKCE) and JWT bearer', () => {
  let t: SimApp
  let grace: { id: string; username: string; password: string; securityToken: string; organizationId: string }
  let tokens: Awaited<ReturnType<typeof linkedAccount>>
  let accountId: string
  const cert = createSelfSignedCertificate('sflink-test')

  beforeAll(async () => {
    t = await createSimApp({
      sim: { canvasRefreshToken: false },
      config: (c) => ({ ...c, salesforce: { ...c.salesforce, jwtPrivateKey: cert.privateKeyPem } }),
    })
    grace = t.sim.control.users()[1]! as any
    t.sim.control.registerJwtCertificate(t.sim.consumerKey, cert.certificatePem)
    tokens = await linkedAccount(t.app, t.sim, grace.id, 'grace@app.test')
    accountId = await accountIdOf(t, tokens.standaloneToken)
  })
  afterAll(async () => {
    await t.close()
  })

  it('connects end to end through the authorize pages; the refresh token is stored and used after the access token expires', async () => {
    const start = await t.app.inject({ url: '/oauth/salesforce/start', cookies: { sfl_session: tokens.cookie } })
    expect(start.statusCode).toBe(302)
    const authorize = new URL(start.headers.location as string)
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorize.searchParams.get('scope')).toBe('api refresh_token')
    const back = await authorizeWithForms(authorize.toString(), { username: grace.username, password: grace.password })
    const callback = await t.app.inject({
      url: `/oauth/salesforce/callback${back.search}`,
      cookies: nonceCookies(start),
    })
    expect(callback.statusCode).toBe(302)
    expect(callback.headers.location).toBe('/#/settings/link-accounts?connected=1')
    const link = (await t.app.inject({ url: '/api/salesforce/link', headers: auth(tokens.standaloneToken) })).json()
    expect(link.credential).toMatchObject({ kind: 'oauth_refresh', status: 'ok' })
    // The state is single use.
    expect(
      (await t.app.inject({ url: `/oauth/salesforce/callback${back.search}`, cookies: nonceCookies(start) })).headers
        .location,
    ).toMatch(/error=SF_OAUTH_FAILED/)

    t.sim.control.expireSessions()
    t.sim.control.resetCounters()
    expect(await countContacts(t, accountId)).toBeGreaterThan(0)
    expect(t.sim.control.counters().logins.byKind.refresh.success).toBe(1)
    expect(
      t.sim.control.counters().logins.byKind.soap.success + t.sim.control.counters().logins.byKind.soap.failure,
    ).toBe(0)
  })

  it('a revoked refresh token opens the circuit with SF_AUTHORIZATION_REVOKED', async () => {
    t.sim.control.revokeUserTokens(grace.id)
    t.sim.control.resetCounters()
    await expect(countContacts(t, accountId)).rejects.toMatchObject({ code: 'SF_AUTHORIZATION_REVOKED' })
    await expect(countContacts(t, accountId)).rejects.toMatchObject({ code: 'SF_AUTHORIZATION_REVOKED' })
    expect(t.sim.control.counters().logins.failure).toBe(1)
  })

  it('Sign in with Salesforce signs in the linked account, and says so when nobody is linked', async () => {
    const start = await t.app.inject({ url: '/oauth/salesforce/start?intent=signin' })
    const back = await authorizeWithForms(start.headers.location as string, {
      username: grace.username,
      password: grace.password,
    })
    const callback = await t.app.inject({
      url: `/oauth/salesforce/callback${back.search}`,
      cookies: nonceCookies(start),
    })
    expect(callback.headers.location).toBe('/#/connections')
    const cookie = callback.cookies.find((c) => c.name === 'sfl_session')!
    expect((await t.app.inject({ url: '/api/me', cookies: { sfl_session: cookie.value } })).json().email).toBe(
      'grace@app.test',
    )

    const stranger = t.sim.control.createUser({
      username: 'stranger@demo.sflink.test',
      password: 'Stranger-Pass-1',
      organizationId: grace.organizationId,
    } as any)
    const start2 = await t.app.inject({ url: '/oauth/salesforce/start?intent=signin' })
    const back2 = await authorizeWithForms(start2.headers.location as string, {
      username: stranger.username,
      password: 'Stranger-Pass-1',
    })
    expect(
      (await t.app.inject({ url: `/oauth/salesforce/callback${back2.search}`, cookies: nonceCookies(start2) })).headers
        .location,
    ).toBe('/#/signin?error=SF_NOT_LINKED')
  })

  it('JWT bearer with a key pair and certificate generated in the test', async () => {
    // Only JWT from here on (Sign in with Salesforce above stored a refresh token too).
    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: '/api/salesforce/credentials',
          headers: auth(tokens.standaloneToken),
        })
      ).statusCode,
    ).toBe(204)
    // The admin pre-authorises the user for the app.
    t.sim.control.preauthorize(grace.id)
    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: auth(tokens.standaloneToken),
      payload: { kind: 'jwt_bearer', environment: 'production' },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json().credentials.map((c: any) => c.kind)).toContain('jwt_bearer')
    t.sim.control.expireSessions()
    t.sim.control.resetCounters()
    expect(await countContacts(t, accountId)).toBeGreaterThan(0)
    expect(t.sim.control.counters().logins.byKind.jwt.success).toBe(1)
  })
})
