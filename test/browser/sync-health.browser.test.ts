import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, screenshot, startLiveApp, type LiveApp, signInStandalone } from '../helpers/live.js'
import { bootstrapOf } from '../helpers/canvas.js'

/**
 * The sync health page as a person uses it: bounces beside unsubscribes on the Sync page, API
 * use, an error grouped by kind exported as CSV and retried, and a cap that pauses background
 * sync with a banner until it is removed.
 */
describe('Sync health in a real browser', () => {
  let live: LiveApp
  let browser: Browser
  let page: Page
  let token: string

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${live.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  /** The page again, fetched afresh (no wait for every subresource: the data is what matters here). */
  const reload = () => page.reload({ waitUntil: 'domcontentloaded', timeout: 10_000 })
  const freshContacts = (n: number, skip = 0) =>
    live.sim.control
      .records('Contact')
      .filter((r) => r.HasOptedOutOfEmail === false && r.EmailBouncedDate === null && typeof r.Email === 'string')
      .slice(skip, skip + n)

  beforeAll(async () => {
    live = await startLiveApp({ sim: { canvasRefreshToken: false }, worker: true })
    browser = await launchBrowser()
    const ada = live.sim.control.users()[0]!
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
    const put = await api('PUT', '/api/salesforce/credentials', {
      username: ada.username,
      password: ada.password,
      securityToken: ada.securityToken,
      environment: 'production',
    })
    expect(put.status).toBe(200)
    page = await browser.newPage({ viewport: { width: 1280, height: 1100 }, acceptDownloads: true })
    await signInStandalone(page, live.url, 'ada@app.test', 'a long app password')
  })
  afterAll(async () => {
    await browser?.close()
    await live?.close()
  })

  it('the Sync page shows bounces beside unsubscribes; the health page shows the API calls made', async () => {
    const [hard, soft] = freshContacts(2)
    const at = new Date().toISOString()
    const res = await api('POST', '/api/bounces', {
      bounces: [
        { email: hard!.Email, type: 'hard', reason: '550 5.1.1 user unknown', at },
        { email: soft!.Email, type: 'soft', reason: '452 mailbox full', at },
      ],
    })
    expect(res.status).toBe(202)
    await page.goto(`${live.url}/#/sync`)
    await expect
      .poll(
        async () => {
          await reload()
          await page.getByTestId('bounce-counts').waitFor({ timeout: 15_000 })
          return [
            await page.getByTestId('bounce-hard').textContent(),
            await page.getByTestId('bounce-soft').textContent(),
            await page.getByTestId('bounce-synced').textContent(),
          ]
        },
        { timeout: 60_000, interval: 1_000 },
      )
      .toEqual(['1', '1', '1'])
    expect(live.sim.control.records('Contact', { email: String(hard!.Email) })[0]!.EmailBouncedReason).toBe(
      '550 5.1.1 user unknown',
    )
    await screenshot(page, 'sync-page-bounces')

    await page.getByRole('navigation', { name: 'SF Link' }).getByRole('link', { name: 'Sync health' }).click()
    await page.getByTestId('api-use').waitFor({ timeout: 15_000 })
    const shown = Number((await page.getByTestId('api-calls-24h').textContent())!.replace(/\D/g, ''))
    const health = await (await api('GET', '/api/salesforce/health')).json()
    expect(shown).toBe(health.api.callsLast24h)
    expect(shown).toBeGreaterThan(0)
    const org = live.sim.control.orgs()[0]!
    expect(await page.getByTestId('api-org-usage').textContent()).toContain(
      org.settings.apiRequestCap.toLocaleString('en-US'),
    )
    expect(await page.getByTestId('job-bounce-push').textContent()).not.toBe('Never')
  })

  it('groups an error by kind, exports it as CSV, and retries it', async () => {
    const [target] = freshContacts(1, 5)
    const email = String(target!.Email).toLowerCase()
    live.sim.control.addFault({
      method: 'PATCH',
      pattern: '/composite/sobjects',
      subrequests: true,
      status: 200,
      body: [
        {
          id: target!.Id,
          success: false,
          errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'locked', fields: [] }],
        },
      ],
    })
    expect((await api('POST', '/api/unsubscribes', { emails: [email] })).status).toBe(202)
    await page.goto(`${live.url}/#/sync/health`)
    await expect
      .poll(
        async () => {
          await reload()
          await page.getByTestId('api-use').waitFor({ timeout: 15_000 })
          return page.getByTestId('sync-error-row').count()
        },
        { timeout: 60_000, interval: 1_000 },
      )
      .toBe(1)
    const row = page.getByTestId('sync-error-row')
    expect(await row.textContent()).toContain('UNABLE_TO_LOCK_ROW')
    expect(await row.textContent()).toContain(email)
    await screenshot(page, 'sync-health-errors')

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ])
    expect(download.suggestedFilename()).toBe('sf-link-sync-errors.csv')
    const csv = await new Promise<string>((resolve, reject) => {
      void download.createReadStream().then((stream) => {
        let text = ''
        stream.on('data', (d) => (text += d))
        stream.on('end', () => resolve(text))
        stream.on('error', reject)
      }, reject)
    })
    expect(csv).toContain(`UNABLE_TO_LOCK_ROW,unsubscribe,${email},pending,1,`)

    live.sim.control.clearFaults()
    // Wait for the answer: reloading at once would cancel the request.
    const [retried] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/salesforce/health/retry')),
      row.getByRole('button', { name: 'Retry' }).click(),
    ])
    expect(retried.status()).toBe(202)
    await expect
      .poll(
        async () => {
          await reload()
          await page.getByTestId('api-use').waitFor({ timeout: 15_000 })
          return page.getByTestId('no-sync-errors').count()
        },
        { timeout: 60_000, interval: 1_000 },
      )
      .toBe(1)
    await expect
      .poll(() => live.sim.control.records('Contact', { email })[0]!.HasOptedOutOfEmail, {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(true)
    await reload()
    await page.getByTestId('no-sync-errors').waitFor({ timeout: 15_000 })
  })

  it('a cap pauses background sync with a banner; removing it lets the sync go on', async () => {
    await page.goto(`${live.url}/#/sync/health`)
    await page.locator('#api-cap-percent').fill('0.001') // 1 call of the org's 100,000
    await page.getByRole('button', { name: 'Save cap' }).click()
    await page.getByTestId('api-cap-banner').waitFor({ timeout: 15_000 })
    expect(await page.getByTestId('api-cap').textContent()).toContain('0.001 %')
    await screenshot(page, 'sync-health-capped')

    const [waiting] = freshContacts(1, 10)
    const before = live.sim.control.counters().apiCalls.total
    expect((await api('POST', '/api/unsubscribes', { emails: [waiting!.Email] })).status).toBe(202)
    await page.goto(`${live.url}/#/sync`)
    await page.getByTestId('api-cap-banner').waitFor({ timeout: 15_000 })
    await new Promise((r) => setTimeout(r, 2_000)) // the queued push runs and stops at the cap
    expect(live.sim.control.counters().apiCalls.total).toBe(before)
    expect(await page.getByTestId('count-pending').textContent()).toBe('1')
    // Every page says so, not only the Sync pages.
    await page.goto(`${live.url}/#/connections`)
    await page.getByTestId('api-cap-banner').waitFor({ timeout: 15_000 })
    await screenshot(page, 'api-cap-banner')

    await page.goto(`${live.url}/#/sync/health`)
    await page.getByRole('button', { name: 'Remove cap' }).click()
    await expect.poll(() => page.getByTestId('api-cap-banner').count(), { timeout: 15_000, interval: 500 }).toBe(0)
    await expect
      .poll(() => live.sim.control.records('Contact', { email: String(waiting!.Email) })[0]!.HasOptedOutOfEmail, {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(true)
  })
})
