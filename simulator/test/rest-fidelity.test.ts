// Defects found by running jsforce's own test suite and other Salesforce clients against the
// simulator: documented URLs with a trailing slash, the full /limits set, and Salesforce's error
// shapes for unknown paths and methods; Sforce-Limit-Info on every REST answer of a session.
import { Connection } from 'jsforce'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SimUser } from '../src/index.js'
import { createSalesforceSimulator, type SalesforceSimulator } from '../src/index.js'

let sim: SalesforceSimulator
let ada: SimUser
let conn: Connection

async function get(path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(`${sim.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${conn.accessToken}`, ...(init.headers as Record<string, string>) },
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
}

beforeAll(async () => {
  sim = await createSalesforceSimulator({ data: { contacts: 30, leads: 10, campaigns: 1 }, apiRequestCap: 5000 })
  ada = sim.control.users()[0]
  conn = new Connection({ loginUrl: sim.url, version: '64.0' })
  await conn.login(ada.username, ada.password + ada.securityToken)
})

afterAll(() => sim.close())

describe('documented URLs with a trailing slash', () => {
  it('answers query/ and queryAll/ like query and queryAll', async () => {
    const q = encodeURIComponent('SELECT Id, Email FROM Contact')
    const plain = await get(`/services/data/v64.0/query?q=${q}`)
    const slashed = await get(`/services/data/v64.0/query/?q=${q}`)
    expect(slashed.status).toBe(200)
    expect(slashed.body).toEqual(plain.body)
    expect(slashed.body.totalSize).toBe(30)
    const all = await get(`/services/data/v64.0/queryAll/?q=${encodeURIComponent('SELECT COUNT() FROM Lead')}`)
    expect(all).toMatchObject({ status: 200, body: { totalSize: 10, done: true } })
  })

  it('answers the resources, describe and limits URLs with a slash', async () => {
    expect((await get('/services/data/')).body).toEqual((await get('/services/data')).body)
    const resources = await get('/services/data/v64.0/')
    expect(resources).toMatchObject({ status: 200, body: { query: '/services/data/v64.0/query' } })
    const global = await get('/services/data/v64.0/sobjects/')
    expect(global.status).toBe(200)
    expect(global.body.sobjects.map((s: { name: string }) => s.name)).toContain('Contact')
    const basic = await get('/services/data/v64.0/sobjects/Contact/')
    expect(basic).toMatchObject({ status: 200, body: { objectDescribe: { name: 'Contact' } } })
    const describe = await get('/services/data/v64.0/sobjects/Contact/describe/')
    expect(describe).toMatchObject({ status: 200, body: { name: 'Contact' } })
    expect((await get('/services/data/v64.0/limits/')).status).toBe(200)
  })
})

describe('/limits', () => {
  it('answers the full documented set, with the org’s real API usage and data storage', async () => {
    sim.control.resetApiUsage()
    const limits = await conn.limits()
    const names = Object.keys(limits)
    expect(names).toHaveLength(50)
    expect(names).toEqual([...names].sort())
    for (const name of [
      'DailyApiRequests',
      'DailyAsyncApexExecutions',
      'DailyBulkApiBatches',
      'DailyBulkV2QueryJobs',
      'DailyStreamingApiEvents',
      'DataStorageMB',
      'FileStorageMB',
      'HourlyODataCallout',
      'MassEmail',
      'SingleEmail',
      'StreamingApiConcurrentClients',
    ]) {
      expect(limits[name], name).toEqual({ Max: expect.any(Number), Remaining: expect.any(Number) })
      expect(limits[name].Remaining).toBeLessThanOrEqual(limits[name].Max)
    }
    expect(limits.PermissionSets).toMatchObject({ CreateCustom: { Max: 1000 } })
    // This call was the first of the day: one used.
    expect(limits.DailyApiRequests).toEqual({ Max: 5000, Remaining: 4999 })
    await conn.query('SELECT Id FROM Contact LIMIT 1')
    await conn.query('SELECT Id FROM Lead LIMIT 1')
    expect((await conn.limits()).DailyApiRequests).toEqual({ Max: 5000, Remaining: 4996 })
    expect(conn.limitInfo.apiUsage).toEqual({ used: 4, limit: 5000 })

    // 2 KB a record, as Salesforce counts: 1,000 more contacts use about 2 MB more.
    const before = limits.DataStorageMB.Remaining
    sim.control.seed({ contacts: 1030, leads: 10, campaigns: 1 })
    expect((await conn.limits()).DataStorageMB.Remaining).toBeLessThan(before - 1)
  })
})

describe('unknown paths and methods', () => {
  it('answers an unknown path with Salesforce’s NOT_FOUND, with or without a session', async () => {
    for (const path of ['/services/data/v64.0/nothing/here', '/services/apexrest/none', '/nowhere']) {
      const res = await get(path)
      expect({ path, status: res.status, body: res.body }).toEqual({
        path,
        status: 404,
        body: [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }],
      })
    }
    const anonymous = await fetch(`${sim.url}/services/data/v64.0/nothing`)
    expect(anonymous.status).toBe(404)
    expect(await anonymous.json()).toEqual([
      { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
    ])
  })

  it('answers a known path with the wrong method with 405 METHOD_NOT_ALLOWED', async () => {
    const res = await get(`/services/data/v64.0/query/?q=${encodeURIComponent('SELECT Id FROM Contact')}`, {
      method: 'DELETE',
    })
    expect(res.status).toBe(405)
    expect(res.body).toEqual([
      { message: "HTTP Method 'DELETE' not allowed. Allowed are GET,HEAD", errorCode: 'METHOD_NOT_ALLOWED' },
    ])
    expect(res.headers.get('allow')).toBe('GET,HEAD')
    const limits = await get('/services/data/v64.0/limits', { method: 'POST' })
    expect(limits).toMatchObject({ status: 405, body: [{ errorCode: 'METHOD_NOT_ALLOWED' }] })
    // jsforce surfaces it under Salesforce's code.
    await expect(conn.request({ method: 'DELETE', url: '/services/data/v64.0/limits' })).rejects.toMatchObject({
      errorCode: 'METHOD_NOT_ALLOWED',
    })
  })

  it('answers an unknown control route in the control API’s own shape', async () => {
    const res = await fetch(`${sim.url}/_sim/nothing`)
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: 'unknown control route: GET /_sim/nothing' })
  })
})

describe('Sforce-Limit-Info', () => {
  it('is on every REST answer of a live session, errors included', async () => {
    const ok = await get('/services/data/v64.0/sobjects')
    const bad = await get(`/services/data/v64.0/query?q=${encodeURIComponent('SELECT FROM')}`)
    const missing = await get('/services/data/v64.0/nothing')
    const wrongMethod = await get('/services/data/v64.0/sobjects', { method: 'DELETE' })
    expect(bad.status).toBe(400)
    for (const res of [ok, bad, missing, wrongMethod]) {
      expect(res.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/5000$/)
    }
    const anonymous = await fetch(`${sim.url}/services/data/v64.0/sobjects`)
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('sforce-limit-info')).toBeNull()
  })
})
