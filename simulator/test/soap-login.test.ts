// SOAP login() against the simulator with real jsforce: token rules, resets, lockout, limits.
import { Connection } from 'jsforce'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { OutboxEntry, SimUser } from '../src/index.js'
import { createSalesforceSimulator, type SalesforceSimulator } from '../src/index.js'

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
    await expect(login(ada.username, ada.password + ada.securityToken, '65.0')).rejects.toThrow(/^INVALID_OPERATION/)
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
