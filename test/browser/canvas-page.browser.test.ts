// The canvas page in Chromium as a Salesforce user meets it: through the simulator's
// /canvas-host page, first with an empty cache, then again with the cache the first visit left.
import type { IncomingMessage } from 'node:http'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, startLiveApp, type LiveApp } from '../helpers/live.js'

let live: LiveApp
let browser: Browser
let hostUrl: string
/** Paths the server was asked for, as seen on its socket. */
const atServer: string[] = []

beforeAll(async () => {
  live = await startLiveApp()
  live.app.server.on('request', (req: IncomingMessage) => atServer.push(req.url ?? ''))
  browser = await launchBrowser()
  hostUrl = `${live.sim.url}/canvas-host?user=${live.sim.control.users()[0]!.id}`
})
afterAll(async () => {
  await browser?.close()
  await live?.close()
})

/** Opens the page and waits until the welcome screen is usable and the page has settled. */
async function openInsideSalesforce(page: Page): Promise<void> {
  await page.goto(hostUrl)
  await page
    .frameLocator('#canvas-frame')
    .getByRole('button', { name: 'Create an account' })
    .waitFor({ timeout: 30_000 })
  await page.waitForLoadState('networkidle')
}

describe('the canvas page in Chromium', () => {
  it('a first visit gets compressed assets; the next one gets them all from the browser cache', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const encodings = new Map<string, string | undefined>()
    page.on('response', (res) => {
      if (res.url().startsWith(`${live.url}/assets/`)) encodings.set(res.url(), res.headers()['content-encoding'])
    })
    try {
      atServer.length = 0
      await openInsideSalesforce(page)
      const assets = atServer.filter((p) => p.startsWith('/assets/'))
      // The app's script and stylesheet, and the Canvas SDK it adds inside Salesforce.
      expect(assets).toHaveLength(3)
      expect(assets.filter((p) => p.includes('/canvas-all-'))).toHaveLength(1)
      expect([...encodings.values()]).toEqual(['br', 'br', 'br'])

      atServer.length = 0
      await openInsideSalesforce(page)
      expect(atServer).toContain('/canvas') // the page itself is fetched again (it is never cached)
      expect(atServer.filter((p) => p.startsWith('/assets/'))).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('outside Salesforce the page never downloads the Canvas SDK', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    try {
      atServer.length = 0
      await page.goto(`${live.url}/`)
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor({ timeout: 30_000 })
      await page.waitForLoadState('networkidle')
      const assets = atServer.filter((p) => p.startsWith('/assets/'))
      expect(assets).toHaveLength(2)
      expect(assets.filter((p) => p.includes('canvas-all'))).toEqual([])
    } finally {
      await context.close()
    }
  })
})
