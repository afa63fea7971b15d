import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, screenshot, startLiveApp, type LiveApp, signInStandalone } from '../helpers/live.js'

/** Journeys 3 and 5 (and Connect with Salesforce) as a person does them, standalone at / . */
describe('Salesforce credentials in a real browser', () => {
  let live: LiveApp
  let browser: Browser
  let page: Page
  let ada: { id: string; username: string; password: string; securityToken: string }
  let apiToken: string

  async function openLinkAccounts(): Promise<void> {
    await page.goto(`${live.url}/#/settings/link-accounts`)
    await page.getByTestId('credential-status').waitFor({ timeout: 15_000 })
  }
  const status = () => page.getByTestId('credential-status').getAttribute('data-status')

  beforeAll(async () => {
    live = await startLiveApp({ sim: { canvasRefreshToken: false } })
    browser = await launchBrowser()
    ada = live.sim.control.users()[0]!
    // First visit inside Salesforce (journey 1) through the API, then sign in standalone in the browser.
    const boot = (await import('../helpers/canvas.js')).bootstrapOf(
      (
        await live.app.inject({
          method: 'POST',
          url: '/canvas',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: `signed_request=${encodeURIComponent(live.sim.control.signedRequest(ada.id))}`,
        })
      ).body,
    )
    await live.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { authorization: `Bearer ${boot.token}` },
      payload: { email: 'ada@app.test', password: 'a long app password' },
    })
    apiToken = (
      await live.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'ada@app.test', password: 'a long app password' },
      })
    ).json().token
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    await signInStandalone(page, live.url, 'ada@app.test', 'a long app password')
  })
  afterAll(async () => {
    await browser?.close()
    await live?.close()
  })

  it('journey 3: a wrong token is refused with the exact reason; a missing one asks for the token; the right one → OK', async () => {
    await openLinkAccounts()
    expect(await status()).toBe('none')
    await screenshot(page, 'link-accounts-no-credential')
    await page.locator('#sf-username').fill(ada.username)
    await page.locator('#sf-password').fill(ada.password)
    await page.locator('#sf-token').fill('WRONGTOKENWRONGTOKEN1234')
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await expect
      .poll(() => page.locator('#credential-error').textContent(), { timeout: 15_000 })
      .toMatch(/SF_INVALID_LOGIN|security token/)
    expect(await status()).toBe('none')

    await page.locator('#sf-token').fill('')
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await expect
      .poll(() => page.locator('#credential-error').textContent(), { timeout: 15_000 })
      .toMatch(/SF_SECURITY_TOKEN_REQUIRED|trusted IP/)
    await screenshot(page, 'link-accounts-token-required')

    await page.locator('#sf-token').fill(ada.securityToken)
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await expect.poll(status, { timeout: 15_000 }).toBe('ok')
    await screenshot(page, 'link-accounts-credential-ok')
  })

  it('journey 5: after a token reset the banner shows on every page; Update token only with the emailed token fixes it', async () => {
    const newToken = live.sim.control.resetToken(ada.id)
    live.sim.control.expireSessions()
    // An operation outside Salesforce (a background job would do the same).
    const accountId = (
      await live.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${apiToken}` } })
    ).json().id
    await expect(
      live.app.services.salesforce.withConnection(
        { accountId, canvas: false },
        async (c) => (await c.query('SELECT Id FROM Contact LIMIT 1')).totalSize,
      ),
    ).rejects.toMatchObject({ code: 'SF_INVALID_LOGIN' })
    live.sim.control.resetCounters()

    for (const route of ['#/connections', '#/sync', '#/settings/link-accounts']) {
      await page.goto(`${live.url}/${route}`)
      await page.getByTestId('credential-banner').waitFor({ timeout: 15_000 })
    }
    expect(await page.getByTestId('credential-banner').textContent()).toMatch(/token|password/i)
    await expect.poll(status).toBe('needs_attention')
    await screenshot(page, 'link-accounts-needs-attention')
    // Looking around caused no login attempt.
    expect(live.sim.control.counters().logins.failure + live.sim.control.counters().logins.success).toBe(0)

    const mail = live.sim.control.outbox(ada.username).at(-1)!
    expect(mail.body).toContain(newToken)
    await page.locator('#sf-token').fill(newToken)
    await page.getByRole('button', { name: 'Update token only' }).click()
    await expect.poll(status, { timeout: 15_000 }).toBe('ok')
    expect(await page.getByTestId('credential-banner').count()).toBe(0)
    await screenshot(page, 'link-accounts-fixed')
  })

  it('Connect with Salesforce through the simulator authorize pages stores a refresh token', async () => {
    await openLinkAccounts()
    await page
      .getByRole('button', { name: /Connect with Salesforce/ })
      .first()
      .click()
    await page.locator('#username').waitFor({ timeout: 15_000 })
    await screenshot(page, 'oauth-simulator-login')
    await page.locator('#username').fill(ada.username)
    await page.locator('#password').fill(live.sim.control.user(ada.id).password)
    await page.getByRole('button', { name: 'Log In' }).click()
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.getByTestId('oauth-connected').waitFor({ timeout: 15_000 })
    const link = (
      await live.app.inject({ url: '/api/salesforce/link', headers: { authorization: `Bearer ${apiToken}` } })
    ).json()
    expect(link.credential).toMatchObject({ kind: 'oauth_refresh', status: 'ok' })
    await screenshot(page, 'link-accounts-oauth-connected')
  })
})
