/**
 * Login CSRF, both ways:
 * - the OAuth `state` is bound to the browser that started the flow (an HttpOnly, SameSite=Lax
 *   nonce cookie checked at the callback), so a callback URL produced by someone else, opened
 *   in a victim's browser, signs nobody in; the canvas popup (a one-time ticket opened in a new
 *   window) carries the cookie like any top-level window;
 * - the auth routes take JSON only (415 for forms and text/plain, which a cross-site HTML form
 *   can send), and the routes that set the session cookie refuse another site's `Origin`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LightMyRequestResponse } from 'fastify'
import { authorizeWithForms } from '@sf-link/simulator/testing'
import { createSimApp, linkedAccount, type SimApp } from '../helpers/simulator-app.js'

const OWN_ORIGIN = 'http://localhost:3000' // createSimApp's PUBLIC_URL

/** The nonce cookie a start answer sets, as a browser would keep it. */
function nonceCookie(start: LightMyRequestResponse): { name: string; value: string } {
  const cookie = start.cookies.find((c) => c.name.startsWith('sfl_oauth_'))
  if (!cookie) throw new Error('no OAuth nonce cookie')
  return { name: cookie.name, value: cookie.value }
}

describe('login CSRF', () => {
  let t: SimApp
  let mallory: { id: string; username: string; password: string }
  let grace: { id: string; username: string; password: string }
  let graceTokens: Awaited<ReturnType<typeof linkedAccount>>

  beforeAll(async () => {
    t = await createSimApp({
      sim: { canvasRefreshToken: false, callbackUrls: [`${OWN_ORIGIN}/oauth/salesforce/callback`] },
    })
    ;[mallory, grace] = t.sim.control.users() as unknown as Array<typeof mallory>
    await linkedAccount(t.app, t.sim, mallory!.id, 'mallory@app.test')
    graceTokens = await linkedAccount(t.app, t.sim, grace!.id, 'grace@app.test')
  })
  afterAll(async () => {
    await t?.close()
  })

  it("a Sign in with Salesforce callback made in the attacker's browser signs no victim in", async () => {
    // Mallory starts the flow in her own browser and stops at the callback URL…
    const start = await t.app.inject({ url: '/oauth/salesforce/start?intent=signin' })
    const back = await authorizeWithForms(String(start.headers.location), mallory)
    // …and gets the victim's browser (no nonce cookie of that flow) to open it.
    const victim = await t.app.inject({ url: `/oauth/salesforce/callback${back.search}` })
    expect(victim.statusCode).toBe(302)
    expect(victim.headers.location).toBe('/#/signin?error=SF_OAUTH_OTHER_BROWSER')
    expect(victim.cookies.find((c) => c.name === 'sfl_session')).toBeUndefined()
    // A nonce from another flow does not help either.
    const other = nonceCookie(await t.app.inject({ url: '/oauth/salesforce/start?intent=signin' }))
    const wrongNonce = await t.app.inject({
      url: `/oauth/salesforce/callback${back.search}`,
      cookies: { [nonceCookie(start).name]: other.value },
    })
    expect(wrongNonce.cookies.find((c) => c.name === 'sfl_session')).toBeUndefined()
    // The browser that started the flow completes it (the state was not used up by the refusals).
    const own = await t.app.inject({
      url: `/oauth/salesforce/callback${back.search}`,
      cookies: { [nonceCookie(start).name]: nonceCookie(start).value },
    })
    expect(own.headers.location).toBe('/#/connections')
    const session = own.cookies.find((c) => c.name === 'sfl_session')!
    expect((await t.app.inject({ url: '/api/me', cookies: { sfl_session: session.value } })).json().email).toBe(
      'mallory@app.test',
    )
    // The nonce cookie is cleared once used.
    expect(own.cookies.find((c) => c.name === nonceCookie(start).name)?.value).toBe('')
  })

  it('the nonce cookie is HttpOnly, SameSite=Lax, short-lived and sent only to the callback', async () => {
    const start = await t.app.inject({ url: '/oauth/salesforce/start?intent=signin' })
    const cookie = start.cookies.find((c) => c.name.startsWith('sfl_oauth_'))!
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/oauth/salesforce/callback' })
    expect(cookie.maxAge).toBeGreaterThan(0)
    expect(cookie.maxAge).toBeLessThanOrEqual(600)
    expect(cookie.value.length).toBeGreaterThanOrEqual(43)
    // Only its hash is stored.
    const stored = await t.db.pool.query(`SELECT browser_nonce_hash FROM oauth_states ORDER BY created_at DESC LIMIT 1`)
    expect(Buffer.from(stored.rows[0].browser_nonce_hash).toString('utf8')).not.toContain(cookie.value)
  })

  it('the canvas popup: a ticket opened in a new window binds the flow to that window', async () => {
    const ticket = await t.app.inject({
      method: 'POST',
      url: '/api/salesforce/oauth/ticket',
      headers: { authorization: `Bearer ${graceTokens.canvasToken}` },
      payload: {},
    })
    const popup = await t.app.inject({ url: ticket.json().url })
    expect(popup.statusCode).toBe(302)
    const back = await authorizeWithForms(String(popup.headers.location), grace)
    // Opened elsewhere: refused, nothing stored.
    const elsewhere = await t.app.inject({ url: `/oauth/salesforce/callback${back.search}` })
    expect(elsewhere.headers.location).toBe('/#/settings/link-accounts?error=SF_OAUTH_OTHER_BROWSER')
    // In the popup, with its cookie: connected.
    const inPopup = await t.app.inject({
      url: `/oauth/salesforce/callback${back.search}`,
      cookies: { [nonceCookie(popup).name]: nonceCookie(popup).value },
    })
    // A flow started inside the canvas ends on a page that says it worked and closes itself.
    expect(inPopup.headers.location).toBe('/oauth/salesforce/done?outcome=connected')
    const link = await t.app.inject({
      url: '/api/salesforce/link',
      headers: { authorization: `Bearer ${graceTokens.standaloneToken}` },
    })
    expect(link.json().credential).toMatchObject({ kind: 'oauth_refresh', status: 'ok' })
  })

  it('auth routes take JSON only: a form or text/plain body is refused with 415 and sets no cookie', async () => {
    const bodies: Array<[string, string]> = [
      ['application/x-www-form-urlencoded', 'email=mallory%40app.test&password=a+long+app+password'],
      ['text/plain', '{"email":"mallory@app.test","password":"a long app password"}'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\nm@a.t\r\n--x--'],
    ]
    for (const url of ['/api/auth/login', '/api/auth/signup']) {
      for (const [type, payload] of bodies) {
        const res = await t.app.inject({ method: 'POST', url, headers: { 'content-type': type }, payload })
        expect(res.statusCode, `${url} ${type}`).toBe(415)
        expect(res.json().code).toBe('UNSUPPORTED_MEDIA_TYPE')
        expect(res.cookies.find((c) => c.name === 'sfl_session')).toBeUndefined()
      }
    }
  })

  it('sign in, sign up and sign out refuse another site’s Origin; their own origin and non-browser clients pass', async () => {
    const credentials = { email: 'mallory@app.test', password: 'a long app password' }
    for (const origin of ['https://evil.example', 'null', 'http://localhost:3001', 'https://localhost:3000']) {
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { origin },
        payload: credentials,
      })
      expect(login.statusCode, origin).toBe(403)
      expect(login.json().code).toBe('ORIGIN_NOT_ALLOWED')
      expect(login.cookies.find((c) => c.name === 'sfl_session')).toBeUndefined()
      const signup = await t.app.inject({
        method: 'POST',
        url: '/api/auth/signup',
        headers: { origin },
        payload: { email: `x${Math.random()}@app.test`, password: 'a long app password' },
      })
      expect(signup.statusCode, origin).toBe(403)
    }
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { origin: OWN_ORIGIN },
      payload: credentials,
    })
    expect(ok.statusCode).toBe(200)
    // Outside production, the loopback aliases of PUBLIC_URL are the same machine.
    const alias = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { origin: 'http://127.0.0.1:3000' },
      payload: credentials,
    })
    expect(alias.statusCode).toBe(200)
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: credentials })).statusCode).toBe(200)
    // Signing a victim out from another site is refused too; the session stays.
    const cookie = ok.cookies.find((c) => c.name === 'sfl_session')!.value
    const logout = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { origin: 'https://evil.example' },
      cookies: { sfl_session: cookie },
    })
    expect(logout.statusCode).toBe(403)
    expect((await t.app.inject({ url: '/api/me', cookies: { sfl_session: cookie } })).statusCode).toBe(200)
  })
})
