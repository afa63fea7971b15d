/**
 * The push (HasOptedOutOfEmail = true on the matching Contacts and Leads) and the pull
 * (opt-outs made in Salesforce → the suppression list), with real jsforce against the
 * simulator and real pg-boss workers on the test database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_ATTEMPTS } from '../../server/src/unsubscribes/sync.js'
import { enterCanvas } from '../helpers/simulator-app.js'
import {
  bearer,
  createLinkedAccount,
  recordsByEmail,
  reportUnsubscribes,
  startUnsubscribeEnv,
  syncStatus,
  waitFor,
  type TestAccount,
  type UnsubscribeEnv,
} from '../helpers/unsubscribes.js'

let env: UnsubscribeEnv
let ada: TestAccount

beforeAll(async () => {
  env = await startUnsubscribeEnv({
    sim: { data: { contacts: 200, leads: 100, campaigns: 0, optedOutFraction: 0.1 } },
    worker: {},
  })
  ada = await createLinkedAccount(env, env.sim.control.users()[0]!.id, 'ada@mailer.test')
})

afterAll(async () => {
  await env?.close()
})

const optedIn = (type: 'Contact' | 'Lead') =>
  env.sim.control.records(type).filter((r) => r.HasOptedOutOfEmail === false && typeof r.Email === 'string')
const optedOut = (type: 'Contact' | 'Lead') =>
  env.sim.control.records(type).filter((r) => r.HasOptedOutOfEmail === true && typeof r.Email === 'string')

async function settled(token: string): Promise<any> {
  return waitFor('the push to finish', async () => {
    const status = await syncStatus(env.app, token)
    return status.pending === 0 && status.lastPushAt ? status : undefined
  })
}

describe('push', () => {
  it('opts out exactly the matching Contacts and Leads, and records each address', async () => {
    const contacts = optedIn('Contact').slice(0, 3)
    const leads = optedIn('Lead').slice(0, 2)
    const both = optedIn('Contact')[10]!
    // The same person as a Lead too, with the address in another case.
    const twin = env.sim.control.insertRecord('Lead', {
      LastName: 'Twin',
      Company: 'Acme',
      Email: String(both.Email).toUpperCase(),
    })
    const already = optedOut('Contact')[0]!
    const emails = [...contacts, ...leads, both, already].map((r) => String(r.Email))
    const optedOutBefore = new Set([...optedOut('Contact'), ...optedOut('Lead')].map((r) => r.Id))
    const expected = recordsByEmail(env.sim, emails)
      .filter((r) => !r.HasOptedOutOfEmail)
      .map((r) => r.Id)
    expect(expected).toHaveLength(7)

    const result = await reportUnsubscribes(env.app, ada.token, [
      ...emails.map((e) => ` ${e.toUpperCase()}`),
      'nobody@nowhere.example',
      'ghost@nowhere.example',
    ])
    expect(result).toEqual({ accepted: 9, duplicates: 0, invalid: 0 })

    const status = await settled(ada.token)
    expect(status).toMatchObject({
      pending: 0,
      synced: 7,
      noMatch: 2,
      failed: 0,
      total: 9,
      paused: null,
      recentFailures: [],
    })

    // Exactly the matching records moved, and nothing else did.
    const optedOutAfter = [...optedOut('Contact'), ...optedOut('Lead')].map((r) => r.Id)
    expect(optedOutAfter.filter((id) => !optedOutBefore.has(id)).sort()).toEqual([...expected].sort())
    expect(optedOutAfter).toHaveLength(optedOutBefore.size + 7)
    expect(env.sim.control.records('Lead').find((r) => r.Id === twin.Id)!.HasOptedOutOfEmail).toBe(true)

    const rows = await env.db.pool.query(
      `SELECT email, status, reason, synced_record_ids FROM unsubscribe_sync WHERE link_id = $1 ORDER BY email`,
      [ada.linkId],
    )
    const byEmail = new Map(rows.rows.map((r) => [r.email, r]))
    expect(byEmail.get(String(both.Email).toLowerCase()).synced_record_ids.sort()).toEqual([both.Id, twin.Id].sort())
    expect(byEmail.get(String(already.Email).toLowerCase())).toMatchObject({
      status: 'synced',
      reason: 'Already opted out in Salesforce.',
      synced_record_ids: [],
    })
    expect(byEmail.get('nobody@nowhere.example')).toMatchObject({ status: 'no_match' })
  })

  it('never updates a record twice and never sets the flag back', async () => {
    const before = env.sim.control.counters().subrequests.byEndpoint['composite/sobjects'] ?? 0
    // Reported again: already pushed pairs are not pushed again.
    const again = await reportUnsubscribes(env.app, ada.token, [String(optedOut('Contact')[0]!.Email)])
    expect(again.accepted).toBe(0)
    await env.sync!.sweep()
    await new Promise((r) => setTimeout(r, 1000))
    expect(env.sim.control.counters().subrequests.byEndpoint['composite/sobjects'] ?? 0).toBe(before)
    const status = await syncStatus(env.app, ada.token)
    expect(status.total).toBe(9)
  })

  it('retries an address whose record Salesforce refused, then marks it failed with the reason', async () => {
    const target = optedIn('Contact')[20]!
    const refusal = {
      method: 'PATCH',
      pattern: '/composite/sobjects',
      subrequests: true,
      status: 200,
      body: [
        {
          id: target.Id,
          success: false,
          errors: [
            {
              statusCode: 'UNABLE_TO_LOCK_ROW',
              message: 'unable to obtain exclusive access to this record',
              fields: [],
            },
          ],
        },
      ],
    }
    env.sim.control.addFault(refusal)
    await reportUnsubscribes(env.app, ada.token, [String(target.Email)])
    const row = await waitFor('the refused update to be recorded', async () => {
      const { rows } = await env.db.pool.query(
        `SELECT status, reason, attempts, next_attempt_at > now() AS waiting FROM unsubscribe_sync WHERE link_id = $1 AND email = $2`,
        [ada.linkId, String(target.Email).toLowerCase()],
      )
      return rows[0]?.attempts === 1 ? rows[0] : undefined
    })
    expect(row).toMatchObject({ status: 'pending', attempts: 1, waiting: true })
    expect(row.reason).toContain('UNABLE_TO_LOCK_ROW')
    expect((await syncStatus(env.app, ada.token)).pending).toBe(1)

    // Time passes (the retry is due) and every try is refused: after MAX_ATTEMPTS it is failed.
    env.sim.control.addFault({ ...refusal, count: MAX_ATTEMPTS })
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      await env.db.pool.query(
        `UPDATE unsubscribe_sync SET next_attempt_at = now() WHERE link_id = $1 AND status = 'pending'`,
        [ada.linkId],
      )
      await env.sync!.sweep()
      await waitFor(`attempt ${attempt}`, async () => {
        const { rows } = await env.db.pool.query(
          `SELECT attempts FROM unsubscribe_sync WHERE link_id = $1 AND email = $2`,
          [ada.linkId, String(target.Email).toLowerCase()],
        )
        return rows[0].attempts === attempt
      })
    }
    env.sim.control.clearFaults()
    const status = await syncStatus(env.app, ada.token)
    expect(status).toMatchObject({ pending: 0, failed: 1 })
    expect(status.recentFailures).toEqual([
      {
        email: String(target.Email).toLowerCase(),
        reason: expect.stringContaining('UNABLE_TO_LOCK_ROW'),
        at: expect.any(String),
      },
    ])
    expect(env.sim.control.records('Contact').find((r) => r.Id === target.Id)!.HasOptedOutOfEmail).toBe(false)
  })

  it('gives a link created later the addresses reported before it existed', async () => {
    const grace = env.sim.control.users()[1]!
    // An account with no link yet reports addresses: nothing to push to.
    const signup = await env.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { email: 'grace@mailer.test', password: 'a long app password' },
    })
    expect(signup.statusCode).toBe(201)
    const token = signup.json().token
    const early = optedIn('Lead')[30]!
    await reportUnsubscribes(env.app, token, [String(early.Email)])
    expect((await syncStatus(env.app, token)).total).toBe(0)

    // Grace opens SF Link in Salesforce and signs in to that account: the link is made.
    const boot = await enterCanvas(env.app, env.sim, grace.id)
    const login = await env.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: bearer(boot.token),
      payload: { email: 'grace@mailer.test', password: 'a long app password' },
    })
    expect(login.statusCode).toBe(200)

    const sweep = await env.sync!.sweep()
    expect(sweep.backfilled).toBe(1)
    const status = await settled(token)
    expect(status).toMatchObject({ pending: 0, synced: 1, total: 1 })
    expect(env.sim.control.records('Lead').find((r) => r.Id === early.Id)!.HasOptedOutOfEmail).toBe(true)
  })
})

describe('pull', () => {
  it('brings opt-outs made in Salesforce into the suppression list, and advances the watermark', async () => {
    const earlier = (await syncStatus(env.app, ada.token)).lastPullAt
    const sync = await env.app.inject({ method: 'POST', url: '/api/unsubscribes/sync', headers: bearer(ada.token) })
    expect(sync.statusCode).toBe(202)
    expect(sync.json()).toEqual({ queued: true })
    const first = await waitFor('a pull after "sync now"', async () => {
      const status = await syncStatus(env.app, ada.token)
      return status.lastPullAt && status.lastPullAt !== earlier ? status : undefined
    })
    const everyOptOut = [...optedOut('Contact'), ...optedOut('Lead')].map((r) => String(r.Email).toLowerCase())
    const list = (
      await env.app.inject({ method: 'GET', url: '/api/suppressions?limit=1000', headers: bearer(ada.token) })
    ).json()
    const listed = new Map<string, string>(list.items.map((i: any) => [i.email, i.source]))
    for (const email of everyOptOut) expect(listed.has(email)).toBe(true)
    // What the app reported keeps its source; what came only from Salesforce says so.
    expect(listed.get('nobody@nowhere.example')).toBe('app')
    expect([...listed.values()].filter((s) => s === 'salesforce').length).toBeGreaterThan(10)

    // Now someone opts out in Salesforce.
    const person = optedIn('Contact')[50]!
    const lead = optedIn('Lead')[50]!
    env.sim.control.updateRecordsByEmail('Contact', String(person.Email), { HasOptedOutOfEmail: true })
    env.sim.control.updateRecordsByEmail('Lead', String(lead.Email), { HasOptedOutOfEmail: true })
    const {
      rows: [before],
    } = await env.db.pool.query(`SELECT pull_watermark FROM unsubscribe_sync_state WHERE link_id = $1`, [ada.linkId])
    expect(before.pull_watermark).not.toBeNull()

    const calls = env.sim.control.counters().apiCalls.byEndpoint.query ?? 0
    await env.app.inject({ method: 'POST', url: '/api/unsubscribes/sync', headers: bearer(ada.token) })
    await waitFor('the second pull', async () => (await syncStatus(env.app, ada.token)).lastPullAt > first.lastPullAt)
    const after = (
      await env.app.inject({ method: 'GET', url: '/api/suppressions?limit=1000', headers: bearer(ada.token) })
    ).json()
    const sources = new Map<string, string>(after.items.map((i: any) => [i.email, i.source]))
    expect(sources.get(String(person.Email).toLowerCase())).toBe('salesforce')
    expect(sources.get(String(lead.Email).toLowerCase())).toBe('salesforce')
    expect(after.total).toBe(list.total + 2)
    // Incremental: two queries (Contact, Lead) since the watermark, nothing re-read in bulk.
    expect((env.sim.control.counters().apiCalls.byEndpoint.query ?? 0) - calls).toBe(2)
    const {
      rows: [moved],
    } = await env.db.pool.query(`SELECT pull_watermark FROM unsubscribe_sync_state WHERE link_id = $1`, [ada.linkId])
    expect(moved.pull_watermark.getTime()).toBeGreaterThan(before.pull_watermark.getTime())
  })

  it('is also queued by the sweep when the interval has passed', async () => {
    await env.db.pool.query(
      `UPDATE unsubscribe_sync_state SET last_pull_at = now() - interval '2 hours', pull_attempted_at = NULL WHERE link_id = $1`,
      [ada.linkId],
    )
    const sweep = await env.sync!.sweep()
    expect(sweep.pulls).toBeGreaterThanOrEqual(1)
    await waitFor(
      'the scheduled pull',
      async () => Date.parse((await syncStatus(env.app, ada.token)).lastPullAt) > Date.now() - 60_000,
    )
    // Asked once: the next sweep does not queue it again.
    expect((await env.sync!.sweep()).pulls).toBe(0)
  })
})
