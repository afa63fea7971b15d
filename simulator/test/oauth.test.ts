// OAuth 2.0 against the simulator with real jsforce: web-server flow with PKCE, refresh tokens,
// revoke, JWT bearer with a certificate, identity, and Salesforce's exact error bodies.
import jwt from 'jsonwebtoken'
import { Connection, OAuth2 } from 'jsforce'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { SimUser } from '../src/index.js'
import {
  createSalesforceSimulator,
  DEFAULT_CONSUMER_KEY,
  DEFAULT_CONSUMER_SECRET,
  type SalesforceSimulator,
} from '../src/index.js'
import { createSelfSignedCertificate, type TestCertificate } from '../src/testing/certificate.js'
import { authorizeWithForms } from '../src/testing/oauth-forms.js'

const REDIRECT_URI = 'http://127.0.0.1:9/oauth/salesforce/callback'
const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

let sim: SalesforceSimulator
let ada: SimUser
let grace: SimUser
let certificate: TestCertificate

const oauth2 = (extra: Partial<ConstructorParameters<typeof OAuth2>[0]> = {}) =>
  new OAuth2({
    loginUrl: sim.url,
    clientId: DEFAULT_CONSUMER_KEY,
    clientSecret: DEFAULT_CONSUMER_SECRET,
    redirectUri: REDIRECT_URI,
    ...extra,
  })

async function tokenRequest(fields: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sim.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  })
  return { status: res.status, body: await res.json() }
}

/** Connect with Salesforce: authorize (login + Allow), then exchange the code. */
async function connectWithSalesforce(user: SimUser, scope = 'api refresh_token') {
  const client = oauth2({ useVerifier: true })
  const url = client.getAuthorizationUrl({ scope, state: 'opaque-state' })
  const redirect = await authorizeWithForms(url, { username: user.username, password: user.password })
  expect(redirect.searchParams.get('state')).toBe('opaque-state')
  const conn = new Connection({ oauth2: client, version: '60.0' })
  await conn.authorize(redirect.searchParams.get('code')!)
  return { conn, client }
}

function assertion(claims: Record<string, unknown>, key = certificate.privateKeyPem): string {
  return jwt.sign(
    { iss: DEFAULT_CONSUMER_KEY, sub: ada.username, aud: sim.url, exp: Math.floor(Date.now() / 1000) + 120, ...claims },
    key,
    { algorithm: 'RS256' },
  )
}

beforeAll(async () => {
  certificate = createSelfSignedCertificate()
  sim = await createSalesforceSimulator({ data: { contacts: 20, leads: 5, campaigns: 1 } })
  ;[ada, grace] = sim.control.users()
})

afterAll(() => sim.close())

beforeEach(() => sim.control.resetCounters())

