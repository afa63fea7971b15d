/**
 * Demo mode's banner offers what Salesforce can do to a person's access, each with one sentence
 * on what the person will then see, through the simulator's control API. Clicking "Turn SOAP
 * login off" and "Expire sessions" makes the stored password + token fail at the next operation,
 * and the page says what to do (Connect with Salesforce).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import {
  launchBrowser,
  linkAccountThroughCanvas,
  savePasswordCredential,
  screenshot,
  startLiveApp,
  type LiveApp,
  signInStandalone,
} from '../helpers/live.js'

const POLL = { timeout: 20_000 }

describe('demo mode: Salesforce actions in the banner', () => {
  let live: LiveApp
  let browser: Browser
  let ada: { id: string; username: string; password: string; securityToken: string; organizationId: string }

  beforeAll(async () => {
    live = await startLiveApp({ sim: { canvasRefreshToken: false } })
    browser = await launchBrowser()
    ada = live.sim.control.users()[0] as unknown as typeof ada
    const { bearer } = await linkAccountThroughCanvas(live, ada.id, 'demo@app.test')
    expect(await savePasswordCredential(live, bearer, ada)).toBe(200)
  })
  afterAll(async () => {
    await browser?.close()
    await live?.close()
  })

  it('lists the five actions with what each does; an unknown action or user is refused', async () => {
    const demo = (await live.app.inject({ url: '/demo.json' })).json()
    expect(demo.actions.map((a: { label: string }) => a.label)).toEqual([
      'Reset security token',
      'Change password',
      'Expire sessions',
      'Revoke access',
      'Turn SOAP login off',
    ])
    expect(demo.actions.find((a: { id: string }) => a.id === 'reset-token').explanation).toMatch(
      /changes nothing visible when the first canvas visit already stored a working refresh token/,
    )
    const unknown = await live.app.inject({
      method: 'POST',
      url: '/demo/actions/delete-org',
      payload: { userId: ada.id },
    })
    expect(unknown.statusCode).toBe(404)
    const nobody = await live.app.inject({
      method: 'POST',
      url: '/demo/actions/reset-token',
      payload: { userId: '005000000000000AAA' },
    })
    expect(nobody.statusCode).toBe(404)
  })

  it('"Turn SOAP login off" and "Expire sessions" from the banner: the next operation fails and the page says what to do', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } })
    await signInStandalone(page, live.url, 'demo@app.test', 'a long app password', POLL)

    await page.getByRole('button', { name: /Try what Salesforce does/ }).click()
    await page.getByTestId('demo-actions').waitFor(POLL)
    await page.locator('#demo-action-user').selectOption(ada.id)
    expect(await page.getByTestId('demo-actions').textContent()).toMatch(/Summer|Winter ’26/)
    await page.getByRole('button', { name: 'Turn SOAP login off' }).click()
    await page.getByTestId('demo-action-done').waitFor(POLL)
    expect(await page.getByTestId('demo-action-done').textContent()).toMatch(/SF_SOAP_LOGIN_DISABLED/)
    expect(live.sim.control.orgSettings(ada.organizationId).soapLoginEnabled).toBe(false)
    await page.getByRole('button', { name: 'Expire sessions' }).click()
    await expect.poll(() => page.getByTestId('demo-action-done').textContent(), POLL).toMatch(/Expire sessions/)
    await screenshot(page, 'demo-actions')

    // The next Salesforce operation (the editor lists the fields) logs in again and fails.
    await page.goto(`${live.url}/#/connections/new`)
    await page.getByTestId('credential-banner').waitFor(POLL)
    expect(await page.getByTestId('credential-banner').textContent()).toMatch(/SF_SOAP_LOGIN_DISABLED/)
    expect(await page.getByTestId('credential-banner').textContent()).toMatch(/Connect with Salesforce/)
    await page.close()
  })
})
