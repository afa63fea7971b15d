/**
 * Signed-request replay. The app remembers each signed request (a digest of its signature)
 * with when it was first seen: first sight is accepted with no call to Salesforce; seen
 * before and older than 10 minutes it is accepted only after its OAuth token proves itself
 * (one GET /services/oauth2/userinfo), else a 401 page asks to reload Salesforce. A replayed
 * request never replaces a stored refresh token, and minting an API key needs the account
 * password again (step-up), whatever the session.
 *
 * The signed requests name a recording proxy in front of the simulator as their instance, so
 * the test sees every call SF Link makes to Salesforce.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signCanvasRequest } from '../../server/src/canvas/signed-request.js'
import { bootstrapOf } from '../helpers/canvas.js'
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js'
import { createSimApp, type SimApp } from '../helpers/simulator-app.js'

const PASSWORD = 'a long app password'

describe('signed-request replay', () => {
  let t: SimApp
  let proxy: RecordingProxy
  let ada: { id: string; username: string }

  /** A fresh signed request from the simulator, naming the proxy as the instance. */
  const signedRequest = (user: string): string => {
    const request = t.sim.control.canvasRequest(user) as unknown as { client: { instanceUrl: string } }
    request.client.instanceUrl = proxy.url
    return signCanvasRequest(JSON.stringify(request), t.sim.consumerSecret)
  }
  const enter = (signed: string) =>
    t.app.inject({
      method: 'POST',
      url: '/canvas',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `signed_request=${encodeURIComponent(signed)}`,
    })
  const userinfoCalls = () => proxy.requests.filter((r) => r.path.startsWith('/services/oauth2/userinfo')).length
  /** Time passes: every signed request seen so far was first seen 11 minutes ago. */
  const ageSeenRequests = () =>
    t.db.pool.query(`UPDATE canvas_signed_requests SET first_seen_at = now() - interval '11 minutes'`)
  const storedRefreshToken = async (): Promise<string | null> => {
    const row = await t.db.pool.query(`SELECT id FROM salesforce_credentials WHERE kind = 'oauth_refresh'`)
    return row.rows[0] ? t.app.services.credentials.secret(t.db.pool, row.rows[0].id, 'refreshToken') : null
  }
  const sessionCount = async () => (await t.db.pool.query(`SELECT count(*)::int AS n FROM sessions`)).rows[0].n

  beforeAll(async () => {
    t = await createSimApp({ sim: { canvasRefreshToken: true } })
    proxy = await startRecordingProxy(t.sim.url)
    t.config.salesforce.extraHosts.push(proxy.host)
    ada = t.sim.control.users()[0]!
    const first = await enter(signedRequest(ada.id))
    const signup = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { authorization: `Bearer ${bootstrapOf(first.body).token}` },
      payload: { email: 'ada@app.test', password: PASSWORD },
    })
    expect(signup.json().linked).toBe(true)
  })
  afterAll(async () => {
    await t?.close()
    await proxy?.close()
  })

  it('first sight and a replay within 10 minutes are accepted with no call to Salesforce', async () => {
    proxy.requests.length = 0
    const signed = signedRequest(ada.id)
    const first = await enter(signed)
    expect(first.statusCode).toBe(200)
    expect(bootstrapOf(first.body).linked).toBe(true)
    const again = await enter(signed)
    expect(again.statusCode).toBe(200)
    expect(proxy.requests).toEqual([])
    const seen = await t.db.pool.query(
      `SELECT seen_count FROM canvas_signed_requests ORDER BY first_seen_at DESC LIMIT 1`,
    )
    expect(seen.rows[0].seen_count).toBe(2)
  })

  it('the same request spelled in URL-safe Base64 is still the same request', async () => {
    const signed = signedRequest(ada.id)
    expect((await enter(signed)).statusCode).toBe(200)
    await ageSeenRequests()
    // The signature re-spelled: other text, same bytes. Without proof it must not pass as new.
    const [signature, payload] = signed.split('.') as [string, string]
    const urlSafe = `${signature.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}.${payload}`
    t.sim.control.revokeUserTokens(ada.id)
    const replay = await enter(urlSafe)
    expect(replay.statusCode).toBe(401)
    expect(replay.body).toContain('CANVAS_REPLAYED')
  })

  it('a replay older than 10 minutes proves its token with one userinfo call: live → accepted, revoked → 401 page', async () => {
    const signed = signedRequest(ada.id)
    expect((await enter(signed)).statusCode).toBe(200)
    await ageSeenRequests()
    proxy.requests.length = 0
    const live = await enter(signed)
    expect(live.statusCode).toBe(200)
    expect(userinfoCalls()).toBe(1)
    expect(proxy.requests[0]!.authorization).toMatch(/^Bearer /)

    // The user's Salesforce session and tokens are revoked: the captured request is worthless now.
    t.sim.control.revokeUserTokens(ada.id)
    const sessionsBefore = await sessionCount()
    const replay = await enter(signed)
    expect(replay.statusCode).toBe(401)
    expect(replay.headers['content-type']).toMatch(/text\/html/)
    expect(replay.body).toContain('Reload the page in Salesforce')
    expect(replay.body).toContain('CANVAS_REPLAYED')
    expect(userinfoCalls()).toBe(2)
    expect(await sessionCount()).toBe(sessionsBefore)
    // POST /canvas/session follows the same rule.
    const renewal = await t.app.inject({ method: 'POST', url: '/canvas/session', payload: { signedRequest: signed } })
    expect(renewal.statusCode).toBe(401)
    expect(renewal.json().code).toBe('CANVAS_REPLAYED')
    expect(await sessionCount()).toBe(sessionsBefore)
    // A fresh request from Salesforce works at once.
    expect((await enter(signedRequest(ada.id))).statusCode).toBe(200)
  })

  it('a replayed request never replaces the stored refresh token with the one it carries', async () => {
    const old = signedRequest(ada.id)
    expect((await enter(old)).statusCode).toBe(200)
    const oldToken = await storedRefreshToken()
    // The refresh token is revoked in Salesforce; the next visit brings a new one, which is kept.
    t.sim.control.revokeUserTokens(ada.id)
    const fresh = signedRequest(ada.id)
    expect((await enter(fresh)).statusCode).toBe(200)
    const newToken = await storedRefreshToken()
    expect(newToken).not.toBe(oldToken)
    // The old request replayed within the window: accepted (no call), but its refresh token is not stored.
    expect((await enter(old)).statusCode).toBe(200)
    expect(await storedRefreshToken()).toBe(newToken)
    const link = await t.app.services.links.findBySalesforceUser(
      t.db.pool,
      t.sim.control.user(ada.id).organizationId,
      ada.id,
    )
    const cred = await t.app.services.credentials.find(t.db.pool, link!.id, 'oauth_refresh')
    expect(cred!.status).toBe('ok')
  })
})