describe('web-server flow with PKCE ("Connect with Salesforce")', () => {
  it('shows a login page, then Allow, then redirects with a code that jsforce exchanges', async () => {
    const { conn } = await connectWithSalesforce(ada)
    expect(conn.instanceUrl).toBe(sim.url)
    expect(conn.userInfo).toMatchObject({ id: ada.id, organizationId: ada.organizationId })
    expect(conn.refreshToken).toMatch(/^5Aep861/)
    const result = await conn.query<{ Email: string }>('SELECT Email FROM Contact LIMIT 5')
    expect(result.records).toHaveLength(5)
    expect(sim.control.counters().logins.byKind.oauth_code).toEqual({ success: 1, failure: 0 })
  })

  it('answers the token request like Salesforce', async () => {
    const client = oauth2({ useVerifier: true })
    const redirect = await authorizeWithForms(client.getAuthorizationUrl({ scope: 'api refresh_token' }), {
      username: grace.username,
      password: grace.password,
    })
    const token = await client.requestToken(redirect.searchParams.get('code')!)
    expect(token).toMatchObject({
      instance_url: sim.url,
      id: `${sim.url}/id/${grace.organizationId}/${grace.id}`,
      token_type: 'Bearer',
      scope: 'api refresh_token',
    })
    expect(token.access_token).toMatch(/^00D\w{12}!AQ/)
    expect(token.issued_at).toMatch(/^\d{13}$/)
    expect(token.signature).toMatch(/^[A-Za-z0-9+/]{43}=$/)
  })

  it('refuses a code with the wrong PKCE verifier, and a code used twice', async () => {
    const client = oauth2({ useVerifier: true })
    const redirect = await authorizeWithForms(client.getAuthorizationUrl({ scope: 'api' }), {
      username: ada.username,
      password: ada.password,
    })
    const code = redirect.searchParams.get('code')!
    await expect(oauth2({ useVerifier: true }).requestToken(code)).rejects.toMatchObject({
      name: 'invalid_grant',
      message: 'invalid code verifier',
    })
    await expect(client.requestToken(code)).resolves.toHaveProperty('access_token')
    await expect(client.requestToken(code)).rejects.toMatchObject({
      name: 'invalid_grant',
      message: 'invalid authorization code',
    })
  })

  it('issues no refresh token without the refresh_token or offline_access scope', async () => {
    const client = oauth2({ useVerifier: true })
    const redirect = await authorizeWithForms(client.getAuthorizationUrl({ scope: 'api' }), {
      username: ada.username,
      password: ada.password,
    })
    const token = await client.requestToken(redirect.searchParams.get('code')!)
    expect(token.refresh_token).toBeUndefined()
    expect(token.scope).toBe('api')
  })

  it('checks the redirect URI and the client secret at the token endpoint', async () => {
    const client = oauth2({ useVerifier: true })
    const redirect = await authorizeWithForms(client.getAuthorizationUrl({ scope: 'api' }), {
      username: ada.username,
      password: ada.password,
    })
    const code = redirect.searchParams.get('code')!
    await expect(oauth2({ useVerifier: true, clientSecret: 'wrong' }).requestToken(code)).rejects.toMatchObject({
      name: 'invalid_client',
      message: 'invalid client credentials',
    })
    const other = oauth2({ redirectUri: 'http://127.0.0.1:9/elsewhere' })
    other.codeVerifier = client.codeVerifier
    await expect(other.requestToken(code)).rejects.toMatchObject({ name: 'redirect_uri_mismatch' })
  })

  it('keeps the login page on a wrong password and counts the failure', async () => {
    const page = await fetch(oauth2().getAuthorizationUrl({ scope: 'api' }))
    const html = await page.text()
    expect(html).toMatch(/<label for="username">Username<\/label>\s*<input id="username"/)
    expect(html).toMatch(/<label for="password">Password<\/label>\s*<input id="password"/)
    expect(html).toContain('>Log In</button>')
    await expect(
      authorizeWithForms(oauth2().getAuthorizationUrl({ scope: 'api' }), { username: ada.username, password: 'wrong' }),
    ).rejects.toThrow(/Please check your username and password/)
    expect(sim.control.counters().logins.byKind.oauth_code).toEqual({ success: 0, failure: 1 })
  })

  it('redirects with access_denied when the user denies access', async () => {
    const redirect = await authorizeWithForms(oauth2().getAuthorizationUrl({ scope: 'api', state: 's1' }), {
      username: ada.username,
      password: ada.password,
      decision: 'deny',
    })
    expect(Object.fromEntries(redirect.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'end-user denied authorization',
      state: 's1',
    })
  })
})

