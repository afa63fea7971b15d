/**
 * Lockout safety (docs/spec.md §1 journey 5, §3): after the person resets their security token in
 * Salesforce, the stored credential fails exactly once. 100 operations (the service door
 * and HTTP routes that need Salesforce, on two app instances sharing the database, half
 * of them at the same moment) and 10 runs of the unsubscribe push job produce exactly one
 * failed login in the simulator, far below its lockout threshold; the new token then
 * closes the circuit.
 */
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.js'
import { createSimApp, linkedAccount, type SimApp } from '../helpers/simulator-app.js'
import { createUnsubscribeSync, type RunResult, type UnsubscribeSync } from '../../server/src/unsubscribes/sync.js'

const OPERATIONS = 100
const JOB_RUNS = 10

describe('a token reset costs exactly one failed login', () => {
  let t: SimApp
  let second: TestApp
  let ada: { id: string; username: string; password: string; securityToken: string }
  let bearer: { authorization: string }
  let accountId: string
  let linkId: string
  let connectionId: string
  let sync: UnsubscribeSync

  beforeAll(async () => {
    t = await createSimApp({
      sim: { canvasRefreshToken: false, maxInvalidLoginAttempts: 3, data: { contacts: 30, leads: 5, campaigns: 1 } },
    })
    // A second instance on the same database and configuration (same keys): the circuit must hold across instances.
    second = await createTestApp({ db: t.db, config: () => t.config })
    ada = t.sim.control.users()[0]!
    const tokens = await linkedAccount(t.app, t.sim, ada.id, 'lockout@app.test')
    bearer = { authorization: `Bearer ${tokens.standaloneToken}` }
    accountId = (await t.app.inject({ url: '/api/me', headers: bearer })).json().id
    linkId = (await t.db.pool.query(`SELECT id FROM salesforce_links WHERE account_id = $1`, [accountId])).rows[0].id
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: bearer,
      payload: {
        username: ada.username,
        password: ada.password,
        securityToken: ada.securityToken,
        environment: 'production',
      },
    })
    expect(put.statusCode).toBe(200)
    connectionId = (
      await t.app.inject({
        method: 'POST',
        url: '/api/connections',
        headers: bearer,
        payload: { name: 'All', sobject: 'Contact', fields: ['Email'] },
      })
    ).json().id
    // The push job's handler body, as the worker runs it (job-handlers.ts → unsubscribes/jobs.ts).
    sync = createUnsubscribeSync({
      pool: t.db.pool,
      links: t.app.services.links,
      salesforce: t.app.services.salesforce,
      config: t.config,
      enqueue: { push: async () => {}, pull: async () => {}, bounces: async () => {} },
      usage: t.app.services.apiUsage,
      log: pino({ level: 'silent' }),
    })
    // Addresses waiting to be pushed, so every job run has work it would do with Salesforce.
    const emails = t.sim.control.records('Contact', { limit: 5 }).map((r) => String(r.Email))
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/unsubscribes', headers: bearer, payload: { emails } }))
        .statusCode,
    ).toBe(202)
  })
  afterAll(async () => {
    await second?.close()
    await t?.close()
  })

  it(`${OPERATIONS} operations and ${JOB_RUNS} job runs after a token reset: exactly 1 failed login`, async () => {
    // Everything works before the reset, and the session is cached (no login needed).
    expect(
      (await t.app.inject({ method: 'POST', url: `/api/connections/${connectionId}/test`, headers: bearer }))
        .statusCode,
    ).toBe(200)

    const newToken = t.sim.control.resetToken(ada.id)
    t.sim.control.expireSessions()
    t.sim.control.resetCounters()

    const apps = [t.app, second.app]
    /** Operation i: the service door or an HTTP route that needs Salesforce, on instance i mod 2. Resolves to the error code. */
    const operation = async (i: number): Promise<string> => {
      const app = apps[i % 2]!
      switch (i % 3) {
        case 0:
          return app.services.salesforce
            .withConnection(
              { accountId, canvas: false },
              async (conn) => (await conn.query('SELECT COUNT() FROM Contact')).totalSize,
            )
            .then(
              () => 'OK',
              (err: { code?: string }) => err.code ?? 'unknown',
            )
        case 1:
          // Lead: not in the describe cache, so this needs Salesforce (a cached describe would not).
          return (await app.inject({ url: '/api/salesforce/describe/Lead', headers: bearer })).json().code ?? 'OK'
        default:
          return (
            (await app.inject({ method: 'POST', url: `/api/connections/${connectionId}/test`, headers: bearer })).json()
              .code ?? 'OK'
          )
      }
    }
    const jobRun = (): Promise<RunResult> => sync.pushLink(linkId)

    // Half of everything at once (the moment the credential first fails), the rest one by one.
    const burst = await Promise.all([
      ...Array.from({ length: OPERATIONS / 2 }, (_, i) => operation(i)),
      ...Array.from({ length: JOB_RUNS / 2 }, () => jobRun()),
    ])
    const codes = burst.slice(0, OPERATIONS / 2) as string[]
    const runs = burst.slice(OPERATIONS / 2) as RunResult[]
    for (let i = OPERATIONS / 2; i < OPERATIONS; i++) codes.push(await operation(i))
    for (let i = JOB_RUNS / 2; i < JOB_RUNS; i++) runs.push(await jobRun())

    expect(codes).toHaveLength(OPERATIONS)
    expect(new Set(codes)).toEqual(new Set(['SF_INVALID_LOGIN']))
    expect(runs).toHaveLength(JOB_RUNS)
    // A run is paused by the credential, or found another run holding the link.
    for (const run of runs) expect(['paused', 'busy']).toContain(run.outcome)
    expect(runs.filter((r) => r.outcome === 'paused').every((r) => 'code' in r && r.code === 'SF_INVALID_LOGIN')).toBe(
      true,
    )
    expect(runs.some((r) => r.outcome === 'paused')).toBe(true)

    const counters = t.sim.control.counters()
    expect(counters.logins.failure).toBe(1)
    expect(counters.logins.success).toBe(0)
    expect(counters.logins.byUser[ada.id] ?? counters.logins.byUser[ada.username]).toMatchObject({ failure: 1 })
    expect(t.sim.control.user(ada.id)).toMatchObject({ lockedUntil: null, failedLoginAttempts: 1 })
    const audited = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE event = 'salesforce.login' AND outcome = 'failure' AND detail->>'proving' IS NULL`,
    )
    expect(audited.rows[0].n).toBe(1)
    const link = (await t.app.inject({ url: '/api/salesforce/link', headers: bearer })).json()
    expect(link.credential).toMatchObject({ status: 'needs_attention', reason: 'SF_INVALID_LOGIN' })
    const status = (await t.app.inject({ url: '/api/unsubscribes/status', headers: bearer })).json()
    expect(status.paused).toMatchObject({ code: 'SF_INVALID_LOGIN' })

    // Entering the new token proves it with one login, and everything works again.
    const patch = await t.app.inject({
      method: 'PATCH',
      url: '/api/salesforce/credentials',
      headers: bearer,
      payload: { securityToken: newToken },
    })
    expect(patch.statusCode).toBe(200)
    expect(await operation(0)).toBe('OK')
    expect(await operation(1)).toBe('OK')
    expect((await jobRun()).outcome).toBe('done')
    expect(t.sim.control.counters().logins).toMatchObject({ success: 1, failure: 1 })
  })
})
