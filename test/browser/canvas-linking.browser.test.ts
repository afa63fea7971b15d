import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchBrowser, screenshot, startLiveApp, type LiveApp } from '../helpers/live.js'

describe('journeys 1–2 in a real browser, through the simulated Salesforce page', () => {
  let live: LiveApp
  let browser: Browser
  let ada: { id: string; username: string }

  beforeAll(async () => {
    live = await startLiveApp({ sim: { canvasRefreshToken: false } })
    browser = await launchBrowser()
    ada = live.sim.control.users()[0]!
  })
  afterAll(async () => {
    await browser?.close()
    await live?.close()
  })

  it('first visit → create account → Link Accounts shows the Salesforce user ID', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(`${live.sim.url}/canvas-host?user=${ada.id}`)
    const frame = page.frameLocator('#canvas-frame')
    await expect.poll(() => frame.getByTestId('welcome').isVisible(), { timeout: 15_000 }).toBe(true)
    await screenshot(page, 'canvas-first-visit')
    await frame.getByRole('button', { name: 'Create an account' }).click()
    await frame.locator('#signup-email').fill('ada@app.test')
    await frame.locator('#signup-name').fill('Ada')
    await frame.locator('#signup-password').fill('a long app password')
    await frame.getByRole('button', { name: 'Create account' }).click()
    await frame.getByTestId('sf-user-id').waitFor({ timeout: 15_000 })
    expect((await frame.getByTestId('sf-user-id').textContent())?.trim()).toBe(ada.id)
    expect(ada.id).toHaveLength(18)
    await screenshot(page, 'canvas-link-accounts')
    await page.close()
  })

  it('second visit → signed in directly', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(`${live.sim.url}/canvas-host?user=${ada.id}`)
    const frame = page.frameLocator('#canvas-frame')
    await frame.getByText('ada@app.test').first().waitFor({ timeout: 15_000 })
    expect(await frame.getByTestId('welcome').count()).toBe(0)
    await screenshot(page, 'canvas-second-visit')

    // The app session dies (expired or revoked): the UI renews it through the Canvas SDK's
    // refreshSignedRequest → POST /canvas/session, without a reload or a new sign-in.
    const renewals: string[] = []
    page.on('request', (r) => {
      if (r.url().endsWith('/canvas/session')) renewals.push(r.method())
    })
    await live.db.pool.query(`UPDATE sessions SET revoked_at = now() WHERE kind = 'canvas'`)
    await frame.getByRole('link', { name: 'Link Accounts' }).first().click()
    await frame.getByTestId('sf-user-id').waitFor({ timeout: 15_000 })
    await frame.getByRole('button', { name: 'Refresh' }).click() // asks the server again with the dead token
    await expect.poll(() => renewals, { timeout: 15_000 }).toContain('POST')
    await frame.getByTestId('sf-user-id').waitFor({ timeout: 15_000 })
    expect(await frame.getByTestId('welcome').count()).toBe(0)
    await page.close()
  })

  it('a forged POST to /canvas → the 401 page', async () => {
    const page = await browser.newPage()
    const forged = live.sim.control.signedRequest(ada.id).replace(/^[^.]+/, Buffer.alloc(32, 7).toString('base64'))
    await page.setContent(
      `<form id="f" method="post" action="${live.url}/canvas"><input type="hidden" name="signed_request" value="${forged}"></form>`,
    )
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit()),
    ])
    expect(response?.status()).toBe(401)
    await expect.poll(() => page.textContent('#error-code')).toBe('CANVAS_BAD_SIGNATURE')
    expect(await page.content()).not.toContain(forged.split('.')[1]!.slice(0, 40))
    await screenshot(page, 'canvas-forged-401')
    await page.close()
  })

  it('standalone sign-in at / shows the same link', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(`${live.url}/`)
    await page.locator('#signin-email').fill('ada@app.test')
    await page.locator('#signin-password').fill('a long app password')
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.goto(`${live.url}/#/settings/link-accounts`)
    await page.getByTestId('sf-user-id').waitFor({ timeout: 15_000 })
    expect((await page.getByTestId('sf-user-id').textContent())?.trim()).toBe(ada.id)
    await screenshot(page, 'standalone-link-accounts')
    await page.close()
  })
})