describe('Salesforce’s login and approval pages', () => {
  it('authorize → /?ec=302 login page → RemoteAccessAuthorizationPage.apexp → callback, none of them framable', async () => {
    const start = await fetch(oauth2().getAuthorizationUrl({ scope: 'api', state: 'x' }), { redirect: 'manual' })
    expect(start.status).toBe(302)
    const toLogin = new URL(start.headers.get('location')!, sim.url)
    expect(toLogin.pathname).toBe('/')
    expect(toLogin.searchParams.get('ec')).toBe('302')
    const startUrl = new URL(toLogin.searchParams.get('startURL')!, sim.url)
    expect(startUrl.pathname).toBe('/setup/secur/RemoteAccessAuthorizationPage.apexp')

    const loginPage = await fetch(toLogin)
    expect(loginPage.headers.get('x-frame-options')).toBe('DENY')
    expect(loginPage.headers.get('content-security-policy')).toBe("frame-ancestors 'none'")
    const html = await loginPage.text()
    expect(html).toMatch(/<button type="submit" id="Login" name="Login">Log In<\/button>/)
    const flow = /name="flow" value="([^"]+)"/.exec(html)![1]
    const login = await fetch(`${sim.url}/services/oauth2/authorize/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ flow, username: ada.username, password: ada.password }).toString(),
      redirect: 'manual',
    })
    expect(login.status).toBe(302)
    expect(login.headers.get('location')).toBe(`${startUrl.pathname}${startUrl.search}`)
    const consent = await fetch(new URL(login.headers.get('location')!, sim.url))
    expect(consent.headers.get('x-frame-options')).toBe('DENY')
    expect(await consent.text()).toContain('Allow Access?')

    // A stale link explains itself instead of failing.
    const stale = await fetch(`${sim.url}/?ec=302&startURL=${encodeURIComponent(startUrl.pathname + '?source=gone')}`)
    expect(stale.status).toBe(400)
    expect(await stale.text()).toContain('the login page expired')
  })
})

describe('user-agent flow (response_type=token, as the Canvas SDK’s oauth.login() asks)', () => {
  const userAgentUrl = (state: string) =>
    `${sim.url}/services/oauth2/authorize?response_type=token&client_id=${DEFAULT_CONSUMER_KEY}` +
    `&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/sdk/callback.html')}&state=${state}&display=popup`

  it('answers the token in the fragment, and records the user’s approval of the app', async () => {
    sim.control.revokeUserTokens(grace.id)
    expect(sim.control.app().selfAuthorizedUserIds).not.toContain(grace.id)
    const back = await authorizeWithForms(userAgentUrl('/canvas'), {
      username: grace.username,
      password: grace.password,
    })
    expect(back.search).toBe('')
    const fragment = Object.fromEntries(new URLSearchParams(back.hash.slice(1)))
    expect(fragment).toMatchObject({
      instance_url: sim.url,
      id: `${sim.url}/id/${grace.organizationId}/${grace.id}`,
      token_type: 'Bearer',
      state: '/canvas',
      issued_at: expect.stringMatching(/^\d{13}$/),
    })
    expect(fragment.refresh_token).toBeUndefined()
    // The Canvas SDK decodes the fragment with decodeURIComponent: the token must survive that.
    const sdkToken = decodeURIComponent(/access_token=([^&]+)/.exec(back.hash)![1])
    expect(sdkToken).toBe(fragment.access_token)
    const conn = new Connection({ instanceUrl: sim.url, accessToken: sdkToken, version: '60.0' })
    expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(20)
    expect(sim.control.app().selfAuthorizedUserIds).toContain(grace.id)
  })

  it('answers a denial in the fragment too, and records no approval', async () => {
    sim.control.revokeUserTokens(ada.id)
    const back = await authorizeWithForms(userAgentUrl('s2'), {
      username: ada.username,
      password: ada.password,
      decision: 'deny',
    })
    expect(Object.fromEntries(new URLSearchParams(back.hash.slice(1)))).toEqual({
      error: 'access_denied',
      error_description: 'end-user denied authorization',
      state: 's2',
    })
    expect(sim.control.app().selfAuthorizedUserIds).not.toContain(ada.id)
  })
})

describe('refresh tokens', () => {
  it('after every session expires, the next query refreshes transparently', async () => {
    const { conn } = await connectWithSalesforce(grace)
    const before = conn.accessToken
    const refreshed: string[] = []
    conn.on('refresh', (token: string) => refreshed.push(token))

    const expired = await fetch(`${sim.url}/_sim/sessions/expire`, { method: 'POST' }).then((r) => r.json())
    expect(expired.expired).toBeGreaterThan(0)
    const raw = await fetch(`${sim.url}/services/data/v60.0/limits`, { headers: { authorization: `Bearer ${before}` } })
    expect(raw.status).toBe(401)
    expect(await raw.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }])

    const result = await conn.query('SELECT COUNT() FROM Contact')
    expect(result.totalSize).toBe(20)
    expect(refreshed).toHaveLength(1)
    expect(conn.accessToken).not.toBe(before)
    expect(sim.control.counters().logins.byKind.refresh).toEqual({ success: 1, failure: 0 })
  })

  it('a connection built from a stored refresh token works without any access token', async () => {
    const { conn: first } = await connectWithSalesforce(ada)
    const conn = new Connection({
      oauth2: oauth2(),
      instanceUrl: sim.url,
      refreshToken: first.refreshToken!,
      version: '60.0',
    })
    const result = await conn.query('SELECT COUNT() FROM Lead')
    expect(result.totalSize).toBe(5)
  })

  it('revoking the refresh token kills its access tokens and later refreshes', async () => {
    const { conn, client } = await connectWithSalesforce(ada)
    await client.revokeToken(conn.refreshToken!)
    const raw = await fetch(`${sim.url}/services/data/v60.0/limits`, {
      headers: { authorization: `Bearer ${conn.accessToken}` },
    })
    expect(raw.status).toBe(401)
    await expect(client.refreshToken(conn.refreshToken!)).rejects.toMatchObject({
      name: 'invalid_grant',
      message: 'expired access/refresh token',
    })
    await expect(conn.query('SELECT Id FROM Contact LIMIT 1')).rejects.toThrow(/expired access\/refresh token/)
    expect(sim.control.counters().logins.byKind.refresh.failure).toBeGreaterThanOrEqual(1)
  })

  it('revoking an access token leaves the refresh token usable', async () => {
    const { conn, client } = await connectWithSalesforce(grace)
    await client.revokeToken(conn.accessToken!)
    await expect(client.refreshToken(conn.refreshToken!)).resolves.toHaveProperty('access_token')
  })

  it('answers an unknown token to revoke with 400', async () => {
    await expect(oauth2().revokeToken('not-a-token')).rejects.toMatchObject({ name: 'invalid_token' })
  })

  it('revoking all of a user’s tokens (control) ends their refresh tokens too', async () => {
    const { conn, client } = await connectWithSalesforce(grace)
    await fetch(`${sim.url}/_sim/users/${grace.id}/revoke-tokens`, { method: 'POST' })
    await expect(client.refreshToken(conn.refreshToken!)).rejects.toMatchObject({ name: 'invalid_grant' })
  })
})

