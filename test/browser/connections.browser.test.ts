import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, screenshot, startLiveApp, type LiveApp, signInStandalone } from '../helpers/live.js'

/**
 * docs/spec.md §2 and §1 journeys 4 and 6 as a person does them: build a connection inside Salesforce,
 * then use SF Link on its own, first without a Salesforce credential, then with one.
 */
describe('database connections in a real browser', () => {
  let live: LiveApp
  let browser: Browser
  let standalone: Page
  let ada: { id: string; username: string; password: string; securityToken: string }

  beforeAll(async () => {
    live = await startLiveApp({ sim: { canvasRefreshToken: false } })
    live.sim.control.seed({ contacts: 5400, leads: 50, campaigns: 0, optedOutFraction: 0.05 })
    browser = await launchBrowser()
    ada = live.sim.control.users()[0]!
  })
  afterAll(async () => {
    await browser?.close()
    await live?.close()
  })

  it('inside Salesforce: create a connection with the field picker and live count, then preview it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    await page.goto(`${live.sim.url}/canvas-host?user=${ada.id}`)
    const frame = page.frameLocator('#canvas-frame')
    await frame.getByRole('button', { name: 'Create an account' }).click({ timeout: 15_000 })
    await frame.locator('#signup-email').fill('ada@app.test')
    await frame.locator('#signup-password').fill('a long app password')
    await frame.getByRole('button', { name: 'Create account' }).click()
    await frame.getByTestId('sf-user-id').waitFor({ timeout: 15_000 })

    await frame.getByRole('link', { name: 'Connections' }).first().click()
    await frame.getByRole('button', { name: 'New connection' }).first().click()
    await frame.locator('#connection-name').fill('Newsletter contacts')
    // Email, First Name and Last Name come pre-selected: keep Email and First Name.
    const lastName = frame.getByRole('option', { name: 'Last Name', exact: true })
    await lastName.click({ timeout: 15_000 })
    expect(await lastName.getAttribute('aria-selected')).toBe('false')
    expect(await frame.getByRole('option', { name: 'Email', exact: true }).getAttribute('aria-selected')).toBe('true')
    const expected = live.sim.control.records('Contact').filter((r) => r.HasOptedOutOfEmail === false).length
    await expect
      .poll(() => frame.getByTestId('live-count-value').textContent(), { timeout: 15_000 })
      .toBe(expected.toLocaleString('en-US'))
    await screenshot(page, 'connection-editor')
    await frame.getByRole('button', { name: 'Save', exact: true }).click()
    await frame.getByTestId('connection-row').first().waitFor({ timeout: 15_000 })

    await frame.getByTestId('connection-row').first().getByRole('button', { name: 'Connect', exact: true }).click()
    await expect
      .poll(() => frame.getByTestId('preview-count').textContent(), { timeout: 15_000 })
      .toContain(expected.toLocaleString('en-US'))
    expect(await frame.locator('table tbody tr').count()).toBe(10)
    await screenshot(page, 'connection-preview-inside')
    await page.close()
  })

  it('outside Salesforce without a credential: Copy and Delete work, Edit and Connect are disabled, and the API refuses', async () => {
    standalone = await browser.newPage({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true })
    await signInStandalone(standalone, live.url, 'ada@app.test', 'a long app password')
    await standalone.goto(`${live.url}/#/connections`)
    const row = standalone.getByTestId('connection-row').first()
    await row.waitFor({ timeout: 15_000 })
    expect(await row.getByRole('button', { name: 'Edit' }).isDisabled()).toBe(true)
    expect(await row.getByRole('button', { name: 'Connect' }).isDisabled()).toBe(true)
    expect(await row.getByRole('button', { name: 'Export CSV' }).isDisabled()).toBe(true)
    expect(await row.getByRole('button', { name: 'Copy' }).isEnabled()).toBe(true)
    await standalone.getByTestId('access-notice').waitFor()
    expect(await standalone.getByTestId('access-notice').textContent()).toMatch(/Link Accounts/)
    await screenshot(standalone, 'connections-no-credential')

    await row.getByRole('button', { name: 'Copy' }).click()
    await expect.poll(() => standalone.getByTestId('connection-row').count(), { timeout: 15_000 }).toBe(2)
    const copy = standalone.getByTestId('connection-row').filter({ hasText: 'Copy of Newsletter contacts' })
    await copy.getByRole('button', { name: 'Delete' }).click()
    await standalone.getByRole('button', { name: 'Delete connection' }).click()
    await expect.poll(() => standalone.getByTestId('connection-row').count(), { timeout: 15_000 }).toBe(1)

    // Whatever the UI does, the server enforces the rule.
    const token = (
      await live.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'ada@app.test', password: 'a long app password' },
      })
    ).json().token
    const id = await standalone.getByTestId('connection-row').first().getAttribute('data-connection-id')
    for (const [method, url] of [
      ['POST', `/api/connections/${id}/test`],
      ['PATCH', `/api/connections/${id}`],
      ['GET', `/api/connections/${id}/records?format=csv`],
    ] as const) {
      const res = await fetch(`${live.url}${url}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: method === 'PATCH' ? JSON.stringify({ name: 'x' }) : method === 'POST' ? '{}' : undefined,
      })
      expect(res.status, `${method} ${url}`).toBe(403)
      expect((await res.json()).code).toBe('SF_CREDENTIALS_REQUIRED')
    }
  })

  it('journey 4: with the security token added, everything works outside Salesforce, including a 5,000-record CSV export', async () => {
    await standalone.goto(`${live.url}/#/settings/link-accounts`)
    await standalone.locator('#sf-username').fill(ada.username)
    await standalone.locator('#sf-password').fill(ada.password)
    await standalone.locator('#sf-token').fill(ada.securityToken)
    await standalone.getByRole('button', { name: 'Save', exact: true }).click()
    await expect
      .poll(() => standalone.getByTestId('credential-status').getAttribute('data-status'), { timeout: 15_000 })
      .toBe('ok')

    // Sign out and back in: the stored credential is what reaches Salesforce now.
    await standalone.getByRole('button', { name: 'Sign out' }).click()
    await standalone.locator('#signin-email').fill('ada@app.test')
    await standalone.locator('#signin-password').fill('a long app password')
    await standalone.getByRole('button', { name: 'Sign in', exact: true }).click()
    await standalone.getByTestId('signed-in-email').waitFor({ timeout: 15_000 })
    await standalone.goto(`${live.url}/#/connections`)
    const row = standalone.getByTestId('connection-row').first()
    await row.waitFor({ timeout: 15_000 })
    expect(await row.getByRole('button', { name: 'Edit' }).isEnabled()).toBe(true)
    await screenshot(standalone, 'connections-with-credential')

    await row.getByRole('button', { name: 'Connect' }).click()
    const expected = live.sim.control.records('Contact').filter((r) => r.HasOptedOutOfEmail === false).length
    expect(expected).toBeGreaterThanOrEqual(5000)
    await expect
      .poll(() => standalone.getByTestId('preview-count').textContent(), { timeout: 15_000 })
      .toContain(expected.toLocaleString('en-US'))
    await screenshot(standalone, 'connection-preview-standalone')

    const [download] = await Promise.all([
      standalone.waitForEvent('download', { timeout: 30_000 }),
      standalone.getByRole('button', { name: 'Export CSV' }).click(),
    ])
    const csv = fs.readFileSync((await download.path())!, 'utf8')
    const lines = csv.split('\r\n').filter((l) => l.length > 0)
    expect(lines[0]).toBe('Id,Email,FirstName')
    expect(lines.length - 1).toBe(expected)

    // Edit works too.
    await standalone.goto(`${live.url}/#/connections`)
    await standalone.getByTestId('connection-row').first().getByRole('button', { name: 'Edit' }).click()
    await standalone.locator('#connection-name').fill('Newsletter contacts (edited)')
    await standalone.getByRole('button', { name: 'Save', exact: true }).click()
    await standalone.getByText('Newsletter contacts (edited)').first().waitFor({ timeout: 15_000 })
  })
})
