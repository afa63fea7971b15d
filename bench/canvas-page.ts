/**
 * canvas-page: what the canvas page costs the browser inside Salesforce, measured in Chromium
 * through the simulator's /canvas-host page (a Lightning page stand-in that POSTs the signed
 * request into an iframe, as Salesforce does on every page view that shows the app).
 *
 * - cold load: a fresh browser profile (empty cache); bytes that crossed the network for the
 *   app's page and its assets (Chromium's encodedDataLength: compressed bodies plus headers),
 *   and how many such requests there were. The app's own API calls (fetch) are listed apart.
 * - warm load: the same profile opens the page again; how many requests for /assets/ reached
 *   the server (counted on the server's socket, not inferred from the browser).
 * - time to the first interactive control: from the host page's navigation start to the first
 *   frame painted with a visible, enabled control in the app's iframe, as a ratio to a minimal
 *   static page (one heading, one button) POSTed into the same host page, from a minimal Fastify
 *   in the same process with the app's security headers. Both alternate in the same run, under
 *   the same emulated network.
 */
import type { IncomingMessage } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import formbody from '@fastify/formbody'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { registerSecurityHeaders } from '../server/src/http/security-headers.js'
import { startBenchApp } from './lib/runtime.js'
import { linkedAccount } from './lib/accounts.js'
import { createBenchDatabase } from './lib/database.js'
import { formatNumber, type BenchContext, type BenchmarkResult } from './lib/report.js'

export const COLD_BYTES_TARGET = 80 * 1024
export const COLD_REQUESTS_TARGET = 4
export const WARM_ASSET_REQUESTS_TARGET = 0
/** The app may take this many times as long as a page with nothing in it to show a control. */
export const FIRST_CONTROL_RATIO_TARGET = 3

export interface CanvasPageOptions {
  /** Page loads per side (app, minimal) for the timing; medians are reported. */
  runs?: number
  /** Emulated network between Chromium and the servers (loopback has no latency of its own). */
  network?: { latencyMs: number; downloadKbps: number; uploadKbps: number }
}

/** A user some way from the app's region (remote office, VPN): where bytes and round trips show. */
const DEFAULT_NETWORK = { latencyMs: 100, downloadKbps: 10_000, uploadKbps: 5_000 }

