/**
 * Nothing grows forever. The cleanup job (pg-boss, scheduled hourly) deletes rows past their
 * expiry: sessions, with the tokens of pending links never completed; OAuth states never
 * completed, with their PKCE verifiers; old signed-request digests; stale rate-limit and
 * sign-in throttle rows. The rows are made by the real routes, time is moved on in the
 * database, and the job runs through pg-boss as the worker runs it. Live rows are kept.
 */
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startJobs, type RunningJobs } from '../../server/src/jobs/start.js'
import { CLEANUP_QUEUE, registerMaintenanceJobs } from '../../server/src/maintenance/jobs.js'
import { bootstrapOf } from '../helpers/canvas.js'
import { createSimApp, linkedAccount, type SimApp } from '../helpers/simulator-app.js'

describe('the cleanup job', () => {
  let t: SimApp
  let jobs: RunningJobs

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    (await t.db.pool.query(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0].n
  const enterFirstTime = async (user: string) =>
    bootstrapOf(
      (
        await t.app.inject({
          method: 'POST',
          url: '/canvas',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: `signed_request=${encodeURIComponent(t.sim.control.signedRequest(user))}`,
        })
      ).body,
    )

  beforeAll(async () => {
    t = await createSimApp({ sim: { canvasRefreshToken: true } })
    jobs = await startJobs({ databaseUrl: t.db.url, log: pino({ level: 'silent' }) })
  })
  afterAll(async () => {
    await jobs?.stop()
    await t?.close()
  })

  it('is scheduled by the worker', async () => {
    await registerMaintenanceJobs(jobs.boss, t.app.services, pino({ level: 'silent' }), {
      pollingIntervalSeconds: 0.5,
    })
    const schedules = await jobs.boss.getSchedules(CLEANUP_QUEUE)
    expect(schedules.map((s) => s.cron)).toEqual(['17 * * * *'])
  })

  it('deletes what expired, with the secrets it held, and keeps what is live', async () => {
    const [ada, grace] = t.sim.control.users()
    // Live: a linked account (sessions, credentials), a pending link in progress, a fresh OAuth start.
    const tokens = await linkedAccount(t.app, t.sim, ada!.id, 'clean@app.test')
    const livePending = await enterFirstTime(grace!.id)
    const liveStart = await t.app.inject({ url: '/oauth/salesforce/start?intent=signin', remoteAddress: '192.0.2.1' })
    // To expire: another pending link never completed, a started OAuth flow never finished,
    // a signed-out session, sign-in guesses and rate-limit counters.
    const abandoned = await enterFirstTime(
      t.sim.control.createUser({ username: 'gone@demo.sflink.test', firstName: 'G', lastName: 'One' }).id,
    )
    const oldStart = await t.app.inject({ url: '/oauth/salesforce/start?intent=signin', remoteAddress: '192.0.2.2' })
    const signedOut = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'clean@app.test', password: 'a long app password' },
      remoteAddress: '192.0.2.3',
    })
    await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { authorization: `Bearer ${signedOut.json().token}` },
    })
    await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'clean@app.test', password: 'a wrong guess' },
      remoteAddress: '192.0.2.4',
    })

    const stateOf = (start: typeof liveStart) => new URL(String(start.headers.location)).searchParams.get('state')!
    const sessionOf = async (token: string) =>
      (await t.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${token}` } })).statusCode
    expect(await sessionOf(tokens.canvasToken)).toBe(200)

    // Time passes, for the rows that were to expire.
    await t.db.pool.query(
      `UPDATE sessions SET expires_at = now() - interval '2 days' WHERE pending_identity->>'username' = 'gone@demo.sflink.test'`,
    )
    await t.db.pool.query(`UPDATE sessions SET revoked_at = now() - interval '2 days' WHERE revoked_at IS NOT NULL`)
    await t.db.pool.query(`UPDATE oauth_states SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
      stateOf(oldStart),
    ])
    await t.db.pool.query(
      `UPDATE canvas_signed_requests SET first_seen_at = now() - interval '31 days'
       WHERE digest = (SELECT digest FROM canvas_signed_requests ORDER BY first_seen_at LIMIT 1)`,
    )
    await t.db.pool.query(
      `UPDATE rate_limit_hits SET window_ends_at = now() - interval '2 hours' WHERE key LIKE '%192.0.2.2'`,
    )
    await t.db.pool.query(
      `UPDATE login_throttle SET last_attempt_at = now() - interval '2 days', next_allowed_at = now() - interval '2 days' WHERE ip = '192.0.2.4'`,
    )

    const before = {
      sessions: await count('sessions'),
      // The signed-out session, and the pending one that linking Ada's account used up.
      revoked: await count('sessions WHERE revoked_at IS NOT NULL'),
      pendingSecrets: await count(`encrypted_secrets WHERE owner_kind = 'canvas'`),
      states: await count('oauth_states'),
      verifiers: await count(`encrypted_secrets WHERE owner_kind = 'oauth_state'`),
      digests: await count('canvas_signed_requests'),
      rateLimits: await count('rate_limit_hits'),
      throttle: await count('login_throttle'),
      credentialSecrets: await count(`encrypted_secrets WHERE owner_kind = 'credential'`),
    }
    const abandonedSession = (
      await t.db.pool.query(`SELECT id FROM sessions WHERE pending_identity->>'username' = 'gone@demo.sflink.test'`)
    ).rows[0].id
    const abandonedSecrets = await count(`encrypted_secrets WHERE owner_kind = 'canvas' AND owner_id = $1`, [
      abandonedSession,
    ])
    expect(abandonedSecrets).toBeGreaterThan(0) // its canvas OAuth token, kept for the link never completed
    expect(before.pendingSecrets).toBeGreaterThan(abandonedSecrets) // the live pending link's

    // The worker runs the job.
    const id = await jobs.boss.send(CLEANUP_QUEUE, {})
    await expect
      .poll(async () => (await jobs.boss.getJobById(CLEANUP_QUEUE, id!))?.state, { timeout: 30_000, interval: 250 })
      .toBe('completed')
    const output = (await jobs.boss.getJobById<unknown>(CLEANUP_QUEUE, id!))!.output

    // Gone: exactly what expired.
    expect(await count(`sessions WHERE pending_identity->>'username' = 'gone@demo.sflink.test'`)).toBe(0)
    expect(await count(`sessions WHERE revoked_at IS NOT NULL`)).toBe(0)
    expect(before.revoked).toBe(2)
    expect(await count('sessions')).toBe(before.sessions - before.revoked - 1)
    expect(await count(`encrypted_secrets WHERE owner_kind = 'canvas' AND owner_id = $1`, [abandonedSession])).toBe(0)
    expect(await count(`encrypted_secrets WHERE owner_kind = 'canvas'`)).toBe(before.pendingSecrets - abandonedSecrets)
    expect(await count(`oauth_states WHERE id = $1`, [stateOf(oldStart)])).toBe(0)
    expect(await count('oauth_states')).toBe(before.states - 1)
    expect(await count(`encrypted_secrets WHERE owner_kind = 'oauth_state'`)).toBe(before.verifiers - 1)
    expect(await count('canvas_signed_requests')).toBe(before.digests - 1)
    expect(await count(`rate_limit_hits WHERE key LIKE '%192.0.2.2'`)).toBe(0)
    expect(await count('rate_limit_hits')).toBe(before.rateLimits - 1)
    expect(await count(`login_throttle WHERE ip = '192.0.2.4'`)).toBe(0)
    expect(await count('login_throttle')).toBe(before.throttle - 1)
    expect(output).toMatchObject({
      sessions: before.revoked + 1,
      oauthStates: 1,
      secrets: 3,
      signedRequests: 1,
      rateLimits: 1,
      loginThrottle: 1,
    })

    // Kept: everything live still works.
    expect(await count('canvas_signed_requests')).toBeGreaterThan(0)
    expect(await count(`encrypted_secrets WHERE owner_kind = 'credential'`)).toBe(before.credentialSecrets)
    expect(await sessionOf(tokens.canvasToken)).toBe(200)
    expect(await sessionOf(tokens.standaloneToken)).toBe(200)
    const linked = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { authorization: `Bearer ${livePending.token}` },
      payload: { email: 'grace-clean@app.test', password: 'a long app password' },
    })
    expect(linked.json().linked).toBe(true)
    expect(await count(`oauth_states WHERE id = $1`, [stateOf(liveStart)])).toBe(1)
    // The abandoned pending link is gone for good.
    const late = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { authorization: `Bearer ${abandoned.token}` },
      payload: { email: 'late@app.test', password: 'a long app password' },
    })
    expect(late.json().linked).toBe(false)
  })
})
