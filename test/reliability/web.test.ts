/**
 * Web security rules (docs/spec.md §9, docs/api-contract.md): CSRF on every cookie-authenticated
 * state-changing /api route (read from the OpenAPI document), login brute force limits
 * per IP and per account, no SSRF through the environment URL, framing headers, the
 * session cookie's attributes, and error answers that never carry a stack trace.
 */
import crypto from 'node:crypto'
import net from 'node:net'
import type { InjectOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.js'
import { conformanceRequest } from '../helpers/canvas.js'
import { linkedAccount, simulatorConfig } from '../helpers/simulator-app.js'
import { createSalesforceSimulator, type SalesforceSimulator } from '@sf-link/simulator'
import { createPool } from '../../server/src/db/pool.js'
import { sessionKey, signSessionToken } from '../../server/src/http/session-tokens.js'
import { SALESFORCE_FRAME_ANCESTORS } from '../../server/src/http/security-headers.js'
import type { JobSender } from '../../server/src/jobs/sender.js'
import { ConfigError, loadConfig } from '../../server/src/config.js'
import { isStateChanging, listOperations, sampleRequest } from '../helpers/openapi.js'

/** The contract exempts these from CSRF: a browser that is not signed in yet has no token to send. */
const CSRF_EXEMPT = new Set(['POST /api/auth/login', 'POST /api/auth/signup', 'POST /api/auth/logout'])
const STACK_TRACE = /\n\s+at |\bat [\w.<>]+ \(|\.(ts|js|mjs):\d+|node_modules|\/work\/|ECONNREFUSED|DatabaseError/

const jobs: JobSender = { send: async () => 'job-id' }
let ipCounter = 0
/** A fresh client address: the SSRF and CSRF checks are not about rate limits. */
const freshIp = () => `203.0.113.${(ipCounter = (ipCounter % 250) + 1)}`

describe('web security', () => {
  let sim: SalesforceSimulator
  let t: TestApp
  let tokens: Awaited<ReturnType<typeof linkedAccount>>
  let csrf: string
  let sinkPort: number
  let sinkConnections = 0
  let sink: net.Server

  beforeAll(async () => {
    // A listener standing for an internal service: nothing may ever connect to it.
    sink = net.createServer((socket) => {
      sinkConnections++
      socket.destroy()
    })
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
    sinkPort = (sink.address() as net.AddressInfo).port
    sim = await createSalesforceSimulator({ canvasRefreshToken: false, data: { contacts: 10, leads: 2, campaigns: 1 } })
    t = await createTestApp({ config: (c) => simulatorConfig(c, sim, 'http://localhost:3000'), deps: { jobs } })
    tokens = await linkedAccount(t.app, sim, sim.control.users()[0]!.id, 'web@app.test')
    csrf = (await t.app.inject({ url: '/api/csrf', cookies: { sfl_session: tokens.cookie } })).json().csrfToken
  })
  afterAll(async () => {
    await t?.close()
    await sim?.close()
    await new Promise((resolve) => sink?.close(resolve))
  })

  it('every cookie-authenticated POST/PUT/PATCH/DELETE /api route refuses a missing or wrong CSRF token with 403 CSRF_INVALID', async () => {
    const ops = (await listOperations(t.app)).filter((op) => isStateChanging(op) && op.path.startsWith('/api/'))
    expect(ops.length).toBeGreaterThan(10)
    const wrong: string[] = []
    const checked: string[] = []
    for (const op of ops) {
      const name = `${op.method} ${op.path}`
      if (CSRF_EXEMPT.has(name)) continue
      const { url, payload } = sampleRequest(op)
      const base = {
        method: op.method,
        url,
        payload: payload as InjectOptions['payload'],
        cookies: { sfl_session: tokens.cookie },
        remoteAddress: freshIp(),
      }
      for (const [label, headers] of [
        ['no token', {}],
        ['wrong token', { 'x-csrf-token': `${csrf.slice(0, -2)}AA` }],
        ['empty token', { 'x-csrf-token': '' }],
        [
          'another session’s token',
          { 'x-csrf-token': crypto.createHmac('sha256', 'x').update('csrf:other').digest('base64url') },
        ],
      ] as const) {
        const res = await t.app.inject({ ...base, headers })
        if (res.statusCode !== 403 || res.json().code !== 'CSRF_INVALID')
          wrong.push(`${name} (${label}): ${res.statusCode} ${res.body.slice(0, 100)}`)
      }
      checked.push(name)
    }
    expect(wrong).toEqual([])
    expect(checked).toEqual(
      expect.arrayContaining([
        'PUT /api/salesforce/credentials',
        'PATCH /api/salesforce/credentials',
        'DELETE /api/salesforce/credentials',
        'POST /api/salesforce/oauth/ticket',
      ]),
    )
    // Control: the same requests with the right token get past the check (whatever they then answer).
    for (const op of ops.filter((o) => !CSRF_EXEMPT.has(`${o.method} ${o.path}`))) {
      const { url, payload } = sampleRequest(op)
      const res = await t.app.inject({
        method: op.method,
        url,
        payload: payload as InjectOptions['payload'],
        cookies: { sfl_session: tokens.cookie },
        headers: { 'x-csrf-token': csrf },
        remoteAddress: freshIp(),
      })
      expect(res.statusCode, `${op.method} ${op.path} with the right token`).toBeLessThan(500)
      expect(res.body, `${op.method} ${op.path} with the right token`).not.toContain('CSRF_INVALID')
    }
    // A bearer token needs no CSRF token (it cannot be sent by another site).
    const bearer = await t.app.inject({
      method: 'POST',
      url: '/api/salesforce/oauth/ticket',
      headers: { authorization: `Bearer ${tokens.standaloneToken}` },
      payload: {},
    })
    expect(bearer.statusCode).toBe(200)
  })

  it('login brute force: 429 per IP, and per account and IP (even with the right password), never for the owner elsewhere', async () => {
    const password = 'the right password for brute'
    for (const email of ['brute@app.test', 'bystander@app.test']) {
      expect(
        (
          await t.app.inject({
            method: 'POST',
            url: '/api/auth/signup',
            payload: { email, password },
            remoteAddress: freshIp(),
          })
        ).statusCode,
      ).toBe(201)
    }
    // Per IP: 20 attempts a minute, whatever the account.
    const ip = '192.0.2.77'
    const perIp: number[] = []
    for (let i = 0; i < 22; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: `nobody${i}@app.test`, password: 'wrong password!!' },
        remoteAddress: ip,
      })
      perIp.push(res.statusCode)
    }
    expect(perIp.slice(0, 20).every((s) => s === 401)).toBe(true)
    expect(perIp.slice(20)).toEqual([429, 429])
    const blocked = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'bystander@app.test', password },
      remoteAddress: ip,
    })
    expect(blocked.statusCode).toBe(429)
    expect(blocked.json().code).toBe('RATE_LIMITED')
    // Per account and address: 10 failures from one address make that address wait, even
    // with the right password (exponential backoff instead of a lock anyone could set off).
    const guesser = freshIp()
    for (let i = 0; i < 10; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'brute@app.test', password: `guess number ${i}` },
        remoteAddress: guesser,
      })
      expect(res.statusCode).toBe(401)
    }
    const locked = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'BRUTE@app.test ', password },
      remoteAddress: guesser,
    })
    expect(locked.statusCode).toBe(429)
    expect(locked.json().code).toBe('RATE_LIMITED')
    expect(locked.cookies.find((c) => c.name === 'sfl_session')).toBeUndefined()
    // The owner, from another address, is not locked out.
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: 'brute@app.test', password },
          remoteAddress: freshIp(),
        })
      ).statusCode,
    ).toBe(200)
    // The other account is not affected.
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: 'bystander@app.test', password },
          remoteAddress: freshIp(),
        })
      ).statusCode,
    ).toBe(200)
  })

  it('an environment URL outside Salesforce gives 400 SF_ENVIRONMENT_NOT_ALLOWED everywhere it is accepted, and nothing is contacted', async () => {
    const local = `127.0.0.1:${sinkPort}`
    const environments = [
      // Cloud metadata and internal addresses.
      'http://169.254.169.254',
      'https://169.254.169.254',
      'http://169.254.169.254/latest/meta-data/',
      'https://metadata.google.internal',
      'https://[fd00:ec2::254]',
      'https://[::ffff:169.254.169.254]',
      'https://2852039166',
      'https://0xA9FEA9FE',
      'https://0251.0376.0251.0376',
      'http://localhost',
      'https://localhost',
      'https://127.0.0.1',
      'https://0.0.0.0',
      'https://[::1]',
      `https://${local}`,
      `http://${local}`,
      `https://localhost:${sinkPort}`,
      // Salesforce-looking URLs that point elsewhere.
      'https://login.salesforce.com@evil.com',
      `https://login.salesforce.com@${local}`,
      'https://acme.my.salesforce.com:443@evil.com',
      'https://evil.com#.my.salesforce.com',
      `https://${local}#.my.salesforce.com`,
      'https://evil.com?.my.salesforce.com',
      'https://evil.com/.my.salesforce.com',
      'https://evil.com\\.my.salesforce.com',
      'https://acme.my.salesforce.com.evil.com',
      'https://my.salesforce.com.evil.com',
      'https://salesforce.com.evil.com',
      'https://evilsalesforce.com',
      'https://acme.my.salesforce.com:8443',
      'https://user:pass@acme.my.salesforce.com',
      'https://acme.my.salesforce.com/services',
      'https://evil.com',
      'HTTPS://EVIL.COM',
      // Schemes and shapes that are not an https origin.
      'http://acme.my.salesforce.com',
      'ftp://acme.my.salesforce.com',
      'file:///etc/passwd',
      `gopher://${local}/_`,
      'javascript:alert(1)',
      'data:text/plain,x',
      '//evil.com',
      'evil.com',
      'acme.my.salesforce.com',
      // IDN and Unicode tricks (the URL parser maps these to plain ASCII hosts).
      'https://acme.my.salesforce.com\u3002evil.com',
      'https://login.salesforce.com\uff0eevil.com',
      'https://ｅｖｉｌ.com',
      'https://evil.com\uff03.my.salesforce.com',
      'https://xn--80ak6aa92e.com',
      'https://acme.my.salesforce.co\u0433',
      'https://acme.my.salesforce.com\u2044evil.com',
    ]
    const wrong: string[] = []
    for (const environment of environments) {
      const put = await t.app.inject({
        method: 'PUT',
        url: '/api/salesforce/credentials',
        headers: { authorization: `Bearer ${tokens.standaloneToken}` },
        payload: { username: 'ada@demo.sflink.test', password: 'whatever', securityToken: 'x', environment },
        remoteAddress: freshIp(),
      })
      if (put.statusCode !== 400 || put.json().code !== 'SF_ENVIRONMENT_NOT_ALLOWED')
        wrong.push(`PUT ${JSON.stringify(environment)}: ${put.statusCode} ${put.body.slice(0, 80)}`)
      const ticket = await t.app.inject({
        method: 'POST',
        url: '/api/salesforce/oauth/ticket',
        headers: { authorization: `Bearer ${tokens.canvasToken}` },
        payload: { environment },
      })
      if (ticket.statusCode !== 400 || ticket.json().code !== 'SF_ENVIRONMENT_NOT_ALLOWED')
        wrong.push(`ticket ${JSON.stringify(environment)}: ${ticket.statusCode}`)
      const start = await t.app.inject({
        url: `/oauth/salesforce/start?environment=${encodeURIComponent(environment)}`,
        cookies: { sfl_session: tokens.cookie },
        remoteAddress: freshIp(),
      })
      if (start.statusCode !== 302 || !String(start.headers.location).endsWith('error=SF_ENVIRONMENT_NOT_ALLOWED'))
        wrong.push(`start ${JSON.stringify(environment)}: ${start.statusCode} ${start.headers.location}`)
    }
    expect(wrong).toEqual([])
    expect(sinkConnections).toBe(0)
    // Control: the configured Salesforce (the simulator here) passes the check and a wrong password is its answer.
    const control = await t.app.inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: { authorization: `Bearer ${tokens.standaloneToken}` },
      payload: { username: 'ada@demo.sflink.test', password: 'wrong', securityToken: 'x', environment: sim.url },
      remoteAddress: freshIp(),
    })
    expect(control.json().code).toBe('SF_INVALID_LOGIN')
  })

  it('SALESFORCE_EXTRA_HOSTS (the simulator outside demo mode) is refused in production and must be host:port', () => {
    const base = {
      SALESFORCE_CONSUMER_KEY: 'k',
      SALESFORCE_CONSUMER_SECRET: 's',
      ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
      SESSION_SECRET: 'x'.repeat(32),
    }
    expect(
      loadConfig({ ...base, APP_MODE: 'development', SALESFORCE_EXTRA_HOSTS: '127.0.0.1:3001, Sim.local:4000' })
        .salesforce.extraHosts,
    ).toEqual(['127.0.0.1:3001', 'sim.local:4000'])
    expect(loadConfig({ ...base, APP_MODE: 'development' }).salesforce.extraHosts).toEqual([])
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env)
        return []
      } catch (err) {
        return err instanceof ConfigError ? err.problems : [String(err)]
      }
    }
    const production = {
      ...base,
      APP_MODE: 'production',
      DATABASE_URL: 'postgres://db/x',
      PUBLIC_URL: 'https://sflink.example.com',
      NOTIFICATIONS: 'off',
    }
    expect(problems(production)).toEqual([])
    expect(problems({ ...production, SALESFORCE_EXTRA_HOSTS: '127.0.0.1:3001' }).join('\n')).toMatch(
      /SALESFORCE_EXTRA_HOSTS: not allowed when APP_MODE=production/,
    )
    for (const bad of ['evil.com', 'https://evil.com:443', '127.0.0.1:3001/x', 'a b:1']) {
      expect(problems({ ...base, APP_MODE: 'development', SALESFORCE_EXTRA_HOSTS: bad }).join('\n'), bad).toMatch(
        /SALESFORCE_EXTRA_HOSTS/,
      )
    }
  })

  it('framed routes carry CSP frame-ancestors with the Salesforce origins and no X-Frame-Options', async () => {
    const good = await t.app.inject({
      method: 'POST',
      url: '/canvas',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `signed_request=${encodeURIComponent(sim.control.signedRequest(sim.control.users()[0]!.id))}`,
    })
    expect(good.statusCode).toBe(200)
    const bad = await t.app.inject({
      method: 'POST',
      url: '/canvas',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'signed_request=x.y',
    })
    expect(bad.statusCode).toBe(400)
    for (const res of [
      await t.app.inject({ url: '/' }),
      good,
      bad,
      await t.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${tokens.canvasToken}` } }),
    ]) {
      expect(res.headers['x-frame-options']).toBeUndefined()
      const csp = String(res.headers['content-security-policy'])
      const ancestors = /(?:^|;\s*)frame-ancestors ([^;]+)/.exec(csp)?.[1]?.split(/\s+/) ?? []
      expect(ancestors).toEqual(expect.arrayContaining(SALESFORCE_FRAME_ANCESTORS))
      expect(ancestors).toEqual(
        expect.arrayContaining(['https://*.salesforce.com', 'https://*.force.com', 'https://*.visualforce.com']),
      )
      // Only Salesforce (and the app itself): no wildcard, no plain http, nothing else.
      for (const a of ancestors) expect(a === "'self'" || SALESFORCE_FRAME_ANCESTORS.includes(a), a).toBe(true)
      expect(res.headers['x-content-type-options']).toBe('nosniff')
    }
  })

  it('the session cookie is HttpOnly and SameSite=Lax, and Secure when PUBLIC_URL is https', async () => {
    const cookieOf = (res: {
      cookies: Array<{ name: string; httpOnly?: boolean; sameSite?: string; secure?: boolean; path?: string }>
    }) => res.cookies.find((c) => c.name === 'sfl_session')!
    const signup = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { email: 'cookie@app.test', password: 'a good long password' },
      remoteAddress: freshIp(),
    })
    expect(cookieOf(signup)).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })
    expect(cookieOf(signup).secure).toBeFalsy()
    const https = await createTestApp({ db: t.db, env: { PUBLIC_URL: 'https://sflink.example.com' } })
    try {
      for (const [url, status] of [
        ['/api/auth/signup', 201],
        ['/api/auth/login', 200],
      ] as const) {
        const res = await https.app.inject({
          method: 'POST',
          url,
          payload: { email: 'secure@app.test', password: 'a good long password' },
          remoteAddress: freshIp(),
        })
        expect(res.statusCode).toBe(status)
        expect(cookieOf(res)).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: true, path: '/' })
      }
    } finally {
      await https.close()
    }
  })

  it('errors never leak stack traces or internals, 4xx and 5xx alike, JSON and HTML', async () => {
    const real = conformanceRequest()
    // An app whose database is unreachable: every query fails inside the handlers.
    const pool = createPool({ connectionString: 'postgres://postgres@127.0.0.1:1/nowhere' })
    const broken = await createTestApp({
      db: { url: 'postgres://127.0.0.1:1/nowhere', pool, embedded: false, close: () => pool.end() },
      env: { SALESFORCE_CONSUMER_SECRET: real.consumerSecret },
    })
    try {
      const token = signSessionToken(
        sessionKey(broken.config.sessionSecret),
        { sid: crypto.randomUUID(), knd: 'cookie' },
        new Date(Date.now() + 60_000),
      )
      const cases: Array<[TestApp, InjectOptions]> = [
        [broken, { url: '/api/me', headers: { authorization: `Bearer ${token}` } }],
        [
          broken,
          { method: 'POST', url: '/api/auth/login', payload: { email: 'x@app.test', password: 'whatever password' } },
        ],
        [
          broken,
          {
            method: 'POST',
            url: '/canvas',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: `signed_request=${encodeURIComponent(real.signedRequest)}`,
          },
        ],
        [broken, { method: 'POST', url: '/canvas/session', payload: { signedRequest: real.signedRequest } }],
        [broken, { url: '/oauth/salesforce/start?intent=signin' }],
        [broken, { url: '/readyz' }],
        [
          t,
          {
            method: 'POST',
            url: '/api/auth/login',
            headers: { 'content-type': 'application/json' },
            payload: '{"email":',
          },
        ],
        [t, { method: 'POST', url: '/api/auth/login', payload: { email: ['x'], password: {} } }],
        [
          t,
          {
            method: 'POST',
            url: '/api/connections',
            headers: { authorization: `Bearer ${tokens.canvasToken}` },
            payload: { name: 'x', sobject: 'Contact', fields: ["Email'; DROP TABLE x; --"] },
          },
        ],
        [
          t,
          {
            method: 'GET',
            url: '/api/connections/%E0%A4%A',
            headers: { authorization: `Bearer ${tokens.canvasToken}` },
          },
        ],
        [t, { method: 'GET', url: '/api/nothing-here' }],
        [t, { method: 'DELETE', url: '/api/me', headers: { authorization: `Bearer ${tokens.canvasToken}` } }],
        [
          t,
          {
            method: 'POST',
            url: '/api/unsubscribes',
            headers: { authorization: 'Bearer sfl_forged_key' },
            payload: { emails: [] },
          },
        ],
        [t, { url: '/api/me', headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzaWQiOiJ4In0.' } }],
      ]
      const statuses: number[] = []
      for (const [app, request] of cases) {
        const res = await app.app.inject(request)
        statuses.push(res.statusCode)
        const visible = `${res.body}\n${JSON.stringify(res.headers)}`
        expect(visible, `${request.method ?? 'GET'} ${request.url}`).not.toMatch(STACK_TRACE)
        if (res.statusCode >= 500 && String(res.headers['content-type']).startsWith('application/json')) {
          expect(Object.keys(res.json()).sort()).toEqual(['code', 'message'])
        }
      }
      // The broken app's database is unreachable: a temporary condition, answered 503.
      expect(statuses.slice(0, 4).every((s) => s === 503)).toBe(true)
      expect(statuses[4]).toBe(302)
      expect(statuses[5]).toBe(503)
      expect(statuses.slice(6).every((s) => s >= 400 && s < 500)).toBe(true)
    } finally {
      await broken.close()
    }
  })
})
