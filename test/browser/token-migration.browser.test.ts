/**
 * Moving off the security token, in Chromium. A token user whose org turns SOAP login() off
 * sees the right message (SF_SOAP_LOGIN_DISABLED, with what an admin can do), and the
 * Summer '27 retirement notice with a one-click "Switch to Connect with Salesforce"; after the
 * switch the password and security token are gone from the database and the audit log says
 * so. Inside Salesforce, Connect with Salesforce runs in a popup that ends on a page saying how
 * it went (declining says "You declined access") and closes itself, and the iframe updates.
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

describe('moving off the security token, in a real browser', () => {
  let live: LiveApp
  let browser: Browser
  let ada: { id: string; username: string; password: string; securityToken: string; organizationId: string }
  let grace: typeof ada

  const account = (user: string, email: string) => linkAccountThroughCanvas(live, user, email)

  beforeAll(async () => {
    // No refresh token in the signed request: these users start with username, password and token only.
    live = await startLiveApp({ sim: { canvasRefreshToken: false } })
    browser = await launchBrowser()
    ;[ada, grace] = live.sim.control.users() as unknown as Array<typeof ada>
  })
  afterAll(async () => {
    await browser?.close()
    await live?.close()
  })

  it('SOAP login turned off → the right message → one click to Connect with Salesforce → password and token deleted', async () => {
    const { bearer, accountId } = await account(ada.id, 'ada@app.test')
    expect(await savePasswordCredential(live, bearer, ada)).toBe(200)

    // The org turns SOAP login() off; the next login with the stored password fails.
    live.sim.control.setOrgSettings(ada.organizationId, { soapLoginEnabled: false } as any)
    live.sim.control.expireSessions()
    await expect(
      live.app.services.salesforce.withConnection(
        { accountId, canvas: false },
        async (c) => (await c.query('SELECT Id FROM Contact LIMIT 1')).totalSize,
      ),
    ).rejects.toMatchObject({ code: 'SF_SOAP_LOGIN_DISABLED' })

    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } })
    await signInStandalone(page, live.url, 'ada@app.test', 'a long app password', POLL)
    await page.goto(`${live.url}/#/settings/link-accounts`)
    const reason = page.getByTestId('credential-reason')
    await reason.waitFor(POLL)
    expect(await page.getByTestId('credential-reason-code').textContent()).toBe('SF_SOAP_LOGIN_DISABLED')
    expect(await reason.textContent()).toMatch(/Use Connect with Salesforce/)
    expect(await page.getByTestId('admin-action').textContent()).toMatch(/Enable SOAP API login\(\)/)
    expect(await page.getByTestId('credential-banner').textContent()).toMatch(/Connect with Salesforce/)
    // Every stored credential shows with its own status; Update token only stays available.
    expect(await page.getByTestId('stored-credential').count()).toBe(1)
    expect(await page.getByTestId('retirement-notice').textContent()).toMatch(/Summer '27/)
    expect(await page.getByRole('button', { name: 'Update token only' }).isEnabled()).toBe(true)
    await screenshot(page, 'token-migration-soap-off')

    await page.getByRole('button', { name: 'Switch to Connect with Salesforce' }).click()
    await page.locator('#username').waitFor(POLL)
    await page.locator('#username').fill(ada.username)
    await page.locator('#password').fill(ada.password)
    await page.getByRole('button', { name: 'Log In' }).click()
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.getByTestId('oauth-connected').waitFor(POLL)
    await expect.poll(() => page.getByTestId('credential-status').getAttribute('data-status'), POLL).toBe('ok')
    expect(await page.getByTestId('retirement-notice').count()).toBe(0)
    await screenshot(page, 'token-migration-switched')

    const creds = await live.db.pool.query(
      `SELECT c.kind FROM salesforce_credentials c JOIN salesforce_links l ON l.id = c.link_id
       WHERE l.salesforce_user_id = $1 ORDER BY kind`,
      [ada.id],
    )
    expect(creds.rows.map((r) => r.kind)).not.toContain('password_token')
    expect(creds.rows.map((r) => r.kind)).toContain('oauth_refresh')
    const secrets = await live.db.pool.query(
      `SELECT name FROM encrypted_secrets WHERE name IN ('password', 'securityToken')`,
    )
    expect(secrets.rows).toEqual([])
    const audit = await live.db.pool.query(
      `SELECT detail FROM audit_log WHERE event = 'credential.deleted' AND account_id = $1`,
      [accountId],
    )
    expect(audit.rows.map((r) => r.detail)).toEqual([
      expect.objectContaining({ kind: 'password_token', reason: 'replaced', replacedBy: 'oauth_refresh' }),
    ])
    // Outside Salesforce, SF Link works again, with no password.
    await expect(
      live.app.services.salesforce.withConnection(
        { accountId, canvas: false },
        async (c) => (await c.query('SELECT Id FROM Contact LIMIT 1')).totalSize,
      ),
    ).resolves.toBe(1)
    await page.close()
  })

  it('inside Salesforce: declining says "You declined access"; allowing ends on a page that closes itself and the iframe updates', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1100 } })
    try {
      await account(grace.id, 'grace@app.test')
      const page = await context.newPage()
      await page.goto(`${live.sim.url}/canvas-host?user=${grace.id}`)
      const frame = page.frameLocator('#canvas-frame')
      await frame.getByText('grace@app.test').first().waitFor(POLL)
      await frame.getByRole('link', { name: 'Link Accounts' }).first().click()
      await frame.getByTestId('sf-user-id').waitFor(POLL)

      const approve = async (decision: 'Allow' | 'Deny') => {
        const [popup] = await Promise.all([
          context.waitForEvent('page'),
          frame.getByRole('button', { name: 'Connect with Salesforce', exact: true }).click(),
        ])
        await popup.locator('#username').waitFor(POLL)
        await popup.locator('#username').fill(grace.username)
        await popup.locator('#password').fill(grace.password)
        await popup.getByRole('button', { name: 'Log In' }).click()
        // A success page closes itself soon after it shows: listen before the click.
        const closed = popup.waitForEvent('close', POLL)
        closed.catch(() => {})
        await popup.getByRole('button', { name: decision }).click()
        const title = await popup
          .locator('#oauth-done-title')
          .textContent(POLL)
          .catch(() => null)
        return { popup, closed, title }
      }

      const declined = await approve('Deny')
      expect(declined.title).toBe('You declined access')
      expect(await declined.popup.textContent('#oauth-done-code')).toBe('SF_OAUTH_DENIED')
      await frame.getByTestId('oauth-error').waitFor(POLL)
      expect(await frame.getByTestId('oauth-error').textContent()).toMatch(/You declined access/)
      expect(await frame.getByTestId('oauth-error').textContent()).not.toMatch(/SF_OAUTH_FAILED/)
      await declined.popup.close()

      const allowed = await approve('Allow')
      expect(allowed.title).toBe('Connected with Salesforce')
      await allowed.closed
      await frame.getByTestId('oauth-connected').waitFor(POLL)
      await expect
        .poll(() => frame.locator('[data-testid="stored-credential"][data-kind="oauth_refresh"]').count(), POLL)
        .toBe(1)
      await screenshot(page, 'canvas-connect-popup-done')
    } finally {
      await context.close()
    }
  })
})
