/**
 * 10,000 unsubscribes against an org of 100,000 Contacts and Leads, through the API and the
 * pg-boss worker: exactly the matching records are opted out, each once, within the call
 * budget (≤ 15 Salesforce API calls: queries and sObject Collections updates packed into /composite).
 *
 * The simulator's clock is frozen: an update stamps SystemModstamp with max(now, previous + 1),
 * so a record updated once carries exactly the frozen time and a second update would show.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  bearer,
  createLinkedAccount,
  startUnsubscribeEnv,
  syncStatus,
  waitFor,
  type TestAccount,
  type UnsubscribeEnv,
} from '../helpers/unsubscribes.js'

const FROZEN = Date.parse('2026-06-01T12:00:00.000Z')
const CALL_BUDGET = 15

let env: UnsubscribeEnv
let ada: TestAccount

beforeAll(async () => {
  env = await startUnsubscribeEnv({
    sim: { now: () => FROZEN, data: { contacts: 50_000, leads: 50_000, campaigns: 0 } },
    worker: {},
  })
  ada = await createLinkedAccount(env, env.sim.control.users()[0]!.id, 'ada@mailer.test')
})

afterAll(async () => {
  await env?.close()
})

it('opts out exactly the 10,000 matching records, each once, in at most 15 API calls', async () => {
  const everyone = [...env.sim.control.records('Contact'), ...env.sim.control.records('Lead')]
  expect(everyone).toHaveLength(100_000)
  const targets = everyone.filter((_, i) => i % 10 === 3)
  const emails = targets.map((r) => String(r.Email))
  const targetIds = new Set(targets.map((r) => r.Id))
  const toUpdate = targets.filter((r) => r.HasOptedOutOfEmail === false).length
  const modstampBefore = new Map(everyone.map((r) => [r.Id, Date.parse(String(r.SystemModstamp))]))

  const key = (
    await env.app.inject({
      method: 'POST',
      url: '/api/api-keys',
      headers: bearer(ada.token),
      payload: { name: 'bulk', password: 'a long app password' },
    })
  ).json().key
  env.sim.control.resetCounters()
  const started = Date.now()
  const res = await env.app.inject({
    method: 'POST',
    url: '/api/unsubscribes',
    headers: bearer(key),
    payload: { emails },
  })
  expect(res.statusCode).toBe(202)
  expect(res.json()).toEqual({ accepted: 10_000, duplicates: 0, invalid: 0 })

  const status = await waitFor(
    'the push of 10,000 addresses',
    async () => {
      const s = await syncStatus(env.app, ada.token)
      return s.pending === 0 && s.lastPushAt ? s : undefined
    },
    45_000,
    250,
  )
  const wallMs = Date.now() - started
  expect(status).toMatchObject({ pending: 0, synced: 10_000, noMatch: 0, failed: 0, total: 10_000 })

  const after = [...env.sim.control.records('Contact'), ...env.sim.control.records('Lead')]
  let updatedOnce = 0
  for (const r of after) {
    const stamp = Date.parse(String(r.SystemModstamp))
    if (targetIds.has(r.Id)) {
      expect(r.HasOptedOutOfEmail).toBe(true)
      if (stamp !== modstampBefore.get(r.Id)) {
        expect(stamp).toBe(FROZEN) // updated exactly once
        updatedOnce++
      }
    } else {
      expect(stamp).toBe(modstampBefore.get(r.Id)) // untouched
    }
  }
  expect(updatedOnce).toBe(toUpdate)

  const counters = env.sim.control.counters().apiCalls
  const subrequests = env.sim.control.counters().subrequests
  console.log(
    `[unsubscribe bulk] 10,000 addresses vs 100,000 records: ${counters.total} API calls ${JSON.stringify(counters.byEndpoint)}, ` +
      `subrequests ${JSON.stringify(subrequests.byEndpoint)}, ${toUpdate} records updated, ${wallMs} ms from POST to all synced`,
  )
  expect(subrequests.byEndpoint['composite/sobjects']).toBe(
    Math.ceil(targets.filter((r) => r.HasOptedOutOfEmail === false && String(r.Id).startsWith('003')).length / 200) +
      Math.ceil(targets.filter((r) => r.HasOptedOutOfEmail === false && String(r.Id).startsWith('00Q')).length / 200),
  )
  expect(counters.byEndpoint).toEqual({ composite: counters.total })
  expect(counters.total).toBeLessThanOrEqual(CALL_BUDGET)
})
