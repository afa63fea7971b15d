/**
 * A self-authorizing canvas app ("All users may self-authorize"), in Chromium through the
 * simulator's canvas host: the first visit is a GET with
 * `_sfdc_canvas_authvalue=user_approval_required`; SF Link's page explains and runs the
 * approval in a popup; the popup ends on a page that says it worked and closes itself; the
 * iframe calls `Sfdc.canvas.client.repost(true)`; Salesforce POSTs the signed request; the
 * person creates an account and is linked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchBrowser, screenshot, startLiveApp, type LiveApp } from '../helpers/live.js'

const POLL = { timeout: 20_000 }

describe('a self-authorizing canvas app in a real browser', () => {
  let live: LiveApp
  let browser: Browser
  let grace: { id: string; username: string; password: string }

  beforeAll(async () => {
    live = await startLiveApp({ sim: { permittedUsers: 'self_authorize' } })
    browser = await launchBrowser()
    grace = live.sim.control.users()[1]!
  })
  afterAll(async () => {
    await browser?.close()
    await live?.close()
  })

  it('GET /canvas without the approval parameter explains that SF Link opens inside Salesforce (200, not 404)', async () => {
    const res = await fetch(`${live.url}/canvas`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    expect(await res.text()).toMatch(/SF Link opens from inside Salesforce/)
  })

  it('first visit: GET → approve in a popup → the popup says so and closes → repost(true) → POST → linked', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    try {
      const page = await context.newPage()
      await page.goto(`${live.sim.url}/canvas-host?user=${grace.id}`)
      const frame = page.frameLocator('#canvas-frame')
      await frame.getByRole('heading', { name: 'Approve SF Link to continue' }).waitFor(POLL)
      expect(await page.evaluate(() => (window as any).__canvasHost.approvalGets)).toBe(1)
      expect(await page.evaluate(() => (window as any).__canvasHost.posts)).toBe(0)
      await screenshot(page, 'canvas-approval-needed')

      const [popup] = await Promise.all([
        context.waitForEvent('page'),
        frame.getByRole('button', { name: 'Approve SF Link in Salesforce' }).click(),
      ])
      await popup.locator('#username').waitFor(POLL)
      await popup.locator('#username').fill(grace.username)
      await popup.locator('#password').fill(grace.password)
      await popup.getByRole('button', { name: 'Log In' }).click()
      const closed = popup.waitForEvent('close', POLL)
      await popup.getByRole('button', { name: 'Allow' }).click()
      await popup.locator('#oauth-done-title').waitFor(POLL)
      expect(await popup.textContent('#oauth-done-title')).toBe('SF Link is approved')
      await closed

      // repost(true): the host POSTs the signed request into the iframe; SF Link's first visit.
      await expect.poll(() => page.evaluate(() => (window as any).__canvasHost.posts), POLL).toBe(1)
      await frame.getByTestId('welcome').waitFor(POLL)
      await frame.getByRole('button', { name: 'Create an account' }).click()
      await frame.locator('#signup-email').fill('grace@app.test')
      await frame.locator('#signup-name').fill('Grace')
      await frame.locator('#signup-password').fill('a long app password')
      await frame.getByRole('button', { name: 'Create account' }).click()
      await frame.getByTestId('sf-user-id').waitFor(POLL)
      expect((await frame.getByTestId('sf-user-id').textContent())?.trim()).toBe(grace.id)
      await screenshot(page, 'canvas-approval-linked')

      const { rows } = await live.db.pool.query(
        `SELECT l.salesforce_user_id, c.kind FROM salesforce_links l JOIN salesforce_credentials c ON c.link_id = l.id ORDER BY c.kind`,
      )
      expect(rows.map((r) => r.salesforce_user_id)).toEqual(expect.arrayContaining([grace.id]))
      // The signed request after approval carries a refresh token: outside access with no further step.
      expect(rows.map((r) => r.kind)).toContain('oauth_refresh')
    } finally {
      await context.close()
    }
  })
})
