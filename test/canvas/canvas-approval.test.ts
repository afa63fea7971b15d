/**
 * `GET /canvas` and the end of popup flows, over HTTP (the browser journey is in
 * test/browser/canvas-approval.browser.test.ts): the approval page only ever starts the approval
 * at an allowed Salesforce login URL, and the done page never reflects what it is given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSimApp, type SimApp } from '../helpers/simulator-app.js'

describe('GET /canvas and the popup done page', () => {
  let t: SimApp
  beforeAll(async () => {
    t = await createSimApp({ sim: { permittedUsers: 'self_authorize' } })
  })
  afterAll(async () => {
    await t?.close()
  })

  const startUrlOf = (html: string) => {
    const m = /data-start-url="([^"]+)"/.exec(html)
    return m ? new URL(m[1]!.replace(/&amp;/g, '&'), 'http://x') : null
  }

  it('without the approval parameter: 200 HTML saying SF Link opens inside Salesforce, under the content security policy', async () => {
    const res = await t.app.inject({ url: '/canvas' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/text\/html/)
    expect(res.body).toMatch(/SF Link opens from inside Salesforce/)
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/)
    expect(res.body).not.toMatch(/<script>/)
  })

  it("the approval page starts the approval at Salesforce's login URL only when it is an allowed one", async () => {
    const sim = await t.app.inject({
      url: `/canvas?_sfdc_canvas_authvalue=user_approval_required&loginUrl=${encodeURIComponent(t.sim.url)}`,
    })
    expect(sim.statusCode).toBe(200)
    expect(sim.body).toMatch(/Approve SF Link to continue/)
    expect(sim.body).toContain('/canvas/approval.js')
    const start = startUrlOf(sim.body)!
    expect(start.pathname).toBe('/oauth/salesforce/start')
    expect(start.searchParams.get('intent')).toBe('approve')
    expect(start.searchParams.get('environment')).toBe(new URL(t.sim.url).origin)

    const evil = await t.app.inject({
      url: '/canvas?_sfdc_canvas_authvalue=user_approval_required&loginUrl=https%3A%2F%2Fevil.example.com',
    })
    expect(startUrlOf(evil.body)!.searchParams.get('environment')).toBe('production')
    expect(evil.body).not.toContain('evil.example.com')

    const script = await t.app.inject({ url: '/canvas/approval.js' })
    expect(script.statusCode).toBe(200)
    expect(script.headers['content-type']).toMatch(/javascript/)
    expect(script.body).toContain('repost(true)')
  })

  it('an approval started for a login URL outside Salesforce ends on the done page with the reason', async () => {
    const res = await t.app.inject({
      url: '/oauth/salesforce/start?intent=approve&environment=https%3A%2F%2Fevil.example.com',
    })
    expect(res.statusCode).toBe(302)
    expect(res.headers.location).toBe('/oauth/salesforce/done?outcome=failed&error=SF_ENVIRONMENT_NOT_ALLOWED')
    const ok = await t.app.inject({ url: '/oauth/salesforce/start?intent=approve&environment=production' })
    expect(ok.statusCode).toBe(302)
    expect(new URL(ok.headers.location as string).origin).toBe(new URL(t.sim.url).origin)
  })

  it('the done page says what happened from the registry, and reflects nothing it was given', async () => {
    const declined = await t.app.inject({ url: '/oauth/salesforce/done?outcome=failed&error=SF_OAUTH_DENIED' })
    expect(declined.body).toMatch(/You declined access/)
    expect(declined.body).toContain('/oauth/salesforce/done.js')
    const forged = await t.app.inject({
      url: `/oauth/salesforce/done?outcome=failed&error=${encodeURIComponent('<img src=x onerror=alert(1)>')}`,
    })
    expect(forged.statusCode).toBe(200)
    expect(forged.body).not.toContain('<img')
    expect(forged.body).not.toContain('onerror')
    expect(forged.body).toMatch(/Connect with Salesforce did not finish/)
    expect(forged.body).toContain('SF_OAUTH_FAILED')
    const connected = await t.app.inject({ url: '/oauth/salesforce/done?outcome=connected' })
    expect(connected.body).toMatch(/Connected with Salesforce/)
  })
})
