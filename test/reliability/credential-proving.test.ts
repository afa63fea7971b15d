/**
 * Credentials are proved only for the linked user's own Salesforce username, checked before
 * any call to Salesforce: a signed-in person cannot use SF Link to test passwords of other
 * Salesforce users (or lock them out). The simulator's counters, read over HTTP, show that no
 * login was attempted. Proving is rate-limited per target username and per account, in
 * Postgres, so two instances share the count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.js'
import { createSimApp, enterCanvas, linkedAccount, type SimApp } from '../helpers/simulator-app.js'

interface SimCounters {
  logins: { success: number; failure: number; byUser: Record<string, { success: number; failure: number }> }
}

describe('proving Salesforce credentials', () => {
  let t: SimApp
  let second: TestApp
  let ada: { id: string; username: string; password: string; securityToken: string; organizationId: string }
  let bob: typeof ada
  let bearer: { authorization: string }
  let ip = 0
  const nextIp = () => `198.51.100.${++ip}`

  const counters = async (): Promise<SimCounters> => (await fetch(`${t.sim.url}/_sim/counters`)).json()
  const loginsSoFar = async () => {
    const c = await counters()
    return c.logins.success + c.logins.failure
  }
  const put = (app: TestApp['app'], payload: object, headers = bearer) =>
    app.inject({ method: 'PUT', url: '/api/salesforce/credentials', headers, payload, remoteAddress: nextIp() })

  beforeAll(async () => {
    t = await createSimApp({ sim: { canvasRefreshToken: false } })
    second = await createTestApp({ db: t.db, config: () => t.config })
    ;[ada, bob] = t.sim.control.users() as unknown as Array<typeof ada>
    const tokens = await linkedAccount(t.app, t.sim, ada!.id, 'prover@app.test')
    bearer = { authorization: `Bearer ${tokens.standaloneToken}` }
  })
  afterAll(async () => {
    await second?.close()
    await t?.close()
  })

  it("another Salesforce user's username is refused with SF_USER_MISMATCH before any login, right or wrong password alike", async () => {
    await fetch(`${t.sim.url}/_sim/counters/reset`, { method: 'POST' })
    const answers = []
    for (const password of [bob.password, 'a wrong password', bob.password + 'x']) {
      const res = await put(t.app, {
        username: bob.username,
        password,
        securityToken: bob.securityToken,
        environment: 'production',
      })
      answers.push({ status: res.statusCode, body: res.json() })
    }
    // No oracle: the same answer whatever the password, and it names the field and the rule.
    for (const a of answers) expect(a).toEqual(answers[0])
    expect(answers[0]!.status).toBe(422)
    expect(answers[0]!.body.code).toBe('SF_USER_MISMATCH')
    expect(answers[0]!.body.details).toEqual([{ field: 'username', rule: 'linkedUser' }])
    // Nothing reached Salesforce, nobody's lockout counter moved, nothing was stored.
    expect(await loginsSoFar()).toBe(0)
    expect(t.sim.control.user(bob.id).failedLoginAttempts).toBe(0)
    const stored = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM salesforce_credentials WHERE kind = 'password_token'`,
    )
    expect(stored.rows[0].n).toBe(0)
    const audited = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE event = 'credential.rejected' AND detail->>'code' = 'SF_USER_MISMATCH'`,
    )
    expect(audited.rows[0].n).toBe(3)
  })

  it('the linked username is matched case-insensitively and trimmed, and then proved by a real login', async () => {
    await fetch(`${t.sim.url}/_sim/counters/reset`, { method: 'POST' })
    const res = await put(t.app, {
      username: `  ${ada.username.toUpperCase()} `,
      password: ada.password,
      securityToken: ada.securityToken,
      environment: 'production',
    })
    expect(res.statusCode).toBe(200)
    expect(res.json().credential).toMatchObject({ kind: 'password_token', status: 'ok' })
    expect((await counters()).logins.success).toBe(1)
  })

  it('PATCH uses the stored username: once it is no longer the linked user, nothing is sent to Salesforce', async () => {
    // The Salesforce user was renamed: a later canvas visit carries the new username.
    await t.db.pool.query(`UPDATE salesforce_links SET username = 'renamed@demo.sflink.test'`)
    await fetch(`${t.sim.url}/_sim/counters/reset`, { method: 'POST' })
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/salesforce/credentials',
      headers: bearer,
      payload: { securityToken: ada.securityToken },
      remoteAddress: nextIp(),
    })
    expect(res.statusCode).toBe(422)
    expect(res.json().code).toBe('SF_USER_MISMATCH')
    expect(await loginsSoFar()).toBe(0)
    await t.db.pool.query(`UPDATE salesforce_links SET username = $1`, [ada.username])
  })

  it('proving is limited per target username and per account, counted once for both instances', async () => {
    await t.db.pool.query(`DELETE FROM rate_limit_hits WHERE key LIKE 'prove:%'`)
    await fetch(`${t.sim.url}/_sim/counters/reset`, { method: 'POST' })
    const good = { username: ada.username, password: ada.password, securityToken: ada.securityToken }
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      statuses.push((await put(i % 2 ? second.app : t.app, { ...good, environment: 'production' })).statusCode)
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429])
    expect((await counters()).logins.byUser[ada.id]).toMatchObject({ success: 5 })

    // The same account linked to a user of another org: its own username has room, the account less.
    const org = t.sim.control.createOrg({ name: 'Second Org', data: false, createdAfterWinter26: false })
    const carol = t.sim.control.createUser({
      username: 'carol@second.sflink.test',
      password: 'Carol-Pass-123',
      firstName: 'Carol',
      lastName: 'Second',
      organizationId: org.id,
    })
    const boot = await enterCanvas(t.app, t.sim, carol.id)
    const linked = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { authorization: `Bearer ${boot.token}` },
      payload: { email: 'prover@app.test', password: 'a long app password' },
    })
    expect(linked.json().linked).toBe(true)
    const carolBearer = { authorization: `Bearer ${linked.json().token}` }
    const forCarol = { username: carol.username, password: 'Carol-Pass-123', securityToken: carol.securityToken }
    const more: number[] = []
    for (let i = 0; i < 3; i++) {
      more.push(
        (await put(i % 2 ? second.app : t.app, { ...forCarol, environment: 'production' }, carolBearer)).statusCode,
      )
    }
    // 6 attempts so far on the account (the refused one counts), a cap of 8: two more, then 429.
    expect(more).toEqual([200, 200, 429])
    const refused = await put(t.app, { ...forCarol, environment: 'production' }, carolBearer)
    expect(refused.json().code).toBe('RATE_LIMITED')
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    const c = await counters()
    expect(c.logins.byUser[carol.id]).toMatchObject({ success: 2 })
    expect(c.logins.success + c.logins.failure).toBe(7)
  })
})
