/**
 * Refresh-token rotation (each refresh answers a new refresh token and kills the one used)
 * with two app instances on one database, each with its own connection pool: under load,
 * with every session expiring again and again, one refresh at a time per credential, the new
 * token stored before the old one is dropped. No `invalid_grant`, no lost credential.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.js'
import { createSimApp, linkedAccount, type SimApp } from '../helpers/simulator-app.js'
import { createPool, type Pool } from '../../server/src/db/pool.js'

describe('refresh-token rotation across two instances', () => {
  let t: SimApp
  let second: TestApp
  let secondPool: Pool
  let accountId: string

  beforeAll(async () => {
    t = await createSimApp({ sim: { refreshTokenRotation: true } })
    secondPool = createPool({ connectionString: t.db.url })
    second = await createTestApp({ db: { ...t.db, pool: secondPool }, config: () => t.config })
    const ada = t.sim.control.users()[0]!
    // The first canvas visit stores the refresh token the signed request carries.
    const tokens = await linkedAccount(t.app, t.sim, ada.id, 'rotation@app.test')
    accountId = (
      await t.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${tokens.standaloneToken}` } })
    ).json().id
  })
  afterAll(async () => {
    await second?.close()
    await secondPool?.end()
    await t?.close()
  })

  const operation = (app: TestApp['app']) =>
    app.services.salesforce.withConnection(
      { accountId, canvas: false },
      async (conn) => (await conn.query('SELECT Id FROM Contact LIMIT 1')).totalSize,
    )

  it('hundreds of operations on both instances, sessions expiring throughout: every one succeeds', async () => {
    expect(t.sim.control.app().refreshTokenRotation).toBe(true)
    t.sim.control.resetCounters()
    const rounds = 12
    const perRound = 30
    const failures: unknown[] = []
    for (let round = 0; round < rounds; round++) {
      // Every session dies: the next operations on both instances need a refresh at once.
      t.sim.control.expireSessions()
      const results = await Promise.allSettled(
        Array.from({ length: perRound }, (_, i) => operation(i % 2 ? second.app : t.app)),
      )
      for (const r of results) if (r.status === 'rejected') failures.push(r.reason)
    }
    expect(failures).toEqual([])

    const counters = t.sim.control.counters()
    // One refresh per expiry (never one per operation or per instance), and none refused.
    expect(counters.logins.byKind.refresh.failure).toBe(0)
    expect(counters.logins.byCode.invalid_grant ?? 0).toBe(0)
    expect(counters.logins.byKind.refresh.success).toBeGreaterThanOrEqual(rounds)
    expect(counters.logins.byKind.refresh.success).toBeLessThanOrEqual(rounds + 2)

    // The credential survived: still ok, and its current refresh token still works.
    const { rows } = await t.db.pool.query(
      `SELECT status, reason FROM salesforce_credentials WHERE kind = 'oauth_refresh'`,
    )
    expect(rows).toEqual([{ status: 'ok', reason: null }])
    t.sim.control.expireSessions()
    await expect(operation(second.app)).resolves.toBeGreaterThanOrEqual(0)
    await expect(operation(t.app)).resolves.toBeGreaterThanOrEqual(0)
  }, 120_000)

  it('a refresh token rotated by someone else meanwhile is read again, not taken for a revocation', async () => {
    const { rows } = await t.db.pool.query(`SELECT id FROM salesforce_credentials WHERE kind = 'oauth_refresh'`)
    const credentialId = rows[0].id as string
    const { credentials, secrets } = t.app.services
    const before = await credentials.secret(t.db.pool, credentialId, 'refreshToken')
    // This instance's next refresh sends `before`, slowly...
    t.sim.control.expireSessions()
    t.sim.control.addFault({ pathPrefix: '/services/oauth2/token', delayMs: 1_000, count: 1 })
    const pending = operation(t.app)
    for (let i = 0; i < 100; i++) {
      const lease = await t.db.pool.query(`SELECT login_lease_until FROM salesforce_credentials WHERE id = $1`, [
        credentialId,
      ])
      if (lease.rows[0].login_lease_until) break
      await new Promise((r) => setTimeout(r, 10))
    }
    await new Promise((r) => setTimeout(r, 100))
    // ...while someone else (an instance whose lease outlived it) rotates it first and stores the new one.
    const res = await fetch(`${t.sim.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: before!,
        client_id: t.sim.consumerKey,
        client_secret: t.sim.consumerSecret,
      }),
    })
    const rotated = await res.json()
    expect(rotated.refresh_token).toBeTruthy()
    await secrets.put(t.db.pool, 'credential', credentialId, 'refreshToken', rotated.refresh_token)
    // The slow refresh with `before` is refused (invalid_grant); SF Link reads the stored token again.
    await expect(pending).resolves.toBeGreaterThanOrEqual(0)
    t.sim.control.clearFaults()
    expect(t.sim.control.counters().logins.byKind.refresh.failure).toBe(1)
    const after = await t.db.pool.query(`SELECT status FROM salesforce_credentials WHERE id = $1`, [credentialId])
    expect(after.rows[0].status).toBe('ok')
  }, 60_000)
})
