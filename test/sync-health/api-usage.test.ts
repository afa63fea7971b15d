/**
 * API use and sync health against the simulator: the calls SF Link counts per org match the
 * simulator's own counters, the org's usage and limit come from Sforce-Limit-Info, a cap of
 * N calls stops background work at N and it resumes in a later window (an injected clock)
 * with nothing lost, and push errors are grouped by kind, exported as CSV and retried.
 */
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUnsubscribeSync, type UnsubscribeSync } from '../../server/src/unsubscribes/sync.js'
import {
  bearer,
  createLinkedAccount,
  recordsByEmail,
  reportUnsubscribes,
  startUnsubscribeEnv,
  syncStatus,
  type TestAccount,
  type UnsubscribeEnv,
} from '../helpers/unsubscribes.js'

const HOUR = 3_600_000

describe('API use and sync health', () => {
  let env: UnsubscribeEnv
  let ada: TestAccount
  let sync: UnsubscribeSync
  let clock = Date.parse('2026-06-01T12:00:00.000Z')
  let orgId: string
  const capAnnounced: Array<{ orgId: string; capCalls: number | null }> = []

  const health = async () => {
    const res = await env.app.inject({ method: 'GET', url: '/api/salesforce/health', headers: bearer(ada.token) })
    expect(res.statusCode).toBe(200)
    return res.json()
  }
  const setCap = (percent: unknown) =>
    env.app.inject({
      method: 'PUT',
      url: '/api/salesforce/health/cap',
      headers: bearer(ada.token),
      payload: { percent },
    })
  const simCalls = () => env.sim.control.counters().apiCalls.total

  beforeAll(async () => {
    env = await startUnsubscribeEnv({
      sim: { data: { contacts: 20_000, leads: 20_000, campaigns: 0, optedOutFraction: 0 } },
      now: () => new Date(clock),
      onApiCapReached: async (org, state) => {
        capAnnounced.push({ orgId: org, capCalls: state.capCalls })
      },
    })
    ada = await createLinkedAccount(env, env.sim.control.users()[0]!.id, 'ada@mailer.test')
    orgId = env.sim.control.orgs()[0]!.id
    sync = createUnsubscribeSync({
      pool: env.db.pool,
      links: env.services.links,
      salesforce: env.services.salesforce,
      config: env.config,
      enqueue: { push: async () => {}, pull: async () => {}, bounces: async () => {} },
      usage: env.services.apiUsage,
      log: pino({ level: 'silent' }),
    })
  })

  afterAll(async () => {
    await env?.close()
  })

  it("counts the calls SF Link makes as the simulator does, and reads the org's usage and limit", async () => {
    const before = await health()
    expect(before.api).toMatchObject({ capped: false, cap: null })
    const simBefore = simCalls()

    const emails = env.sim.control
      .records('Contact')
      .slice(0, 300)
      .map((r) => String(r.Email))
    await reportUnsubscribes(env.app, ada.token, emails)
    expect(await sync.pushLink(ada.linkId)).toMatchObject({ outcome: 'done', addresses: 300 })
    expect(await sync.pullLink(ada.linkId)).toMatchObject({ outcome: 'done' })

    const after = await health()
    const made = simCalls() - simBefore
    expect(made).toBeGreaterThan(0)
    expect(after.api.callsLast24h - before.api.callsLast24h).toBe(made)
    const org = env.sim.control.orgs()[0]!
    expect(after.api.org).toMatchObject({ used: org.apiRequestsUsed, limit: org.settings.apiRequestCap })
    const jobs = Object.fromEntries(after.jobs.map((j: any) => [j.job, j.lastSuccessAt]))
    expect(jobs['unsubscribe-push']).toEqual(expect.any(String))
    expect(jobs['unsubscribe-pull']).toEqual(expect.any(String))
    expect(jobs['bounce-push']).toBeNull()
  })

  it('refuses a cap outside (0, 100] with 400', async () => {
    for (const percent of [0, -5, 150, 'ten']) {
      const res = await setCap(percent)
      expect(res.statusCode).toBe(400)
      expect(res.json().code).toBe('VALIDATION_FAILED')
    }
  })

  it('with a cap of N calls, stops background work at N and resumes in the next window, losing nothing', async () => {
    // A daily limit of 1,000 and a cap of 0.5 %: 5 calls per 24 h.
    env.sim.control.setOrgSettings(orgId, { apiRequestCap: 1_000 })
    env.sim.control.resetApiUsage(orgId)
    const capped = await setCap(0.5)
    expect(capped.statusCode).toBe(200)
    const audit = await env.db.pool.query(
      `SELECT detail FROM audit_log WHERE event = 'salesforce.api_cap_set' AND account_id = $1`,
      [ada.accountId],
    )
    expect(audit.rows.map((r) => r.detail)).toEqual([{ organizationId: orgId, percent: 0.5 }])
    clock += 25 * HOUR // a fresh window

    const targets = env.sim.control.records('Lead').slice(0, 10_000)
    await reportUnsubscribes(
      env.app,
      ada.token,
      targets.map((r) => String(r.Email)),
    )
    let simBefore = simCalls()
    expect(await sync.pushLink(ada.linkId)).toEqual({ outcome: 'capped' })
    expect(simCalls() - simBefore).toBe(5)
    const h = await health()
    expect(h.api).toMatchObject({ callsLast24h: 5, cap: { percent: 0.5, calls: 5 }, capped: true })
    expect(Date.parse(h.api.resumesAt)).toBeGreaterThan(clock)
    const midway = await syncStatus(env.app, ada.token)
    expect(midway.pending).toBeGreaterThan(0)
    expect(midway.synced).toBeGreaterThan(300)
    expect(midway.pending + midway.synced).toBe(10_300)

    // Still the same window: nothing is sent at all.
    simBefore = simCalls()
    expect(await sync.pushLink(ada.linkId)).toEqual({ outcome: 'capped' })
    expect(await sync.pullLink(ada.linkId)).toEqual({ outcome: 'capped' })
    expect(simCalls()).toBe(simBefore)
    // The hook where people are told (an email) ran once for this window.
    expect(capAnnounced).toEqual([{ orgId, capCalls: 5 }])
    const mail = await env.db.pool.query(
      `SELECT account_id, data FROM notification_outbox WHERE kind = 'api_cap_reached'`,
    )
    expect(mail.rows).toEqual([{ account_id: ada.accountId, data: { used: 5, cap: 5, resumesAt: h.api.resumesAt } }])

    // Each later window takes at most 5 calls, until everything is pushed.
    let windows = 0
    for (;;) {
      clock += 25 * HOUR
      windows++
      env.sim.control.resetApiUsage(orgId)
      simBefore = simCalls()
      const result = await sync.pushLink(ada.linkId)
      expect(simCalls() - simBefore).toBeLessThanOrEqual(5)
      if (result.outcome === 'done') break
      expect(result).toEqual({ outcome: 'capped' })
      expect(windows).toBeLessThan(10)
    }
    const done = await syncStatus(env.app, ada.token)
    expect(done).toMatchObject({ pending: 0, synced: 10_300, failed: 0 })
    for (const r of recordsByEmail(
      env.sim,
      targets.map((t) => String(t.Email)),
    ))
      expect(r.HasOptedOutOfEmail).toBe(true)
    expect((await health()).api.capped).toBe(false)
    expect((await setCap(null)).json().api.cap).toBeNull()
  })

  it('groups push errors by kind with their addresses, exports them as CSV, and retries them', async () => {
    clock += 25 * HOUR
    const target = env.sim.control.records('Contact')[5_000]!
    const email = String(target.Email).toLowerCase()
    env.sim.control.addFault({
      method: 'PATCH',
      pattern: '/composite/sobjects',
      subrequests: true,
      status: 200,
      body: [
        {
          id: target.Id,
          success: false,
          errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'locked', fields: [] }],
        },
      ],
    })
    await reportUnsubscribes(env.app, ada.token, [email])
    expect(await sync.pushLink(ada.linkId)).toMatchObject({ outcome: 'done' })

    const h = await health()
    expect(h.errors).toEqual([
      {
        kind: 'UNABLE_TO_LOCK_ROW',
        job: 'unsubscribe',
        count: 1,
        failed: 0,
        emails: [email],
        example: expect.stringContaining('UNABLE_TO_LOCK_ROW'),
        lastAt: expect.any(String),
      },
    ])

    const csv = await env.app.inject({
      method: 'GET',
      url: '/api/salesforce/health/errors.csv',
      headers: bearer(ada.token),
    })
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['content-type']).toMatch(/^text\/csv/)
    const lines = csv.body.trim().split('\r\n')
    expect(lines[0]).toBe('kind,job,email,status,attempts,reason,updated_at')
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatch(new RegExp(`^UNABLE_TO_LOCK_ROW,unsubscribe,${email.replace(/[.+]/g, '\\$&')},pending,1,`))

    const retry = await env.app.inject({
      method: 'POST',
      url: '/api/salesforce/health/retry',
      headers: bearer(ada.token),
      payload: { kind: 'UNABLE_TO_LOCK_ROW' },
    })
    expect(retry.statusCode).toBe(202)
    expect(retry.json()).toEqual({ addresses: 1 })
    expect(await sync.pushLink(ada.linkId)).toMatchObject({ outcome: 'done', addresses: 1, updated: 1 })
    expect((await health()).errors).toEqual([])
    expect(recordsByEmail(env.sim, [email])[0]!.HasOptedOutOfEmail).toBe(true)
  })
})
