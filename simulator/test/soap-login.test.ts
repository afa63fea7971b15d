// SOAP login() against the simulator with real jsforce: token rules, resets, lockout, limits.
import { Connection, OAuth2 } from 'jsforce'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { OutboxEntry, SimUser } from '../src/index.js'
import {
  createSalesforceSimulator,
  DEFAULT_CONSUMER_KEY,
  DEFAULT_CONSUMER_SECRET,
  type SalesforceSimulator,
} from '../src/index.js'
import { authorizeWithForms } from '../src/testing/oauth-forms.js'

let sim: SalesforceSimulator
let ada: SimUser

const connection = (version = '60.0') => new Connection({ loginUrl: sim.url, version })
const login = (username: string, password: string, version?: string) => connection(version).login(username, password)

async function simPost(path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  expect(res.ok, `${path} → ${res.status}`).toBe(true)
  return res.status === 204 ? undefined : res.json()
}

async function simGet(path: string): Promise<any> {
  const res = await fetch(`${sim.url}${path}`)
  expect(res.ok).toBe(true)
  return res.json()
}

function soapEnvelope(username: string, password: string): string {
  return `<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header/><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>${username}</username><password>${password}</password></login></se:Body></se:Envelope>`
}

beforeAll(async () => {
  sim = await createSalesforceSimulator({ data: false })
  ada = sim.control.users()[0]
})

afterAll(() => sim.close())

beforeEach(() => {
  ada = sim.control.users()[0]
  for (const u of sim.control.users()) sim.control.unlockUser(u.id)
  sim.control.setOrgSettings(ada.organizationId, {
    trustedIpRanges: [],
    soapLoginEnabled: true,
    useAnyApiAuthEnforced: false,
    apiEnabled: true,
    maxInvalidLoginAttempts: 5,
    loginRateLimitPerHour: 3600,
  })
  sim.control.resetCounters()
})

describe('outside the trusted IP ranges', () => {
  it('logs in with the password followed by the security token, and the session works', async () => {
    const conn = connection()
    const info = await conn.login(ada.username, ada.password + ada.securityToken)
    expect(info).toMatchObject({ id: ada.id, organizationId: ada.organizationId })
    expect(conn.instanceUrl).toBe(sim.url)
    expect(conn.accessToken).toMatch(new RegExp(`^${ada.organizationId.slice(0, 15)}!AQ`))
    const result = await conn.query('SELECT Id, Username FROM User')
    expect(result.records.map((r: any) => r.Username)).toContain(ada.username)
  })

  it('answers LOGIN_MUST_USE_SECURITY_TOKEN for the right password without the token', async () => {
    await expect(login(ada.username, ada.password)).rejects.toThrow(/^LOGIN_MUST_USE_SECURITY_TOKEN: /)
  })

  it('answers INVALID_LOGIN for a wrong password, a wrong token or an unknown user', async () => {
    await expect(login(ada.username, 'wrong' + ada.securityToken)).rejects.toThrow(
      'INVALID_LOGIN: Invalid username, password, security token; or user locked out.',
    )
    await expect(login(ada.username, ada.password + 'X'.repeat(24))).rejects.toThrow(/^INVALID_LOGIN/)
    await expect(login('nobody@example.com', 'whatever')).rejects.toThrow(/^INVALID_LOGIN/)
    const counters = sim.control.counters()
    expect(counters.logins.failure).toBe(3)
    expect(counters.logins.unknownUsername).toBe(1)
    expect(counters.logins.byCode.INVALID_LOGIN).toBe(3)
  })
})

describe('inside the trusted IP ranges', () => {
  beforeEach(() => {
    sim.control.setOrgSettings(ada.organizationId, { trustedIpRanges: ['127.0.0.0/8', '::1/128'] })
  })

  it('accepts the password alone, and the password with the token', async () => {
    await expect(login(ada.username, ada.password)).resolves.toMatchObject({ id: ada.id })
    await expect(login(ada.username, ada.password + ada.securityToken)).resolves.toMatchObject({ id: ada.id })
    expect(sim.control.counters().logins.byKind.soap).toEqual({ success: 2, failure: 0 })
  })

  it('still refuses a wrong password', async () => {
    await expect(login(ada.username, 'not-the-password')).rejects.toThrow(/^INVALID_LOGIN/)
  })

  it('accepts a range written as first-last address', async () => {
    sim.control.setOrgSettings(ada.organizationId, { trustedIpRanges: ['127.0.0.1-127.0.0.9'] })
    await expect(login(ada.username, ada.password)).resolves.toMatchObject({ id: ada.id })
  })
})

