import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, screenshot, startLiveApp, type LiveApp, signInStandalone } from '../helpers/live.js'
import { bootstrapOf } from '../helpers/canvas.js'

/**
 * Access breaks silently no more: the security token is reset in Salesforce, the next sync
 * fails once, the owner gets one email in the demo mail catcher within a minute, its link opens
 * Link Accounts, the new token fixes it, and a "works again" email follows. The worker runs
 * for real (pg-boss), its notification run every second instead of every 30.
 */
describe('Access emails in a real browser, through the demo mail catcher', () => {
  let live: LiveApp
  let browser: Browser
  let page: Page
  let ada: { id: string; username: string; password: string; securityToken: string }
  let token: string
  let contacts: string[]

  const bearer = () => ({ authorization: `Bearer ${token}` })
  const report = async (emails: string[]) => {
    const res = await live.app.inject({
      method: 'POST',
      url: '/api/unsubscribes',
      headers: bearer(),
      payload: { emails },
    })
    expect(res.statusCode).toBe(202)
  }
  const status = async () =>
    (await live.app.inject({ url: '/api/unsubscribes/status', headers: bearer() })).json() as {
      synced: number
      paused: { code: string } | null
    }
  const adaMail = () => live.mail!.list().filter((m) => m.to === 'ada@app.test')

  beforeAll(async () => {
    live = await startLiveApp({ sim: { canvasRefreshToken: false }, worker: true, mail: true })
    browser = await launchBrowser()
    ada = live.sim.control.users()[0]!
    contacts = live.sim.control
      .records('Contact')
      .filter((r) => r.HasOptedOutOfEmail === false && typeof r.Email === 'string')
      .slice(0, 3)
      .map((r) => String(r.Email))
    const boot = bootstrapOf(
      (
        await live.app.inject({
          method: 'POST',
          url: '/canvas',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: `signed_request=${encodeURIComponent(live.sim.control.signedRequest(ada.id))}`,
        })
      ).body,
    )
    token = (
      await live.app.inject({
        method: 'POST',
        url: '/api/auth/signup',
        headers: { authorization: `Bearer ${boot.token}` },
        payload: { email: 'ada@app.test', password: 'a long app password' },
      })
    ).json().token
    const put = await live.app.inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: bearer(),
      payload: {
        username: ada.username,
        password: ada.password,
        securityToken: ada.securityToken,
        environment: 'production',
      },
    })
    expect(put.statusCode).toBe(200)
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    await signInStandalone(page, live.url, 'ada@app.test', 'a long app password')
  })
  afterAll(async () => {
    await browser?.close()
    await live?.close()
  })

  it('token reset → one failed sync → one email within a minute → its link opens Link Accounts → new token → "works again" email', async () => {
    // The sync works: the first unsubscribe reaches Salesforce.
    await report([contacts[0]!])
    await expect.poll(async () => (await status()).synced, { timeout: 30_000 }).toBe(1)
    expect(adaMail()).toHaveLength(0)

    // The token is reset in Salesforce (the simulator's control API); its sessions end.
    const newToken = live.sim.control.resetToken(ada.id)
    live.sim.control.expireSessions()
    const failedAt = Date.now()
    await report([contacts[1]!])
    await expect.poll(async () => (await status()).paused?.code, { timeout: 30_000 }).toBe('SF_INVALID_LOGIN')
    expect(live.sim.control.counters().logins.byCode.INVALID_LOGIN).toBe(1)

    // Within a minute, one email for the owner.
    await expect.poll(() => adaMail().length, { timeout: 60_000, interval: 250 }).toBe(1)
    expect(Date.now() - failedAt).toBeLessThan(60_000)
    expect(adaMail()[0]!.subject).toMatch(/lost access to Salesforce/)

    // The demo banner links the mail catcher; the page shows the email.
    const mailLink = page.getByTestId('demo-mail-link')
    await mailLink.waitFor({ timeout: 15_000 })
    expect(await mailLink.getAttribute('href')).toBe(`${live.url}/demo/mail`)
    await page.goto(`${live.url}/demo/mail`)
    await page.getByTestId('mail').first().waitFor({ timeout: 15_000 })
    expect(await page.getByTestId('mail-subject').first().textContent()).toMatch(/lost access to Salesforce/)
    expect(await page.getByTestId('mail-to').first().textContent()).toBe('ada@app.test')
    expect(await page.locator('body').textContent()).toMatch(/security token was reset/)
    await screenshot(page, 'demo-mail-access-broken')

    // Its link opens Link Accounts, showing what needs attention.
    const fix = page.getByTestId('mail-link').filter({ hasText: '/#/settings/link-accounts' }).first()
    await fix.click()
    await page.waitForURL(/#\/settings\/link-accounts$/, { timeout: 15_000 })
    await page.getByTestId('credential-status').waitFor({ timeout: 15_000 })
    await expect
      .poll(() => page.getByTestId('credential-status').getAttribute('data-status'), { timeout: 15_000 })
      .toBe('needs_attention')
    await page.getByTestId('notification-settings').getByTestId('recent-notification').first().waitFor()
    await screenshot(page, 'link-accounts-from-email')

    // More failed work, more runs: still one email (no repeats for the same state).
    await report([contacts[2]!])
    await new Promise((r) => setTimeout(r, 2_500))
    expect(adaMail()).toHaveLength(1)

    // The token is updated in the UI: one "works again" email arrives.
    await page.locator('#sf-token').fill(newToken)
    await page.getByRole('button', { name: 'Update token only' }).click()
    await expect
      .poll(() => page.getByTestId('credential-status').getAttribute('data-status'), { timeout: 15_000 })
      .toBe('ok')
    await expect.poll(() => adaMail().length, { timeout: 60_000, interval: 250 }).toBe(2)
    expect(adaMail()[0]!.subject).toMatch(/can reach Salesforce again/)
    for (const m of adaMail()) {
      for (const secret of [ada.password, ada.securityToken, newToken]) {
        expect(m.text).not.toContain(secret)
        expect(m.html ?? '').not.toContain(secret)
      }
    }
    await page.goto(`${live.url}/demo/mail.html`)
    await page.getByText('SF Link can reach Salesforce again').first().waitFor({ timeout: 15_000 })
    await screenshot(page, 'demo-mail-access-restored')
  })

  it('the unsubscribe link in the email asks, its button turns them off; its page and Link Accounts turn them on again; previews', async () => {
    const settings = async () =>
      (await live.app.inject({ url: '/api/notifications/settings', headers: bearer() })).json().accessEmails
    await page.goto(`${live.url}/demo/mail.html`)
    await page.getByTestId('mail-link').filter({ hasText: '/notifications/unsubscribe?token=' }).first().click()
    // The link only asks: a mail scanner opening it would not turn the alerts off.
    await page.getByTestId('unsubscribe-confirm').waitFor({ timeout: 15_000 })
    expect(await settings()).toBe(true)
    await screenshot(page, 'notifications-unsubscribe-confirm')
    await page.getByTestId('unsubscribe-button').click()
    await page.getByTestId('unsubscribed').waitFor({ timeout: 15_000 })
    expect(await settings()).toBe(false)
    await screenshot(page, 'notifications-unsubscribed')
    await page.getByRole('button', { name: 'Turn these emails back on' }).click()
    await page.getByTestId('subscribed').waitFor({ timeout: 15_000 })
    expect(await settings()).toBe(true)

    await page.goto(`${live.url}/#/settings/link-accounts`)
    const card = page.getByTestId('notification-settings')
    const box = card.locator('#access-emails')
    await box.waitFor({ timeout: 15_000 })
    expect(await box.isChecked()).toBe(true)
    await card.locator('label[for="access-emails"]').click()
    await expect.poll(() => box.isChecked(), { timeout: 15_000 }).toBe(false)
    await expect.poll(settings, { timeout: 15_000 }).toBe(false)
    await card.locator('label[for="access-emails"]').click()
    await expect.poll(settings, { timeout: 15_000 }).toBe(true)

    await card.locator('#preview-kind').selectOption('access_reminder')
    await card.getByRole('button', { name: 'Preview' }).click()
    const preview = card.getByTestId('notification-preview')
    await preview.waitFor({ timeout: 15_000 })
    expect(await preview.textContent()).toMatch(/Reminder[\s\S]*\/#\/settings\/link-accounts/)
    await preview.locator('summary', { hasText: 'HTML version' }).click()
    await page
      .frameLocator('.sfl-mail-preview-frame')
      .getByText('Salesforce access has been broken for 24 hours')
      .waitFor({ timeout: 15_000 })
    await screenshot(page, 'link-accounts-email-settings')
  })
})