describe('API keys need the password again (step-up), whatever the session', () => {
  let t: SimApp

  beforeAll(async () => {
    t = await createSimApp({ sim: { canvasRefreshToken: false } })
  })
  afterAll(async () => {
    await t?.close()
  })

  it('canvas, bearer and cookie sessions alike: no password or a wrong one makes no key; the right one does', async () => {
    const ada = t.sim.control.users()[0]!
    const boot = bootstrapOf(
      (
        await t.app.inject({
          method: 'POST',
          url: '/canvas',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: `signed_request=${encodeURIComponent(t.sim.control.signedRequest(ada.id))}`,
        })
      ).body,
    )
    const canvas = (
      await t.app.inject({
        method: 'POST',
        url: '/api/auth/signup',
        headers: { authorization: `Bearer ${boot.token}` },
        payload: { email: 'stepup@app.test', password: PASSWORD },
      })
    ).json().token
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'stepup@app.test', password: PASSWORD },
    })
    const cookie = login.cookies.find((c) => c.name === 'sfl_session')!.value
    const csrf = (await t.app.inject({ url: '/api/csrf', cookies: { sfl_session: cookie } })).json().csrfToken
    const sessions = {
      canvas: { headers: { authorization: `Bearer ${canvas}` } },
      bearer: { headers: { authorization: `Bearer ${login.json().token}` } },
      cookie: { cookies: { sfl_session: cookie }, headers: { 'x-csrf-token': csrf } },
    }
    let ip = 0
    for (const [kind, auth] of Object.entries(sessions)) {
      const create = (payload: object) =>
        t.app.inject({ method: 'POST', url: '/api/api-keys', payload, remoteAddress: `198.51.100.${++ip}`, ...auth })
      const none = await create({ name: `${kind} key` })
      expect(none.statusCode, kind).toBe(400)
      expect(none.json().details).toEqual([{ field: 'password', rule: 'required' }])
      const wrong = await create({ name: `${kind} key`, password: 'not the password' })
      expect(wrong.statusCode, kind).toBe(403)
      expect(wrong.json().code).toBe('PASSWORD_CONFIRMATION_FAILED')
      const right = await create({ name: `${kind} key`, password: PASSWORD })
      expect(right.statusCode, kind).toBe(201)
      expect(right.json().key).toMatch(/^sfl_/)
    }
    const keys = await t.db.pool.query(`SELECT name FROM api_keys ORDER BY created_at`)
    expect(keys.rows.map((r) => r.name)).toEqual(['canvas key', 'bearer key', 'cookie key'])
    const audited = await t.db.pool.query(
      `SELECT outcome, count(*)::int AS n FROM audit_log WHERE event = 'app.password_confirmed' GROUP BY outcome ORDER BY outcome`,
    )
    expect(audited.rows).toEqual([
      { outcome: 'failure', n: 3 },
      { outcome: 'success', n: 3 },
    ])
  })

  it('the password check is throttled like sign-in: guessing through it waits after 10 tries', async () => {
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'stepup@app.test', password: PASSWORD },
    })
    const bearer = { authorization: `Bearer ${login.json().token}` }
    const statuses: number[] = []
    for (let i = 0; i < 11; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/api-keys',
        headers: bearer,
        payload: { name: 'guess', password: `guess ${i}` },
        remoteAddress: '203.0.113.99',
      })
      statuses.push(res.statusCode)
    }
    expect(statuses.slice(0, 10).every((s) => s === 403)).toBe(true)
    expect(statuses[10]).toBe(429)
  })
})