describe('security token lifecycle', () => {
  it('a reset kills the old token at once; the new one arrives by email and works', async () => {
    const before = sim.control.outbox(ada.email).length
    const { securityToken } = await simPost(`/_sim/users/${ada.id}/reset-token`)
    expect(securityToken).toMatch(/^[A-Za-z0-9]{24}$/)
    expect(securityToken).not.toBe(ada.securityToken)

    await expect(login(ada.username, ada.password + ada.securityToken)).rejects.toThrow(/^INVALID_LOGIN/)

    const outbox: OutboxEntry[] = await simGet(`/_sim/outbox?to=${encodeURIComponent(ada.email)}`)
    expect(outbox).toHaveLength(before + 1)
    const mail = outbox.at(-1)!
    expect(mail).toMatchObject({ to: ada.email, subject: 'Your new Salesforce security token', userId: ada.id })
    const emailed = /Security token \(case-sensitive\): ([A-Za-z0-9]{24})/.exec(mail.body)![1]
    expect(emailed).toBe(securityToken)

    await expect(login(ada.username, ada.password + emailed)).resolves.toMatchObject({ id: ada.id })
  })

  it('a password change issues a new token too', async () => {
    const grace = sim.control.users()[1]
    const { securityToken } = await simPost(`/_sim/users/${grace.id}/password`, { password: 'A-brand-new-password-1' })
    await expect(login(grace.username, grace.password + grace.securityToken)).rejects.toThrow(/^INVALID_LOGIN/)
    await expect(login(grace.username, 'A-brand-new-password-1' + grace.securityToken)).rejects.toThrow(
      /^INVALID_LOGIN/,
    )
    await expect(login(grace.username, 'A-brand-new-password-1' + securityToken)).resolves.toMatchObject({
      id: grace.id,
    })
    expect(sim.control.outbox(grace.email).at(-1)!.body).toContain(securityToken)
  })
})

describe('lockout and limits', () => {
  it('locks the user out after 5 failures: even the right credentials then fail, and the counters show it', async () => {
    for (let i = 0; i < 5; i++) await expect(login(ada.username, `bad-${i}`)).rejects.toThrow(/^INVALID_LOGIN/)
    await expect(login(ada.username, ada.password + ada.securityToken)).rejects.toThrow(/^INVALID_LOGIN/)

    const user = sim.control.user(ada.id)
    expect(user.lockedUntil).not.toBeNull()
    expect(Date.parse(user.lockedUntil!) - Date.now()).toBeGreaterThan(14 * 60_000)
    const counters = await simGet('/_sim/counters')
    expect(counters.logins.byUser[ada.id]).toEqual({ success: 0, failure: 6 })
    expect(counters.logins.byKind.soap).toEqual({ success: 0, failure: 6 })

    await simPost(`/_sim/users/${ada.id}/unlock`)
    await expect(login(ada.username, ada.password + ada.securityToken)).resolves.toMatchObject({ id: ada.id })
  })

  it('honours the org lockout threshold', async () => {
    sim.control.setOrgSettings(ada.organizationId, { maxInvalidLoginAttempts: 2 })
    await expect(login(ada.username, 'bad')).rejects.toThrow(/^INVALID_LOGIN/)
    await expect(login(ada.username, ada.password + ada.securityToken)).resolves.toBeDefined()
    await expect(login(ada.username, 'bad')).rejects.toThrow(/^INVALID_LOGIN/)
    await expect(login(ada.username, 'bad')).rejects.toThrow(/^INVALID_LOGIN/)
    await expect(login(ada.username, ada.password + ada.securityToken)).rejects.toThrow(/^INVALID_LOGIN/)
  })

  it('answers LOGIN_RATE_EXCEEDED over the hourly login limit', async () => {
    sim.control.setOrgSettings(ada.organizationId, { loginRateLimitPerHour: 2 })
    const fresh = await simPost('/_sim/users', {
      username: 'rate.limited@demo.sflink.test',
      password: 'Rate-Limited-1',
      firstName: 'Rate',
      lastName: 'Limited',
    })
    await login(fresh.username, fresh.password + fresh.securityToken)
    await login(fresh.username, fresh.password + fresh.securityToken)
    await expect(login(fresh.username, fresh.password + fresh.securityToken)).rejects.toThrow(/^LOGIN_RATE_EXCEEDED/)
    expect(sim.control.counters().logins.byCode.LOGIN_RATE_EXCEEDED).toBe(1)
  })
})

