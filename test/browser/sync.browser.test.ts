import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, screenshot, startLiveApp, type LiveApp, signInStandalone } from '../helpers/live.js'
import { bootstrapOf } from '../helpers/canvas.js'

/** Journey 7 as a person sees it: an API key for the mailing side, then the Sync page. */
describe('Sync page and API keys in a real browser', () => {
  let live: LiveApp
  let browser: Browser
  let page: Page
  let contacts: string[]

  beforeAll(async () => {
    live = await startLiveApp({ sim: { canvasRefreshToken: false }, worker: true })
    browser = await launchBrowser()
    const ada = live.sim.control.users()[0]!
    contacts = live.sim.control
      .records('Contact')
      .filter((r) => r.HasOptedOutOfEmail === false && typeof r.Email === 'string')
      .slice(0, 3)
      .map((r) => String(r.Email))
    // Linked inside Salesforce, with a stored credential so the worker can reach Salesforce later.
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
    const token = (
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
      headers: { authorization: `Bearer ${token}` },
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

  it('creates an API key after the password is checked again, shown once, that the mailing side can use', async () => {
    await page.goto(`${live.url}/#/settings/api-keys`)
    await page.locator('#api-key-name').fill('Newsletter sender')
    // A key outlives the session: the password is asked again, and a wrong one makes no key.
    await page.locator('#api-key-password').fill('not my password')
    await page.getByRole('button', { name: 'Create key' }).click()
    await page.getByText('That is not your SF Link password').waitFor({ timeout: 15_000 })
    expect(await page.getByTestId('new-api-key').count()).toBe(0)
    expect(await page.locator('#api-key-password').inputValue()).toBe('')
    await page.locator('#api-key-password').fill('a long app password')
    await page.getByRole('button', { name: 'Create key' }).click()
    const keyField = page.getByTestId('new-api-key')
    await keyField.waitFor({ timeout: 15_000 })
    const key = (await keyField.inputValue().catch(() => null)) ?? (await keyField.textContent())!
    expect(key).toMatch(/^sfl_/)
    await screenshot(page, 'api-keys-created')
    // The mailing side reports unsubscribes with the key (no browser session).
    const res = await fetch(`${live.url}/api/unsubscribes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.trim()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ emails: [...contacts, 'nobody-here@example.org'] }),
    })
    expect(res.status).toBe(202)
    // The list shows only the prefix, never the key again.
    await page.reload()
    await page.getByTestId('api-key-row').first().waitFor()
    expect(await page.content()).not.toContain(key.trim())
  })

  it('the Sync page shows the counts, and Sync now opts the contacts out in Salesforce', async () => {
    await page.goto(`${live.url}/#/sync`)
    await page.getByTestId('sync-counts').waitFor({ timeout: 15_000 })
    await page.getByRole('button', { name: 'Sync now' }).click()
    await expect
      .poll(
        async () => {
          await page.reload()
          await page.getByTestId('count-synced').waitFor({ timeout: 15_000 })
          return [
            await page.getByTestId('count-synced').textContent(),
            await page.getByTestId('count-no-match').textContent(),
          ]
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toEqual(['3', '1'])
    for (const email of contacts) {
      expect(live.sim.control.records('Contact', { email }).every((r) => r.HasOptedOutOfEmail === true)).toBe(true)
    }
    await screenshot(page, 'sync-page')
  })

  it('a token reset pauses the sync, and the page says why with a link to fix it', async () => {
    const ada = live.sim.control.users()[0]!
    live.sim.control.resetToken(ada.id)
    live.sim.control.expireSessions()
    const other = live.sim.control
      .records('Contact')
      .find((r) => r.HasOptedOutOfEmail === false && typeof r.Email === 'string')!
    await page.goto(`${live.url}/#/sync`)
    await page.locator('#unsubscribe-emails').fill(String(other.Email))
    await page.getByRole('button', { name: 'Add to suppression list' }).click()
    await page.getByTestId('unsubscribe-result').waitFor({ timeout: 15_000 })
    await expect
      .poll(
        async () => {
          await page.reload()
          await page.getByTestId('sync-counts').waitFor({ timeout: 15_000 })
          return page.getByText('SF_INVALID_LOGIN').count()
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toBeGreaterThan(0)
    expect(await page.getByTestId('count-pending').textContent()).toBe('1')
    await page.getByTestId('credential-banner').waitFor()
    await screenshot(page, 'sync-paused')
  })
})