const MINIMAL_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Minimal canvas page</title></head>
<body><h1>Minimal canvas page</h1><button type="button">Continue</button></body></html>`

/**
 * Runs in every frame before its own scripts. In the canvas iframe, it notes the time of the
 * first frame painted after a visible, enabled control appeared (a requestAnimationFrame
 * callback runs only once the page renders, and rendering waits for blocking stylesheets).
 */
const FIRST_CONTROL_PROBE = `(() => {
  if (window === window.top) return;
  const selector = 'button:not([disabled]), a[href], input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled])';
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight &&
      getComputedStyle(el).visibility !== 'hidden';
  };
  let seen = false;
  const check = () => {
    if (seen) return;
    const control = Array.from(document.querySelectorAll(selector)).find(visible);
    if (!control) return;
    seen = true;
    observer.disconnect();
    requestAnimationFrame(() => {
      window.__firstControl = { at: performance.timeOrigin + performance.now(), text: (control.textContent || control.getAttribute('aria-label') || control.tagName).trim().slice(0, 40) };
    });
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, attributes: true });
  document.addEventListener('DOMContentLoaded', check);
  addEventListener('load', check);
})();`

/** The baseline: a static page answering the same POST, with the same headers as the app's. */
async function minimalServer(frameAncestors: readonly string[]): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false })
  await app.register(formbody)
  registerSecurityHeaders(app, { frameAncestors })
  app.post('/canvas', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(MINIMAL_PAGE),
  )
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, url }
}

/**
 * When, in the frame, the page itself, its blocking assets (script and stylesheet; not the
 * Canvas SDK, which loads after) and GET /api/me had arrived: epoch milliseconds, or null.
 * A string, not a function: tsx would wrap a function's inner helpers in its own `__name`.
 */
const MILESTONES = `(() => {
  const end = (entry) => (entry ? performance.timeOrigin + entry.responseEnd : null);
  const resources = performance.getEntriesByType('resource');
  const assets = resources.filter((r) => r.name.includes('/assets/') && !r.name.includes('/canvas-all-'));
  return {
    page: end(performance.getEntriesByType('navigation')[0]),
    assets: assets.length ? Math.max(...assets.map((r) => performance.timeOrigin + r.responseEnd)) : null,
    me: end(resources.find((r) => r.name.endsWith('/api/me'))),
  };
})()`

interface NetworkRequest {
  id: string
  url: string
  type: string
  status?: number
  encoding?: string
  cacheControl?: string
  fromCache: boolean
  bytes: number
}

/** Chromium's own account of the network (CDP), for requests to one origin. */
async function recordNetwork(context: BrowserContext, page: Page, origin: string) {
  const cdp = await context.newCDPSession(page)
  const requests = new Map<string, NetworkRequest>()
  await cdp.send('Network.enable')
  cdp.on('Network.requestWillBeSent', (e) => {
    if (!e.request.url.startsWith(origin)) return
    requests.set(e.requestId, {
      id: e.requestId,
      url: e.request.url,
      type: e.type ?? 'Other',
      fromCache: false,
      bytes: 0,
    })
  })
  cdp.on('Network.requestServedFromCache', (e) => {
    const r = requests.get(e.requestId)
    if (r) r.fromCache = true
  })
  cdp.on('Network.responseReceived', (e) => {
    const r = requests.get(e.requestId)
    if (!r) return
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]))
    r.status = e.response.status
    r.encoding = headers['content-encoding']
    r.cacheControl = headers['cache-control']
    if (e.response.fromDiskCache || e.response.fromPrefetchCache || e.response.fromServiceWorker) r.fromCache = true
  })
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId)
    if (r) r.bytes = e.encodedDataLength
  })
  return {
    cdp,
    take(): NetworkRequest[] {
      const all = [...requests.values()]
      requests.clear()
      return all
    },
  }
}

const API_TYPES = new Set(['Fetch', 'XHR', 'EventSource', 'WebSocket', 'Ping'])

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const msOrDash = (values: number[]) => (values.length ? `${formatNumber(median(values))} ms` : '—')

const kb = (bytes: number) => `${formatNumber(bytes / 1024)} KB`

function describeRequest(r: NetworkRequest, origin: string): string {
  const path = r.url.slice(origin.length).replace(/^(\/assets\/[^-]+)-[\w-]+(\.\w+)$/, '$1-…$2')
  return `${path} ${kb(r.bytes)}${r.encoding ? ` ${r.encoding}` : ''}`
}

export async function runCanvasPageBenchmark(
  ctx: BenchContext,
  options: CanvasPageOptions = {},
): Promise<BenchmarkResult[]> {
  const runs = options.runs ?? 7
  const network = options.network ?? DEFAULT_NETWORK
  const db = await createBenchDatabase(ctx.database)
  const t = await startBenchApp({
    db,
    sim: { data: { contacts: 5, leads: 0, campaigns: 0 } },
    // The host page is the simulator's: let it frame the app, as Salesforce origins are.
    config: (c) => ({ ...c, frameAncestorsExtra: [...c.frameAncestorsExtra, new URL(c.salesforce.loginUrl).origin] }),
  })
  let browser: Browser | null = null
  let minimal: FastifyInstance | null = null
  try {
    const assetRequestsAtServer: string[] = []
    const appUrl = await t.app.listen({ host: '127.0.0.1', port: 0 })
    const baseline = await minimalServer(t.config.frameAncestorsExtra)
    minimal = baseline.app
    t.app.server.on('request', (req: IncomingMessage) => {
      if (req.url?.startsWith('/assets/')) assetRequestsAtServer.push(req.url)
    })

    // A linked Salesforce user: the page every returning user gets on every Salesforce page view.
    const user = t.sim.control.users()[0]!
    await linkedAccount(t.app, t.sim, user.id, 'bench.canvas-page@customer.test')
    const hostUrl = (app: string) => `${t.sim.url}/canvas-host?user=${user.id}&app=${encodeURIComponent(app)}`
    const sides = { app: hostUrl(`${appUrl}/canvas`), minimal: hostUrl(`${baseline.url}/canvas`) }

    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic'],
    })
    const chromiumVersion = browser.version()

    /** One page load in `context`; resolves with Chromium's network record and the first-control time. */
    const load = async (context: BrowserContext, page: Page, url: string) => {
      const net = await recordNetwork(context, page, new URL(url).searchParams.get('app')!.replace(/\/canvas$/, ''))
      await net.cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: network.latencyMs,
        downloadThroughput: (network.downloadKbps * 1000) / 8,
        uploadThroughput: (network.uploadKbps * 1000) / 8,
      })
      assetRequestsAtServer.length = 0
      await page.goto(url, { waitUntil: 'load' })
      const frame = await (await page.waitForSelector('#canvas-frame')).contentFrame()
      if (!frame) throw new Error('the canvas host page has no iframe')
      await frame.waitForFunction(() => (window as { __firstControl?: unknown }).__firstControl !== undefined, null, {
        timeout: 30_000,
      })
      const control = await frame.evaluate(() => (window as any).__firstControl as { at: number; text: string })
      const start = await page.evaluate(() => performance.timeOrigin)
      const milestones = (await frame.evaluate(MILESTONES)) as Record<'page' | 'assets' | 'me', number | null>
      // Let what the page fetches once it shows (the Canvas SDK, API calls) finish.
      await page.waitForLoadState('networkidle')
      await net.cdp.detach()
      const since = (at: number | null) => (at === null ? null : at - start)
      return {
        requests: net.take(),
        firstControlMs: control.at - start,
        control: control.text,
        assets: [...assetRequestsAtServer],
        pageAnsweredMs: since(milestones.page),
        assetsLoadedMs: since(milestones.assets),
        meAnsweredMs: since(milestones.me),
      }
    }

    const newContext = async () => {
      const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } })
      await context.addInitScript({ content: FIRST_CONTROL_PROBE })
      return { context, page: await context.newPage() }
    }

    ctx.log(`canvas-page: ${runs} cold loads each of the app and of a minimal page through /canvas-host, alternating…`)
    const timing = {
      app: [] as number[],
      minimal: [] as number[],
      warmApp: [] as number[],
      warmMinimal: [] as number[],
    }
    const appMilestones = {
      page: [] as number[],
      assets: [] as number[],
      me: [] as number[],
      minimalPage: [] as number[],
    }
    let coldRecord: Awaited<ReturnType<typeof load>> | null = null
    let warmRecord: Awaited<ReturnType<typeof load>> | null = null
    let controlText = ''
    for (let i = 0; i < runs + 1; i++) {
      for (const side of ['app', 'minimal'] as const) {
        const { context, page } = await newContext()
        try {
          const cold = await load(context, page, sides[side])
          const warm = await load(context, page, sides[side])
          // The first pair warms Chromium and the server up; it is not counted.
          if (i === 0) continue
          timing[side].push(cold.firstControlMs)
          if (side === 'app') {
            if (cold.pageAnsweredMs !== null) appMilestones.page.push(cold.pageAnsweredMs)
            if (cold.assetsLoadedMs !== null) appMilestones.assets.push(cold.assetsLoadedMs)
            if (cold.meAnsweredMs !== null) appMilestones.me.push(cold.meAnsweredMs)
          } else if (cold.pageAnsweredMs !== null) appMilestones.minimalPage.push(cold.pageAnsweredMs)
          timing[side === 'app' ? 'warmApp' : 'warmMinimal'].push(warm.firstControlMs)
          if (side === 'app' && !coldRecord) {
            coldRecord = cold
            warmRecord = warm
            controlText = cold.control
          }
        } finally {
          await context.close()
        }
      }
    }

    // Outside Salesforce: the same UI at / must not fetch the Canvas SDK.
    const standalone = await (async () => {
      const { context, page } = await newContext()
      try {
        const net = await recordNetwork(context, page, appUrl)
        await page.goto(`${appUrl}/`, { waitUntil: 'networkidle' })
        return net.take()
      } finally {
        await context.close()
      }
    })()

    const cold = coldRecord!
    const warm = warmRecord!
    const appRequests = cold.requests.filter((r) => !API_TYPES.has(r.type))
    const apiRequests = cold.requests.filter((r) => API_TYPES.has(r.type))
    const coldBytes = appRequests.reduce((n, r) => n + r.bytes, 0)
    const assetRequests = appRequests.filter((r) => r.url.includes('/assets/'))
    const compressed = assetRequests.filter((r) => r.encoding)
    const uncompressed = assetRequests.filter((r) => !r.encoding && r.bytes > 1024)
    const sdkInCanvas = appRequests.some((r) => r.url.includes('/assets/canvas-all-'))
    const standaloneApp = standalone.filter((r) => !API_TYPES.has(r.type))
    const sdkStandalone = standalone.some((r) => r.url.includes('/assets/canvas-all-'))
    const warmAssetsAtServer = warm.assets.length
    const warmAssetsInBrowser = warm.requests.filter((r) => r.url.includes('/assets/'))
    const warmFromNetwork = warmAssetsInBrowser.filter((r) => !r.fromCache)

    const appMs = median(timing.app)
    const minimalMs = median(timing.minimal)
    const ratio = appMs / minimalMs
    const warmRatio = median(timing.warmApp) / median(timing.warmMinimal)

    /** The longest step of the app's cold load, from the milestones above. */
    const longestStretch = (): string => {
      const points: [string, number[]][] = [
        ['the page answered', appMilestones.page],
        ['script and stylesheet in', appMilestones.assets],
        ['GET /api/me answered', appMilestones.me],
        ['first control painted', timing.app],
      ]
      const known = points.filter(([, v]) => v.length).map(([name, v]) => [name, median(v)] as const)
      let longest = { from: 'the start', to: '', ms: -1 }
      known.forEach(([name, at], i) => {
        const [prevName, prevAt] = i === 0 ? (['the host page started', 0] as const) : known[i - 1]!
        if (at - prevAt > longest.ms) longest = { from: prevName, to: name, ms: at - prevAt }
      })
      return `the longest step is from ${longest.from} to ${longest.to}: ${formatNumber(longest.ms)} ms`
    }
    const conditions =
      `Chromium ${chromiumVersion} headless (/usr/bin/chromium, playwright-core), viewport 1280×900, one fresh profile per cold load; ` +
      `the app and the simulator on 127.0.0.1 with Chromium emulating ${network.latencyMs} ms latency, ${formatNumber(network.downloadKbps / 1000)} Mbit/s down, ${formatNumber(network.uploadKbps / 1000)} Mbit/s up; ` +
      `a linked Salesforce user opening the simulator's /canvas-host page, which POSTs the signed request into the iframe (as a Lightning page does); ` +
      `app ${db.embedded ? 'on the EMBEDDED PGlite' : 'on real Postgres'}, logger off`
    const breakdown = appRequests.map((r) => describeRequest(r, appUrl)).join(', ')
    const apiNote = apiRequests.length
      ? ` Besides, the page made ${apiRequests.length} API call${apiRequests.length === 1 ? '' : 's'} (${apiRequests.map((r) => describeRequest(r, appUrl)).join(', ')}; ${kb(apiRequests.reduce((n, r) => n + r.bytes, 0))}), not counted as the app itself.`
      : ''

    const bytesMet = coldBytes <= COLD_BYTES_TARGET
    const requestsMet = appRequests.length <= COLD_REQUESTS_TARGET
    const warmMet = warmAssetsAtServer <= WARM_ASSET_REQUESTS_TARGET
    const ratioMet = ratio <= FIRST_CONTROL_RATIO_TARGET

    const biggest = [...appRequests].sort((a, b) => b.bytes - a.bytes).slice(0, 2)
    return [
      {
        name: 'canvas-page: cold load transferred',
        value: Math.round((coldBytes / 1024) * 10) / 10,
        unit: 'KB',
        target: `≤ ${COLD_BYTES_TARGET / 1024} KB`,
        met: bytesMet,
        details:
          `${kb(coldBytes)} over the network for the page and its assets, headers included: ${breakdown}.` +
          ` ${compressed.length} of ${assetRequests.length} assets arrived compressed; the Canvas SDK was ${sdkInCanvas ? 'loaded' : 'NOT loaded'} inside Salesforce.` +
          apiNote +
          (bytesMet
            ? ''
            : ` Missed: the largest transfers are ${biggest.map((r) => describeRequest(r, appUrl)).join(' and ')}${uncompressed.length ? `; sent uncompressed: ${uncompressed.map((r) => describeRequest(r, appUrl)).join(', ')}` : ''}.`) +
          ` Conditions: ${conditions}.`,
      },
      {
        name: 'canvas-page: cold load requests',
        value: appRequests.length,
        unit: 'requests',
        target: `≤ ${COLD_REQUESTS_TARGET}`,
        met: requestsMet,
        details:
          `the page (POST /canvas) and its assets: ${appRequests.map((r) => `${r.type} ${describeRequest(r, appUrl)}`).join(', ')}.` +
          ` Outside Salesforce (GET /, cold): ${standaloneApp.length} requests (${standaloneApp.map((r) => describeRequest(r, appUrl)).join(', ')}), Canvas SDK ${sdkStandalone ? 'LOADED (it should not be)' : 'not loaded'}.` +
          (requestsMet ? '' : ` Missed: ${appRequests.length - COLD_REQUESTS_TARGET} more than the target.`),
      },
      {
        name: 'canvas-page: warm load asset requests',
        value: warmAssetsAtServer,
        unit: 'requests',
        target: `= ${WARM_ASSET_REQUESTS_TARGET}`,
        met: warmMet,
        details:
          `the same profile opening the page again: ${warmAssetsAtServer} requests for /assets/ reached the server; Chromium took ${warmAssetsInBrowser.length - warmFromNetwork.length} of ${warmAssetsInBrowser.length} assets from its cache.` +
          ` Hashed assets are sent with cache-control "${appRequests.find((r) => r.url.includes('/assets/'))?.cacheControl ?? '?'}", the page with "${appRequests.find((r) => r.type === 'Document')?.cacheControl ?? '?'}".` +
          (warmMet
            ? ''
            : ` Missed: ${warm.assets.join(', ')} went to the server again (cache-control: ${warmFromNetwork.map((r) => r.cacheControl).join(', ')}).`),
      },
      {
        name: 'canvas-page: first interactive control, app / minimal page (cold)',
        value: Math.round(ratio * 100) / 100,
        unit: '×',
        target: `≤ ${FIRST_CONTROL_RATIO_TARGET}×`,
        met: ratioMet,
        details:
          `median of ${runs} cold loads each, alternating: the app showed "${controlText}" after ${formatNumber(appMs)} ms, the minimal page its button after ${formatNumber(minimalMs)} ms (both from the host page's navigation start; the host page, the POST into the iframe and the emulated latency are in both).` +
          ` Where the app's time goes (medians from the host page's start): POST /canvas answered at ${msOrDash(appMilestones.page)} (the minimal page's at ${msOrDash(appMilestones.minimalPage)}), its script and stylesheet in at ${msOrDash(appMilestones.assets)}, GET /api/me answered at ${msOrDash(appMilestones.me)}, the first control painted at ${formatNumber(appMs)} ms:` +
          ` the app needs a round trip more than the minimal page for its script and stylesheet, and one for the signed-in user before it draws the navigation.` +
          (ratioMet
            ? ''
            : ` Missed: app ${formatNumber(appMs)} ms vs minimal ${formatNumber(minimalMs)} ms; ${longestStretch()}.`),
      },
      {
        name: 'canvas-page: first interactive control, app (cold)',
        value: Math.round(appMs),
        unit: 'ms',
        target: null,
        met: null,
        details: `runs: ${timing.app.map((v) => formatNumber(v)).join(', ')} ms; minimal page: ${timing.minimal.map((v) => formatNumber(v)).join(', ')} ms.`,
      },
      {
        name: 'canvas-page: first interactive control, app / minimal page (warm)',
        value: Math.round(warmRatio * 100) / 100,
        unit: '×',
        target: null,
        met: null,
        details: `the same profile opening the page a second time (assets from cache): app ${formatNumber(median(timing.warmApp))} ms, minimal page ${formatNumber(median(timing.warmMinimal))} ms (medians of ${runs}).`,
      },
    ]
  } finally {
    await browser?.close().catch(() => {})
    await minimal?.close().catch(() => {})
    await t.close().catch(() => {})
    await db
      .close()
      .catch((err: unknown) => ctx.log(`canvas-page: could not drop the bench database: ${(err as Error).message}`))
  }
}