describe('org switches and API versions', () => {
  it('answers INVALID_OPERATION when SOAP login() is switched off', async () => {
    await fetch(`${sim.url}/_sim/orgs/${ada.organizationId}/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ soapLoginEnabled: false }),
    })
    await expect(login(ada.username, ada.password + ada.securityToken)).rejects.toThrow(/^INVALID_OPERATION/)
  })

  it('answers INVALID_OPERATION from API 65.0, where login() is gone', async () => {
    await expect(login(ada.username, ada.password + ada.securityToken, '65.0')).rejects.toThrow(
      'INVALID_OPERATION: The SOAP Login operation is not available in the API version specified (65.0). ' +
        'Refer to the documentation for supported versions.',
    )
    await expect(login(ada.username, ada.password + ada.securityToken, '66.0')).rejects.toThrow(/^INVALID_OPERATION/)
    await expect(login(ada.username, ada.password + ada.securityToken, '64.0')).resolves.toBeDefined()
  })

  it('answers API_DISABLED_FOR_ORG when the org has no API access', async () => {
    sim.control.setOrgSettings(ada.organizationId, { apiEnabled: false })
    await expect(login(ada.username, ada.password + ada.securityToken)).rejects.toThrow(/^API_DISABLED_FOR_ORG/)
  })

  it('reports passwordExpired=true for an expired password (jsforce refuses such a session)', async () => {
    const grace = sim.control.users()[1]
    sim.control.setPasswordExpired(grace.id, true)
    try {
      await expect(login(grace.username, grace.password + grace.securityToken)).rejects.toThrow(
        'Unable to login because the used password has expired.',
      )
      const raw = await fetch(`${sim.url}/services/Soap/u/60.0`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', SOAPAction: '""' },
        body: soapEnvelope(grace.username, grace.password + grace.securityToken),
      })
      expect(raw.status).toBe(200)
      expect(await raw.text()).toContain('<passwordExpired>true</passwordExpired>')
    } finally {
      sim.control.setPasswordExpired(grace.id, false)
    }
  })
})

describe('wire format', () => {
  it('answers a login with Salesforce’s loginResponse', async () => {
    const res = await fetch(`${sim.url}/services/Soap/u/59.0`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', SOAPAction: '""' },
      body: soapEnvelope(ada.username, `${ada.password}${ada.securityToken}`.replace(/&/g, '&amp;')),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/)
    const xml = await res.text()
    expect(xml).toContain('xmlns="urn:partner.soap.sforce.com"')
    const org15 = ada.organizationId.slice(0, 15)
    expect(xml).toContain(`<serverUrl>${sim.url}/services/Soap/u/59.0/${org15}</serverUrl>`)
    expect(xml).toContain(`<metadataServerUrl>${sim.url}/services/Soap/m/59.0/${org15}</metadataServerUrl>`)
    expect(xml).toContain(`<userId>${ada.id}</userId>`)
    expect(xml).toMatch(
      /<userInfo>.*<organizationId>00D\w{15}<\/organizationId>.*<userName>ada@demo\.sflink\.test<\/userName>.*<\/userInfo>/,
    )
    expect(xml).toMatch(/<sessionId>00D\w{12}!AQ[\w.]+<\/sessionId>/)
  })

  it('answers a failure with a SOAP fault carrying the sf: code', async () => {
    const res = await fetch(`${sim.url}/services/Soap/u/59.0`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', SOAPAction: '""' },
      body: soapEnvelope(ada.username, 'nope'),
    })
    expect(res.status).toBe(500)
    const xml = await res.text()
    expect(xml).toContain('xmlns:sf="urn:fault.partner.soap.sforce.com"')
    expect(xml).toContain('<faultcode>sf:INVALID_LOGIN</faultcode>')
    expect(xml).toContain('<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>')
  })

  it('logs out a SOAP session', async () => {
    const conn = connection()
    await conn.login(ada.username, ada.password + ada.securityToken)
    const token = conn.accessToken!
    await conn.logout()
    const res = await fetch(`${sim.url}/services/data/v60.0/limits`, { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(401)
  })
})

async function simPut(path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sim.url}${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: await res.json() }
}

async function rawLogin(username: string, password: string): Promise<{ status: number; xml: string }> {
  const res = await fetch(`${sim.url}/services/Soap/u/64.0`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml', SOAPAction: '""' },
    body: soapEnvelope(username, password),
  })
  return { status: res.status, xml: await res.text() }
}

const DISABLED =
  'INVALID_OPERATION: SOAP API login() is disabled by default in this org. ' +
  'Contact the org administrator to enable SOAP API login().'
const NO_PERMISSION = 'INSUFFICIENT_ACCESS: SOAP API login() requires the Use Any API Auth user permission.'

describe('orgs created in Winter ’26 or later, and the “Use Any API Auth” permission', () => {
  it('keeps the seeded demo org as it was: SOAP login() on, the permission not enforced', async () => {
    const orgs = await simGet('/_sim/orgs')
    expect(orgs[0]).toMatchObject({ id: ada.organizationId, createdAfterWinter26: false })
    expect(await simGet(`/_sim/orgs/${ada.organizationId}/settings`)).toMatchObject({
      soapLoginEnabled: true,
      useAnyApiAuthEnforced: false,
    })
    expect(ada.useAnyApiAuth).toBe(false)
    await expect(login(ada.username, ada.password + ada.securityToken)).resolves.toMatchObject({ id: ada.id })
  })

  it('a new org has login() off; switched on, a user without the permission gets INSUFFICIENT_ACCESS until granted', async () => {
    const org = await simPost('/_sim/orgs', { name: 'Winter 26 Org' })
    expect(org).toMatchObject({
      createdAfterWinter26: true,
      settings: { soapLoginEnabled: false, useAnyApiAuthEnforced: true },
    })
    const user: SimUser = await simPost('/_sim/users', {
      organizationId: org.id,
      username: 'hedy@winter26.test',
      password: 'Lamarr-1914!',
      firstName: 'Hedy',
      lastName: 'Lamarr',
    })
    const credentials = user.password + user.securityToken

    await expect(login(user.username, credentials)).rejects.toThrow(DISABLED)
    const disabled = await rawLogin(user.username, credentials)
    expect(disabled.status).toBe(500)
    expect(disabled.xml).toContain('<faultcode>sf:INVALID_OPERATION</faultcode>')

    expect((await simPut(`/_sim/orgs/${org.id}/settings`, { soapLoginEnabled: true })).body).toMatchObject({
      soapLoginEnabled: true,
      useAnyApiAuthEnforced: true,
    })
    await expect(login(user.username, credentials)).rejects.toThrow(NO_PERMISSION)
    const refused = await rawLogin(user.username, credentials)
    expect(refused.xml).toContain('<faultcode>sf:INSUFFICIENT_ACCESS</faultcode>')
    expect(refused.xml).toContain('<sf:exceptionCode>INSUFFICIENT_ACCESS</sf:exceptionCode>')
    // A wrong password still answers INVALID_LOGIN: the permission is checked only for the right one.
    await expect(login(user.username, 'wrong' + user.securityToken)).rejects.toThrow(/^INVALID_LOGIN/)
    // The right password is no failed attempt: no lockout however often the permission is missing.
    for (let i = 0; i < 5; i++) await expect(login(user.username, credentials)).rejects.toThrow(/^INSUFFICIENT_ACCESS/)
    expect(sim.control.user(user.id)).toMatchObject({ lockedUntil: null, failedLoginAttempts: 0 })

    const granted = await simPut(`/_sim/users/${user.id}/permissions`, { useAnyApiAuth: true })
    expect(granted).toEqual({ status: 200, body: { useAnyApiAuth: true } })
    await expect(login(user.username, credentials)).resolves.toMatchObject({ id: user.id, organizationId: org.id })

    const counters = sim.control.counters()
    expect(counters.logins.byCode).toMatchObject({ INVALID_OPERATION: 2, INSUFFICIENT_ACCESS: 7, INVALID_LOGIN: 1 })
    expect(counters.logins.byOrg[org.id]).toEqual({ success: 1, failure: 10 })
  })

  it('Connect with Salesforce still works in a new org', async () => {
    const org = sim.control.createOrg({ name: 'OAuth Only Org' })
    const user = sim.control.createUser({
      organizationId: org.id,
      username: 'vint@oauth-only.test',
      password: 'Cerf-1943!',
      firstName: 'Vint',
      lastName: 'Cerf',
    })
    const client = new OAuth2({
      loginUrl: sim.url,
      clientId: DEFAULT_CONSUMER_KEY,
      clientSecret: DEFAULT_CONSUMER_SECRET,
      redirectUri: 'http://127.0.0.1:9/callback',
    })
    const back = await authorizeWithForms(client.getAuthorizationUrl({ scope: 'api refresh_token' }), {
      username: user.username,
      password: 'Cerf-1943!',
    })
    const conn = new Connection({ oauth2: client, version: '64.0' })
    await expect(conn.authorize(back.searchParams.get('code')!)).resolves.toMatchObject({ id: user.id })
    await expect(conn.query('SELECT Id FROM User')).resolves.toMatchObject({ totalSize: 1 })
  })

  it('an old org can enforce the permission too', async () => {
    sim.control.setOrgSettings(ada.organizationId, { useAnyApiAuthEnforced: true })
    await expect(login(ada.username, ada.password + ada.securityToken)).rejects.toThrow(NO_PERMISSION)
    sim.control.setUserPermissions(ada.id, { useAnyApiAuth: true })
    try {
      await expect(login(ada.username, ada.password + ada.securityToken)).resolves.toMatchObject({ id: ada.id })
      expect(sim.control.user(ada.id).useAnyApiAuth).toBe(true)
    } finally {
      sim.control.setUserPermissions(ada.id, { useAnyApiAuth: false })
    }
  })

  it('orgs of the start options can be new orgs, and run-time orgs can be old ones', async () => {
    const modern = await createSalesforceSimulator({
      data: false,
      orgs: [
        { name: 'New', createdAfterWinter26: true, users: [{ username: 'n@new.test', firstName: 'N', lastName: 'N' }] },
        { name: 'Old', users: [{ username: 'o@old.test', firstName: 'O', lastName: 'O', useAnyApiAuth: true }] },
      ],
    })
    try {
      const [newOrg, oldOrg] = modern.control.orgs()
      expect(newOrg.settings).toMatchObject({ soapLoginEnabled: false, useAnyApiAuthEnforced: true })
      expect(oldOrg.settings).toMatchObject({ soapLoginEnabled: true, useAnyApiAuthEnforced: false })
      expect(modern.control.user('o@old.test').useAnyApiAuth).toBe(true)
      expect(modern.control.createOrg({ name: 'Legacy', createdAfterWinter26: false }).settings).toMatchObject({
        soapLoginEnabled: true,
        useAnyApiAuthEnforced: false,
      })
    } finally {
      await modern.close()
    }
    const single = await createSalesforceSimulator({ data: false, createdAfterWinter26: true })
    try {
      expect(single.control.orgs()[0]).toMatchObject({
        createdAfterWinter26: true,
        settings: { soapLoginEnabled: false },
      })
    } finally {
      await single.close()
    }
  })

  it('refuses unknown permissions and settings of the wrong type', async () => {
    expect((await simPut(`/_sim/users/${ada.id}/permissions`, { modifyAllData: true })).status).toBe(400)
    expect((await simPut(`/_sim/users/${ada.id}/permissions`, { useAnyApiAuth: 'yes' })).status).toBe(400)
    expect((await simPut('/_sim/users/005000000000000AAA/permissions', { useAnyApiAuth: true })).status).toBe(404)
    const bad = await simPut(`/_sim/orgs/${ada.organizationId}/settings`, { soapLoginEnabled: 'false' })
    expect(bad).toEqual({ status: 400, body: { error: 'soapLoginEnabled must be a boolean' } })
    expect(sim.control.orgSettings(ada.organizationId).soapLoginEnabled).toBe(true)
  })
})
