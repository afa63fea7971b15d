/**
 * Refresh-token rotation across two instances, in Chromium. The connected app rotates refresh
 * tokens (each refresh answers a new one and kills the one used). A person links inside
 * Salesforce on instance A, which stores the signed request's refresh token; then, while
 * background load runs connection previews on both instances and every Salesforce session
 * dies again and again, the person keeps using SF Link on instance B and on instance A. Every
 * action succeeds, refreshes happen one at a time per credential across both instances (none
 * refused with invalid_grant), and exactly one working refresh-token credential remains.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import {
  launchBrowser,
  screenshot,
  startLiveApp,
  startSecondInstance,
  type LiveApp,
  signInStandalone,
} from '../helpers/live.js'
import { bearer as auth, createConnection } from '../helpers/connections.js'

const POLL = { timeout: 20_000 }
const EMAIL = 'rotation@app.test'
const PASSWORD = 'a long app password'

describe('refresh-token rotation across two instances, in a real browser', () => {
  let live: LiveApp
  let second: Awaited<ReturnType<typeof startSecondInstance>>
  let browser: Browser
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    live = await startLiveApp()
    live.sim.control.seed({ contacts: 40, leads: 0, campaigns: 0, optedOutFraction: 0 })
    live.sim.control.setApp({ refreshTokenRotation: true })
    second = await startSecondInstance(live)
    browser = await launchBrowser()
  })
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {})
    await browser?.close()
    await second?.close()
    await live?.close()
  })

  const signIn = async (url: string): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } })
    contexts.push(context)
    const page = await context.newPage()
    await signInStandalone(page, url, EMAIL, PASSWORD, POLL)
    return page
  }

  /** Connections → Connect on the first connection: the count shows, no error. */
  const connect = async (page: Page, url: string, expected: number) => {
    await page.goto(`${url}/#/connections`)
    const row = page.getByTestId('connection-row').first()
    await row.waitFor(POLL)
    await row.getByRole('button', { name: 'Connect', exact: true }).click()
    // Whichever comes first, the count or an error banner: an error fails at once, with its text.
    await page.locator('[data-testid="preview-count"], [data-testid="error-alert"]').first().waitFor(POLL)
    const banners = await page.getByTestId('error-alert').allTextContents()
    expect(banners, `${url}: Connect`).toEqual([])
    expect(await page.getByTestId('preview-count').textContent()).toBe(String(expected))
  }

  /** Link Accounts, reloaded: the refresh-token credential shows as working, no error. */
  const linkAccounts = async (page: Page, url: string) => {
    await page.goto(`${url}/#/settings/link-accounts`)
    await page.reload()
    const cred = page.locator('[data-testid="stored-credential"][data-kind="oauth_refresh"]')
    await cred.waitFor(POLL)
    await expect.poll(() => cred.getByTestId('stored-credential-status').getAttribute('data-status'), POLL).toBe('ok')
    expect(await page.getByTestId('error-alert').allTextContents(), `${url}: Link Accounts`).toEqual([])
  }

  it('links on A, then uses B and A while both instances refresh under load: no invalid_grant, one working credential', async () => {
    expect(live.sim.control.app().refreshTokenRotation).toBe(true)
    const ada = live.sim.control.users()[0]!

    // Linking inside Salesforce on instance A: the signed request carries a refresh token, stored.
    const canvasContext = await browser.newContext({ viewport: { width: 1280, height: 1000 } })
    contexts.push(canvasContext)
    const canvas = await canvasContext.newPage()
    await canvas.goto(`${live.sim.url}/canvas-host?user=${ada.id}`)
    const frame = canvas.frameLocator('#canvas-frame')
    await frame.getByRole('button', { name: 'Create an account' }).click(POLL)
    await frame.locator('#signup-email').fill(EMAIL)
    await frame.locator('#signup-password').fill(PASSWORD)
    await frame.getByRole('button', { name: 'Create account' }).click()
    await frame.getByTestId('sf-user-id').waitFor(POLL)
    const stored = await live.db.pool.query(
      `SELECT kind, status FROM salesforce_credentials WHERE kind = 'oauth_refresh'`,
    )
    expect(stored.rows).toEqual([{ kind: 'oauth_refresh', status: 'ok' }])

    const token = (
      await live.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: EMAIL, password: PASSWORD } })
    ).json().token as string
    const connection = await createConnection(live.app, token, { name: 'Rotation newsletter' })
    const expected = live.sim.control.records('Contact').filter((r) => r.HasOptedOutOfEmail === false).length
    expect(expected).toBe(40)

    const onB = await signIn(second.url)
    const onA = await signIn(live.url)
    live.sim.control.resetCounters()

    // Background load: connection previews over HTTP on both instances, back to back (each
    // worker at least one), for as long as the person's action takes.
    const loadFailures: string[] = []
    let loadDone = 0
    const underLoad = async (action: () => Promise<void>) => {
      let stop = false
      const worker = async (base: string) => {
        do {
          const res = await fetch(`${base}/api/connections/${connection.id}/test`, {
            method: 'POST',
            headers: { ...auth(token), 'content-type': 'application/json' },
            body: '{}',
          })
          const body = await res.json()
          if (res.status !== 200 || body.count !== expected)
            loadFailures.push(`${base} ${res.status} ${body.code ?? ''}`)
          loadDone++
        } while (!stop)
      }
      const workers = [live.url, second.url, live.url, second.url].map((base) =>
        worker(base).catch((err) => loadFailures.push(`${base} ${String(err)}`)),
      )
      try {
        await action()
      } finally {
        stop = true
        await Promise.all(workers)
      }
    }

    const actions = [
      () => connect(onB, second.url, expected),
      () => linkAccounts(onB, second.url),
      () => connect(onA, live.url, expected),
      () => linkAccounts(onA, live.url),
      () => connect(onB, second.url, expected),
      () => connect(onA, live.url, expected),
    ]
    for (const action of actions) {
      // Every Salesforce session dies (between operations, as a session timeout does): the next
      // calls on both instances, the person's and the load's, need a refresh at once.
      live.sim.control.expireSessions()
      await underLoad(action)
    }
    expect(loadFailures).toEqual([])
    expect(loadDone).toBeGreaterThanOrEqual(24)

    // The end state, as the person sees it on both instances.
    await linkAccounts(onB, second.url)
    await linkAccounts(onA, live.url)
    await screenshot(onB, 'refresh-rotation-link-accounts')

    // Refreshes happened (each one a rotation), one per expiry at most, and none was refused.
    const counters = live.sim.control.counters()
    expect(counters.logins.byKind.refresh.success).toBeGreaterThanOrEqual(2)
    expect(counters.logins.byKind.refresh.success).toBeLessThanOrEqual(actions.length + 2)
    expect(counters.logins.byKind.refresh.failure).toBe(0)
    expect(counters.logins.byCode.invalid_grant ?? 0).toBe(0)
    const rotations = await live.db.pool.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE event = 'salesforce.login' AND outcome = 'success'
       AND detail->>'rotated' = 'true'`,
    )
    expect(rotations.rows[0].n).toBeGreaterThanOrEqual(2)

    // Exactly one refresh-token credential, working, its current token still accepted by Salesforce.
    const { rows } = await live.db.pool.query(
      `SELECT kind, status, reason FROM salesforce_credentials WHERE kind = 'oauth_refresh'`,
    )
    expect(rows).toEqual([{ kind: 'oauth_refresh', status: 'ok', reason: null }])
    live.sim.control.expireSessions()
    const after = await fetch(`${second.url}/api/connections/${connection.id}/test`, {
      method: 'POST',
      headers: { ...auth(token), 'content-type': 'application/json' },
      body: '{}',
    })
    expect(after.status).toBe(200)
    expect(live.sim.control.counters().logins.byKind.refresh.failure).toBe(0)
  }, 90_000)
})