describe('refresh-token rotation', () => {
  const refreshFields = (refreshToken: string) => ({
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: DEFAULT_CONSUMER_KEY,
    client_secret: DEFAULT_CONSUMER_SECRET,
  })
  const setApp = (body: unknown) =>
    fetch(`${sim.url}/_sim/app`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: await r.json() }))

  afterEach(() => sim.control.setApp({ refreshTokenRotation: false }))

  it('is off by default: a refresh answers no new refresh token and the old one keeps working', async () => {
    expect(await fetch(`${sim.url}/_sim/app`).then((r) => r.json())).toMatchObject({
      consumerKey: DEFAULT_CONSUMER_KEY,
      permittedUsers: 'admin_preauthorized',
      refreshTokenRotation: false,
    })
    const { conn } = await connectWithSalesforce(ada)
    const first = await tokenRequest(refreshFields(conn.refreshToken!))
    expect(first.status).toBe(200)
    expect(first.body.refresh_token).toBeUndefined()
    expect((await tokenRequest(refreshFields(conn.refreshToken!))).status).toBe(200)
  })

  it('with rotation on, each refresh answers a new refresh token and kills the one it used', async () => {
    expect(await setApp({ refreshTokenRotation: true })).toMatchObject({
      status: 200,
      body: { refreshTokenRotation: true },
    })
    const { conn } = await connectWithSalesforce(grace)
    const original = conn.refreshToken!
    const first = await tokenRequest(refreshFields(original))
    expect(first.status).toBe(200)
    expect(first.body.refresh_token).toMatch(/^5Aep861/)
    expect(first.body.refresh_token).not.toBe(original)

    // The old one is dead, exactly as Salesforce says it.
    expect(await tokenRequest(refreshFields(original))).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'expired access/refresh token' },
    })
    // The access token of the first refresh still works; the new refresh token rotates again.
    const limits = await fetch(`${sim.url}/services/data/v60.0/limits`, {
      headers: { authorization: `Bearer ${first.body.access_token}` },
    })
    expect(limits.status).toBe(200)
    const second = await tokenRequest(refreshFields(first.body.refresh_token))
    expect(second.status).toBe(200)
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token)
    expect((await tokenRequest(refreshFields(first.body.refresh_token))).status).toBe(400)
  })

  it('with rotation on, two parallel refreshes of one token: one wins, the other gets invalid_grant', async () => {
    sim.control.setApp({ refreshTokenRotation: true })
    const { conn } = await connectWithSalesforce(ada)
    const results = await Promise.all([
      tokenRequest(refreshFields(conn.refreshToken!)),
      tokenRequest(refreshFields(conn.refreshToken!)),
    ])
    expect(results.map((r) => r.status).sort()).toEqual([200, 400])
    expect(results.find((r) => r.status === 400)!.body).toEqual({
      error: 'invalid_grant',
      error_description: 'expired access/refresh token',
    })
  })

  it('jsforce keeps refreshing only if the client stores each rotated token', async () => {
    sim.control.setApp({ refreshTokenRotation: true })
    const { conn } = await connectWithSalesforce(grace)
    // jsforce hands the token response to 'refresh' listeners but keeps its old refresh token.
    conn.on('refresh', (_accessToken: string, res: { refresh_token?: string }) => {
      if (res.refresh_token) conn.refreshToken = res.refresh_token
    })
    for (let i = 0; i < 3; i++) {
      sim.control.expireSessions()
      expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(20)
    }
    expect(sim.control.counters().logins.byKind.refresh).toEqual({ success: 3, failure: 0 })

    const careless = (await connectWithSalesforce(ada)).conn
    sim.control.expireSessions()
    await careless.query('SELECT COUNT() FROM Contact')
    sim.control.expireSessions()
    await expect(careless.query('SELECT COUNT() FROM Contact')).rejects.toThrow(/expired access\/refresh token/)
  })

  it('refuses unknown app settings and wrong values', async () => {
    expect((await setApp({ refreshTokenRotation: 'yes' })).status).toBe(400)
    expect((await setApp({ permittedUsers: 'everyone' })).status).toBe(400)
    expect(await setApp({ consumerSecret: 'x' })).toEqual({
      status: 400,
      body: { error: 'not an app setting: consumerSecret' },
    })
  })
})

