/**
 * Salesforce answers 503 for a while, then REQUEST_LIMIT_EXCEEDED: the push job fails,
 * pg-boss retries it with backoff (the access module also backs the credential off after
 * the rate limit), and the sync completes by itself, without pausing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
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
    sim: { data: { contacts: 100, leads: 50, campaigns: 0, optedOutFraction: 0 } },
    worker: {},
  })
  ada = await createLinkedAccount(env, env.sim.control.users()[0]!.id, 'ada@mailer.test')
})

afterAll(async () => {
  await env?.close()
})

it('rides out 503s and a rate limit, then completes on its own', { timeout: 300_000 }, async () => {
  const emails = [
    ...env.sim.control.records('Contact').slice(0, 5),
    ...env.sim.control.records('Lead').slice(0, 5),
  ].map((r) => String(r.Email))
  // The push's queries and updates travel in /composite calls.
  env.sim.control.addFault({ pattern: '/services/data/v[0-9.]+/composite$', status: 503, count: 3 })
  env.sim.control.addFault({ pattern: '/services/data/v[0-9.]+/composite$', status: 403, count: 1 }) // REQUEST_LIMIT_EXCEEDED
  const loginsBefore = env.sim.control.counters().logins

  await reportUnsubscribes(env.app, ada.token, emails)
  await waitFor('the outage to be noticed', async () => env.sim.control.counters().faults.served >= 1)
  const during = await syncStatus(env.app, ada.token)
  expect(during).toMatchObject({ pending: 10, paused: null })

  const done = await waitFor(
    'the sync to complete after the outage',
    async () => {
      const status = await syncStatus(env.app, ada.token)
      return status.pending === 0 ? status : undefined
    },
    75_000,
    250,
  )
  expect(done).toMatchObject({ synced: 10, failed: 0, noMatch: 0, paused: null })
  expect(env.sim.control.counters().faults.served).toBe(4)
  for (const r of recordsByEmail(env.sim, emails)) expect(r.HasOptedOutOfEmail).toBe(true)
  // An outage is not a credential problem: no failed login, no lockout risk.
  expect(env.sim.control.counters().logins.failure).toBe(loginsBefore.failure)
  const { rows } = await env.db.pool.query(
    `SELECT count(*)::int AS n FROM salesforce_credentials c JOIN salesforce_links l ON l.id = c.link_id WHERE l.account_id = $1 AND c.status = 'needs_attention'`,
    [ada.accountId],
  )
  expect(rows[0].n).toBe(0)
})
