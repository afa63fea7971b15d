/**
 * docs/spec.md §1 journey 5 for unsubscribes: the security token is reset in Salesforce; the next
 * login fails, the sync pauses with SF_INVALID_LOGIN and no further login is attempted
 * (lockout safety) until the person enters the new token; then it resumes by itself.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
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
  // No refresh token in the signed request: the stored username + password + token is the only way in.
  env = await startUnsubscribeEnv({
    sim: { canvasRefreshToken: false, data: { contacts: 100, leads: 50, campaigns: 0, optedOutFraction: 0 } },
    worker: {},
  })
  ada = await createLinkedAccount(env, env.sim.control.users()[0]!.id, 'ada@mailer.test')
})

afterAll(async () => {
  await env?.close()
})

it('pauses on SF_INVALID_LOGIN without further logins, and resumes when the new token is entered', async () => {
  const user = env.sim.control.users()[0]!
  const save = await env.app.inject({
    method: 'PUT',
    url: '/api/salesforce/credentials',
    headers: bearer(ada.token),
    payload: {
      username: user.username,
      password: user.password,
      securityToken: user.securityToken,
      environment: env.sim.url,
    },
  })
  expect(save.statusCode).toBe(200)

  const contacts = env.sim.control.records('Contact')
  await reportUnsubscribes(
    env.app,
    ada.token,
    contacts.slice(0, 3).map((r) => String(r.Email)),
  )
  await waitFor('the first push', async () => (await syncStatus(env.app, ada.token)).synced === 3)

  // The person resets their token in Salesforce; sessions end too.
  const newToken = env.sim.control.resetToken(user.id)
  env.sim.control.expireSessions()
  const later = contacts.slice(3, 6).map((r) => String(r.Email))
  await reportUnsubscribes(env.app, ada.token, later)
  const paused = await waitFor('the sync to pause', async () => {
    const status = await syncStatus(env.app, ada.token)
    return status.paused ? status : undefined
  })
  expect(paused.paused).toEqual({ code: 'SF_INVALID_LOGIN', message: expect.stringContaining('security token') })
  expect(paused.pending).toBe(3)
  const logins = env.sim.control.counters().logins
  expect(logins.byCode.INVALID_LOGIN).toBe(1)

  // While paused: more reports, sweeps and "sync now" — and not one login attempt.
  await reportUnsubscribes(env.app, ada.token, [String(contacts[6]!.Email)])
  await env.sync!.sweep()
  const now = await env.app.inject({ method: 'POST', url: '/api/unsubscribes/sync', headers: bearer(ada.token) })
  expect(now.statusCode).toBe(202)
  await new Promise((r) => setTimeout(r, 2_000))
  await env.sync!.sweep()
  expect(env.sim.control.counters().logins).toEqual(logins)
  expect((await syncStatus(env.app, ada.token)).paused?.code).toBe('SF_INVALID_LOGIN')

  // The person enters only the new token: it is proven by one login, and the sync resumes.
  const patch = await env.app.inject({
    method: 'PATCH',
    url: '/api/salesforce/credentials',
    headers: bearer(ada.token),
    payload: { securityToken: newToken },
  })
  expect(patch.statusCode).toBe(200)
  const resumed = await env.sync!.sweep()
  expect(resumed.resumed).toBe(1)
  const done = await waitFor('the sync to finish after the new token', async () => {
    const status = await syncStatus(env.app, ada.token)
    return status.pending === 0 && !status.paused ? status : undefined
  })
  expect(done).toMatchObject({ synced: 7, failed: 0, paused: null })
  for (const r of recordsByEmail(
    env.sim,
    contacts.slice(0, 7).map((c) => String(c.Email)),
  ))
    expect(r.HasOptedOutOfEmail).toBe(true)
  expect(env.sim.control.counters().logins.failure).toBe(logins.failure)
})
