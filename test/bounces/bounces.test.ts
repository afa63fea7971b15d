/**
 * Bounces back to Salesforce, through the API and the pg-boss worker against the simulator:
 * hard bounces set EmailBouncedReason and EmailBouncedDate on every matching Contact and
 * Lead (never HasOptedOutOfEmail), soft bounces are only counted, bad input is a 400 with a
 * stable code, and 10,000 hard bounces take no more API calls than 10,000 unsubscribes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  bearer,
  bounceStatus,
  createLinkedAccount,
  recordsByEmail,
  reportBounces,
  startUnsubscribeEnv,
  waitFor,
  type TestAccount,
  type UnsubscribeEnv,
} from '../helpers/unsubscribes.js'
import { enterCanvas } from '../helpers/simulator-app.js'

const CALL_BUDGET = 15

describe('bounces', () => {
  let env: UnsubscribeEnv
  let ada: TestAccount
  let key: string

  beforeAll(async () => {
    env = await startUnsubscribeEnv({ sim: { data: { contacts: 300, leads: 100, campaigns: 0 } }, worker: {} })
    ada = await createLinkedAccount(env, env.sim.control.users()[0]!.id, 'ada@mailer.test')
    key = (
      await env.app.inject({
        method: 'POST',
        url: '/api/api-keys',
        headers: bearer(ada.token),
        payload: { name: 'mailer', password: 'a long app password' },
      })
    ).json().key
  })

  afterAll(async () => {
    await env?.close()
  })

  it('writes hard bounces to the matching Contacts and Leads, counts soft ones, never opts anyone out', async () => {
    const notBounced = (type: string) =>
      env.sim.control.records(type).filter((r) => r.EmailBouncedDate === null && r.HasOptedOutOfEmail === false)
    const contact = notBounced('Contact')[0]!
    const lead = notBounced('Lead')[0]!
    const soft = notBounced('Contact')[1]!
    // A Lead sharing the Contact's address is bounced too.
    const twin = env.sim.control.insertRecord('Lead', {
      LastName: 'Twin',
      Company: 'Twin Co',
      Email: String(contact.Email).toUpperCase(),
    })
    const at = '2026-05-04T08:30:00.000Z'
    const result = await reportBounces(env.app, key, [
      { email: String(contact.Email), type: 'hard', reason: '550 5.1.1 user unknown', at },
      { email: String(lead.Email), type: 'hard', reason: '550 5.1.2 host unknown', at },
      { email: String(soft.Email), type: 'soft', reason: '452 mailbox full', at },
      { email: 'nobody@nowhere.example', type: 'hard', reason: '550 no such user', at },
      { email: 'not an address', type: 'hard', reason: 'x', at },
    ])
    expect(result).toEqual({ hard: 3, soft: 1, invalid: 1 })
    // Durable on the 202: every bounce is stored, the hard ones wait to be pushed.
    const stored = await env.db.pool.query(`SELECT type, count(*)::int AS n FROM bounces GROUP BY type ORDER BY type`)
    expect(stored.rows).toEqual([
      { type: 'hard', n: 3 },
      { type: 'soft', n: 1 },
    ])

    const status = await waitFor('the bounce push', async () => {
      const s = await bounceStatus(env.app, key)
      return s.pending === 0 && s.lastPushAt ? s : undefined
    })
    expect(status).toMatchObject({ hard: 3, soft: 1, pending: 0, synced: 2, noMatch: 1, failed: 0 })

    const byId = new Map(
      recordsByEmail(env.sim, [String(contact.Email), String(lead.Email), String(soft.Email)]).map((r) => [r.Id, r]),
    )
    for (const [id, reason] of [
      [contact.Id, '550 5.1.1 user unknown'],
      [twin.Id, '550 5.1.1 user unknown'],
      [lead.Id, '550 5.1.2 host unknown'],
    ] as const) {
      const r = byId.get(id)!
      expect(r.EmailBouncedReason).toBe(reason)
      expect(Date.parse(String(r.EmailBouncedDate))).toBe(Date.parse(at))
      expect(r.HasOptedOutOfEmail).toBe(false)
    }
    const softAfter = byId.get(soft.Id)!
    expect(softAfter.EmailBouncedReason).toBeNull()
    expect(softAfter.EmailBouncedDate).toBeNull()
  })

  it('a later hard bounce of the same address is written again; an older one changes nothing', async () => {
    const target = env.sim.control.records('Contact').filter((r) => r.EmailBouncedDate === null)[5]!
    const email = String(target.Email)
    await reportBounces(env.app, key, [{ email, type: 'hard', reason: 'first', at: '2026-05-01T00:00:00.000Z' }])
    await waitFor('the first bounce', async () => recordsByEmail(env.sim, [email])[0]?.EmailBouncedReason === 'first')
    await reportBounces(env.app, key, [{ email, type: 'hard', reason: 'older', at: '2026-04-01T00:00:00.000Z' }])
    await reportBounces(env.app, key, [{ email, type: 'hard', reason: 'second', at: '2026-05-02T00:00:00.000Z' }])
    await waitFor('the second bounce', async () => recordsByEmail(env.sim, [email])[0]?.EmailBouncedReason === 'second')
    await env.sync!.sweep()
    await new Promise((r) => setTimeout(r, 500))
    expect(recordsByEmail(env.sim, [email])[0]!.EmailBouncedReason).toBe('second')
  })

  it('gives a link created later the hard bounces reported before it existed', async () => {
    const grace = env.sim.control.users()[1]!
    // An account with no link yet reports a hard bounce: nothing to push to.
    const signup = await env.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { email: 'grace@mailer.test', password: 'a long app password' },
    })
    expect(signup.statusCode).toBe(201)
    const token = signup.json().token
    const early = env.sim.control.records('Lead').filter((r) => r.EmailBouncedDate === null)[3]!
    const at = '2026-05-03T00:00:00.000Z'
    await reportBounces(env.app, token, [{ email: String(early.Email), type: 'hard', reason: 'gone away', at }])
    expect(await bounceStatus(env.app, token)).toMatchObject({ hard: 1, pending: 0, synced: 0 })

    // Grace opens SF Link in Salesforce and signs in to that account: the link is made.
    const boot = await enterCanvas(env.app, env.sim, grace.id)
    const login = await env.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: bearer(boot.token),
      payload: { email: 'grace@mailer.test', password: 'a long app password' },
    })
    expect(login.statusCode).toBe(200)
    await env.sync!.sweep()
    await waitFor('the backfilled bounce to be written', async () => {
      const s = await bounceStatus(env.app, token)
      return s.synced === 1 && s.pending === 0
    })
    const lead = env.sim.control.records('Lead').find((r) => r.Id === early.Id)!
    expect(lead.EmailBouncedReason).toBe('gone away')
    expect(Date.parse(String(lead.EmailBouncedDate))).toBe(Date.parse(at))
  })

  it('answers bad input with 400 and a stable code, storing nothing', async () => {
    const before = (await env.db.pool.query(`SELECT count(*)::int AS n FROM bounces`)).rows[0].n
    for (const bounces of [
      [{ email: 'a@b.example', type: 'permanent', reason: 'x', at: '2026-05-01T00:00:00Z' }],
      [{ email: 'a@b.example', type: 'hard', reason: 'x', at: 'yesterday' }],
      [{ email: 'a@b.example', type: 'hard', reason: 'x' }],
      'not a list',
    ]) {
      const res = await env.app.inject({
        method: 'POST',
        url: '/api/bounces',
        headers: bearer(key),
        payload: { bounces },
      })
      expect(res.statusCode).toBe(400)
      expect(res.json().code).toBe('VALIDATION_FAILED')
    }
    const unauthenticated = await env.app.inject({ method: 'POST', url: '/api/bounces', payload: { bounces: [] } })
    expect(unauthenticated.statusCode).toBe(401)
    expect((await env.db.pool.query(`SELECT count(*)::int AS n FROM bounces`)).rows[0].n).toBe(before)
  })
})

describe('10,000 bounces', () => {
  let env: UnsubscribeEnv
  let ada: TestAccount

  beforeAll(async () => {
    env = await startUnsubscribeEnv({ sim: { data: { contacts: 50_000, leads: 50_000, campaigns: 0 } }, worker: {} })
    ada = await createLinkedAccount(env, env.sim.control.users()[0]!.id, 'ada@mailer.test')
  })

  afterAll(async () => {
    await env?.close()
  })

  it(`are written within the unsubscribe call budget (≤ ${CALL_BUDGET} API calls)`, { timeout: 120_000 }, async () => {
    const everyone = [...env.sim.control.records('Contact'), ...env.sim.control.records('Lead')]
    const targets = everyone.filter((_, i) => i % 10 === 7)
    const at = '2026-05-05T10:00:00.000Z'
    env.sim.control.resetCounters()
    const result = await reportBounces(
      env.app,
      ada.token,
      targets.map((r) => ({ email: String(r.Email), type: 'hard' as const, reason: '550 5.1.1 user unknown', at })),
    )
    expect(result).toEqual({ hard: 10_000, soft: 0, invalid: 0 })
    const status = await waitFor(
      'the push of 10,000 bounces',
      async () => {
        const s = await bounceStatus(env.app, ada.token)
        return s.pending === 0 && s.lastPushAt ? s : undefined
      },
      90_000,
      250,
    )
    expect(status).toMatchObject({ hard: 10_000, synced: 10_000, noMatch: 0, failed: 0 })
    const wanted = new Set(targets.map((r) => r.Id))
    for (const r of [...env.sim.control.records('Contact'), ...env.sim.control.records('Lead')]) {
      if (!wanted.has(r.Id)) continue
      expect(Date.parse(String(r.EmailBouncedDate))).toBe(Date.parse(at))
    }
    const calls = env.sim.control.counters().apiCalls
    console.log(`[bounces] 10,000 hard bounces: ${calls.total} API calls ${JSON.stringify(calls.byEndpoint)}`)
    expect(calls.byEndpoint).toEqual({ composite: calls.total })
    expect(calls.total).toBeLessThanOrEqual(CALL_BUDGET)
  })
})
