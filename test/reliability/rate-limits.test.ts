/**
 * Rate limits that hold: counted in Postgres so two instances enforce one limit; client
 * addresses taken only from trusted proxies (TRUST_PROXY is a hop count or a list, never a
 * bare `true` in production); sign-in guesses reserved atomically (19 parallel guesses
 * against a cap of 10 are evaluated 10 times) and slowed down per (account, address) with
 * exponential backoff, so nobody can lock the owner out; `/oauth/salesforce/start` limited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.js'
import { ConfigError, loadConfig } from '../../server/src/config.js'
import { testKeys } from '../helpers/config.js'

const PASSWORD = 'the owner’s long password'

async function signup(t: TestApp, email: string): Promise<void> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/auth/signup',
    payload: { email, password: PASSWORD },
    remoteAddress: '192.0.2.250',
  })
  expect(res.statusCode).toBe(201)
}

function login(t: TestApp, email: string, password: string, remoteAddress: string, headers = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email, password },
    remoteAddress,
    headers,
  })
}

describe('rate limits', () => {
  let t: TestApp
  let second: TestApp

  beforeAll(async () => {
    t = await createTestApp()
    // Another instance on the same database, as behind a load balancer.
    second = await createTestApp({ db: t.db, config: () => t.config })
  })
  afterAll(async () => {
    await second?.close()
    await t?.close()
  })

  it('two instances share one count: 20 sign-ins a minute per address in total, not 20 each', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 24; i++) {
      const app = i % 2 === 0 ? t : second
      statuses.push((await login(app, `nobody${i}@app.test`, 'a wrong password', '198.51.100.20')).statusCode)
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true)
    expect(statuses.slice(20)).toEqual([429, 429, 429, 429])
    const counted = await t.db.pool.query(`SELECT hits FROM rate_limit_hits WHERE key LIKE '%/api/auth/login%'`)
    expect(counted.rows.map((r) => r.hits)).toEqual([24])
  })

  it('19 parallel wrong guesses against the cap of 10: exactly 10 are evaluated, the others wait', async () => {
    await signup(t, 'parallel@app.test')
    const results = await Promise.all(
      Array.from({ length: 19 }, (_, i) =>
        login(i % 2 === 0 ? t : second, 'parallel@app.test', `guess ${i}`, '198.51.100.21'),
      ),
    )
    const statuses = results.map((r) => r.statusCode).sort()
    expect(statuses.filter((s) => s === 401)).toHaveLength(10)
    expect(statuses.filter((s) => s === 429)).toHaveLength(9)
    const refused = results.find((r) => r.statusCode === 429)!
    expect(refused.json().code).toBe('RATE_LIMITED')
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    const audited = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE event = 'app.login' AND outcome = 'failure' AND detail->>'email' = $1`,
      ['parallel@app.test'],
    )
    expect(audited.rows[0].n).toBe(10)
  })

  it('wrong guesses from one address never lock the owner out: from another address the right password works', async () => {
    await signup(t, 'victim@app.test')
    const attacker = '203.0.113.66'
    for (let i = 0; i < 10; i++)
      expect((await login(t, 'victim@app.test', `guess ${i}`, attacker)).statusCode).toBe(401)
    // The attacker's address now waits, even with the right password…
    const blocked = await login(t, 'VICTIM@app.test ', PASSWORD, attacker)
    expect(blocked.statusCode).toBe(429)
    expect(blocked.cookies.find((c) => c.name === 'sfl_session')).toBeUndefined()
    // …and the owner, elsewhere, signs in as usual.
    const owner = await login(t, 'victim@app.test', PASSWORD, '192.0.2.10')
    expect(owner.statusCode).toBe(200)
    expect(owner.cookies.find((c) => c.name === 'sfl_session')).toBeDefined()
  })

  it('the waits grow exponentially after the free attempts, and a success starts the count again', async () => {
    await signup(t, 'backoff@app.test')
    const ip = '203.0.113.67'
    for (let i = 0; i < 10; i++) await login(t, 'backoff@app.test', `guess ${i}`, ip)
    const waits: number[] = []
    for (let round = 0; round < 4; round++) {
      const refused = await login(t, 'backoff@app.test', 'another guess', ip)
      expect(refused.statusCode).toBe(429)
      waits.push(Number(refused.headers['retry-after']))
      // Time passes: the wait is over, and the next guess is evaluated (and fails).
      await t.db.pool.query(
        `UPDATE login_throttle SET next_allowed_at = now() - interval '1 second' WHERE email = $1 AND ip = $2`,
        ['backoff@app.test', ip],
      )
      expect((await login(t, 'backoff@app.test', 'yet another guess', ip)).statusCode).toBe(401)
    }
    expect(waits[0]).toBeGreaterThanOrEqual(55)
    expect(waits[0]).toBeLessThanOrEqual(60)
    for (let i = 1; i < waits.length; i++) {
      expect(waits[i]! / waits[i - 1]!).toBeGreaterThan(1.8)
      expect(waits[i]! / waits[i - 1]!).toBeLessThan(2.2)
    }
    // The right password once the wait is over: signed in, and the count starts again.
    await t.db.pool.query(`UPDATE login_throttle SET next_allowed_at = now() WHERE email = $1`, ['backoff@app.test'])
    expect((await login(t, 'backoff@app.test', PASSWORD, ip)).statusCode).toBe(200)
    expect((await login(t, 'backoff@app.test', 'a guess after the success', ip)).statusCode).toBe(401)
    const row = await t.db.pool.query(`SELECT attempts FROM login_throttle WHERE email = $1`, ['backoff@app.test'])
    expect(row.rows[0].attempts).toBe(1)
  })

  it('/oauth/salesforce/start is rate-limited per address (each start stores a row)', async () => {
    const before = (await t.db.pool.query(`SELECT count(*)::int AS n FROM oauth_states`)).rows[0].n
    const locations: string[] = []
    for (let i = 0; i < 32; i++) {
      const res = await (i % 2 ? second : t).app.inject({
        url: '/oauth/salesforce/start?intent=signin',
        remoteAddress: '198.51.100.30',
      })
      expect(res.statusCode).toBe(302)
      locations.push(String(res.headers.location))
    }
    expect(locations.slice(0, 30).every((l) => l.includes('/services/oauth2/authorize'))).toBe(true)
    expect(locations.slice(30)).toEqual(['/#/signin?error=RATE_LIMITED', '/#/signin?error=RATE_LIMITED'])
    const after = (await t.db.pool.query(`SELECT count(*)::int AS n FROM oauth_states`)).rows[0].n
    expect(after - before).toBe(30)
  })
})

describe('TRUST_PROXY', () => {
  const base = { APP_MODE: 'development', LOG_LEVEL: 'silent', ...testKeys() }
  const problems = (env: Record<string, string>): string => {
    try {
      loadConfig(env)
      return ''
    } catch (err) {
      return err instanceof ConfigError ? err.problems.join('\n') : String(err)
    }
  }

  it('is a hop count or a list of proxy addresses/CIDRs; a bare true is refused in production and warned about elsewhere', () => {
    expect(loadConfig({ ...base }).trustProxy).toBe(false)
    expect(loadConfig({ ...base, TRUST_PROXY: '1' }).trustProxy).toBe(1)
    expect(loadConfig({ ...base, TRUST_PROXY: '0' }).trustProxy).toBe(false)
    expect(loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
    ])
    const dev = loadConfig({ ...base, TRUST_PROXY: 'true' })
    expect(dev.trustProxy).toBe(true)
    expect(dev.warnings.join('\n')).toMatch(/TRUST_PROXY=true/)
    const production = {
      ...base,
      APP_MODE: 'production',
      DATABASE_URL: 'postgres://db/x',
      PUBLIC_URL: 'https://sflink.example.com',
      SALESFORCE_CONSUMER_KEY: 'k',
      SALESFORCE_CONSUMER_SECRET: 's',
      SMTP_URL: 'smtp://smtp.example.com:587',
      MAIL_FROM: 'alerts@example.com',
    }
    expect(problems({ ...production, TRUST_PROXY: '1' })).toBe('')
    expect(problems({ ...production, TRUST_PROXY: 'true' })).toMatch(/TRUST_PROXY: "true" trusts any X-Forwarded-For/)
    for (const bad of ['yes', '10.0.0.0/33', 'proxy.internal', '1.2.3.4/8/1', '99']) {
      expect(problems({ ...base, TRUST_PROXY: bad }), bad).toMatch(/TRUST_PROXY/)
    }
  })

  it('behind one proxy (TRUST_PROXY=1) a client-chosen X-Forwarded-For does not reset the per-IP limit', async () => {
    const t = await createTestApp({ env: { TRUST_PROXY: '1' } })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 23; i++) {
        // The client sends a new address each time; the proxy appends the real peer, as nginx's
        // $proxy_add_x_forwarded_for does.
        const res = await login(t, `n${i}@app.test`, 'a wrong password', '127.0.0.1', {
          'x-forwarded-for': `10.66.0.${i}, 198.51.100.40`,
        })
        statuses.push(res.statusCode)
      }
      expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true)
      expect(statuses.slice(20)).toEqual([429, 429, 429])
      // The audit log names the real client, not the forged one.
      const ips = await t.db.pool.query(`SELECT DISTINCT ip FROM audit_log WHERE event = 'app.login'`)
      expect(ips.rows.map((r) => r.ip)).toEqual(['198.51.100.40'])
    } finally {
      await t.close()
    }
  })

  it('with proxy addresses, only those proxies are believed: a client reaching the app directly cannot forge its address', async () => {
    const t = await createTestApp({ env: { TRUST_PROXY: '10.0.0.0/8' } })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 22; i++) {
        const res = await login(t, `d${i}@app.test`, 'a wrong password', '198.51.100.41', {
          'x-forwarded-for': `10.77.0.${i}`,
        })
        statuses.push(res.statusCode)
      }
      expect(statuses.slice(20)).toEqual([429, 429])
      // Through the trusted proxy the forwarded address is the client.
      const proxied = await login(t, 'p@app.test', 'a wrong password', '10.0.0.5', {
        'x-forwarded-for': '198.51.100.42',
      })
      expect(proxied.statusCode).toBe(401)
      const ips = await t.db.pool.query(`SELECT ip FROM audit_log WHERE detail->>'email' = 'p@app.test'`)
      expect(ips.rows.map((r) => r.ip)).toEqual(['198.51.100.42'])
    } finally {
      await t.close()
    }
  })
})