describe('JWT bearer flow', () => {
  beforeAll(async () => {
    const res = await fetch(`${sim.url}/_sim/jwt-certificates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ consumerKey: DEFAULT_CONSUMER_KEY, certificatePem: certificate.certificatePem }),
    })
    expect(res.status).toBe(204)
  })

  it('refuses a user the admin has not pre-authorised', async () => {
    const fresh = sim.control.createUser({
      username: 'not.approved@demo.sflink.test',
      firstName: 'Not',
      lastName: 'Approved',
    })
    const conn = new Connection({ oauth2: oauth2(), version: '60.0' })
    await expect(
      conn.authorize({ grant_type: JWT_GRANT, assertion: assertion({ sub: fresh.username }) }),
    ).rejects.toMatchObject({
      name: 'invalid_grant',
      message: "user hasn't approved this consumer",
    })
    expect(sim.control.counters().logins.byKind.jwt).toEqual({ success: 0, failure: 1 })
  })

  it('gives a pre-authorised user a session, without a refresh token', async () => {
    await fetch(`${sim.url}/_sim/users/${ada.id}/preauthorize`, { method: 'POST' })
    const conn = new Connection({ oauth2: oauth2(), version: '60.0' })
    const info = await conn.authorize({ grant_type: JWT_GRANT, assertion: assertion({}) })
    expect(info).toMatchObject({ id: ada.id, organizationId: ada.organizationId })
    expect(conn.refreshToken).toBeUndefined()
    expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(20)
    expect(sim.control.counters().logins.byKind.jwt.success).toBe(1)
  })

  it('accepts login.salesforce.com and test.salesforce.com as audience', async () => {
    sim.control.preauthorize(ada.id)
    for (const aud of ['https://login.salesforce.com', 'https://test.salesforce.com']) {
      const { status, body } = await tokenRequest({ grant_type: JWT_GRANT, assertion: assertion({ aud }) })
      expect(status, JSON.stringify(body)).toBe(200)
    }
  })

  it('checks signature, issuer, audience, expiry and user', async () => {
    sim.control.preauthorize(ada.id)
    const otherKey = createSelfSignedCertificate('someone-else').privateKeyPem
    const cases: [Record<string, unknown>, string | undefined, { error: string; error_description: string }][] = [
      [{}, otherKey, { error: 'invalid_grant', error_description: 'invalid assertion' }],
      [{ aud: 'https://example.com' }, undefined, { error: 'invalid_grant', error_description: 'audience is invalid' }],
      [
        { iss: 'SOME_OTHER_APP' },
        undefined,
        { error: 'invalid_client_id', error_description: 'client identifier invalid' },
      ],
      [
        { exp: Math.floor(Date.now() / 1000) - 60 },
        undefined,
        { error: 'invalid_grant', error_description: 'expired authorization code' },
      ],
      [
        { exp: Math.floor(Date.now() / 1000) + 3600 },
        undefined,
        { error: 'invalid_grant', error_description: 'invalid assertion' },
      ],
      [{ sub: 'nobody@example.com' }, undefined, { error: 'invalid_grant', error_description: 'invalid assertion' }],
    ]
    for (const [claims, key, expected] of cases) {
      const { status, body } = await tokenRequest({ grant_type: JWT_GRANT, assertion: assertion(claims, key) })
      expect({ status, body }).toEqual({ status: 400, body: expected })
    }
  })
})

describe('token endpoint errors and identity', () => {
  it('answers an unknown grant type, a bad refresh token and a wrong secret exactly as Salesforce', async () => {
    expect(await tokenRequest({ grant_type: 'magic', client_id: DEFAULT_CONSUMER_KEY })).toEqual({
      status: 400,
      body: { error: 'unsupported_grant_type', error_description: 'grant type not supported' },
    })
    expect(
      await tokenRequest({
        grant_type: 'refresh_token',
        refresh_token: '5Aep861nope',
        client_id: DEFAULT_CONSUMER_KEY,
        client_secret: DEFAULT_CONSUMER_SECRET,
      }),
    ).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'expired access/refresh token' },
    })
    expect(
      await tokenRequest({
        grant_type: 'refresh_token',
        refresh_token: '5Aep861nope',
        client_id: DEFAULT_CONSUMER_KEY,
        client_secret: 'wrong',
      }),
    ).toEqual({
      status: 400,
      body: { error: 'invalid_client', error_description: 'invalid client credentials' },
    })
  })

  it('blocks the OAuth username-password flow unless the org allows it', async () => {
    const conn = new Connection({ oauth2: oauth2(), version: '60.0' })
    await expect(conn.login(ada.username, ada.password + ada.securityToken)).rejects.toMatchObject({
      name: 'invalid_grant',
      message: 'authentication failure',
    })
    sim.control.setOrgSettings(ada.organizationId, { oauthPasswordFlowEnabled: true })
    try {
      await expect(conn.login(ada.username, ada.password + ada.securityToken)).resolves.toMatchObject({ id: ada.id })
      await expect(conn.login(ada.username, ada.password)).rejects.toMatchObject({ name: 'invalid_grant' })
    } finally {
      sim.control.setOrgSettings(ada.organizationId, { oauthPasswordFlowEnabled: false })
    }
  })

  it('serves the identity URL and userinfo for the session’s user', async () => {
    const { conn } = await connectWithSalesforce(ada)
    const identity = await conn.identity()
    expect(identity).toMatchObject({
      user_id: ada.id,
      organization_id: ada.organizationId,
      username: ada.username,
      display_name: 'Ada Lovelace',
      email: ada.email,
    })
    expect(identity.urls.rest).toBe(`${sim.url}/services/data/v{version}/`)
    const userinfo = await fetch(`${sim.url}/services/oauth2/userinfo`, {
      headers: { authorization: `Bearer ${conn.accessToken}` },
    }).then((r) => r.json())
    expect(userinfo).toMatchObject({
      user_id: ada.id,
      organization_id: ada.organizationId,
      preferred_username: ada.username,
    })
    const bad = await fetch(`${sim.url}/id/${ada.organizationId}/${ada.id}`, {
      headers: { authorization: 'Bearer nope' },
    })
    expect(bad.status).toBe(403)
  })
})

describe('session inactivity timeout', () => {
  it('ends a session after the org’s timeout without activity; activity keeps it alive', async () => {
    let clock = Date.now()
    const timed = await createSalesforceSimulator({
      data: { contacts: 3, leads: 0, campaigns: 0 },
      now: () => clock,
      sessionTimeoutSeconds: 600,
    })
    try {
      const [user] = timed.control.users()
      const conn = new Connection({ loginUrl: timed.url, version: '60.0' })
      await conn.login(user.username, user.password + user.securityToken)
      const token = conn.accessToken!
      const query = () =>
        fetch(`${timed.url}/services/data/v60.0/query?q=SELECT+Id+FROM+Contact`, {
          headers: { authorization: `Bearer ${token}` },
        })
      clock += 500_000
      expect((await query()).status).toBe(200)
      clock += 500_000
      expect((await query()).status).toBe(200)
      clock += 600_001
      const res = await query()
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }])
    } finally {
      await timed.close()
    }
  })
})
