// The simulator's /canvas-host page in Chromium around a trivial canvas app that uses the real
// Canvas SDK: the POSTed signed request verifies, refreshSignedRequest answers a fresh one,
// resize reaches the iframe, and repost POSTs again.
import { mkdirSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Frame, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createSalesforceSimulator,
  DEFAULT_CONSUMER_SECRET,
  verifySignedRequest,
  type SalesforceSimulator,
} from '../src/index.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const SDK = readFileSync(path.join(root, 'node_modules/@salesforce/canvas-js-sdk/js/canvas-all.js'), 'utf8')

let sim: SalesforceSimulator
let app: Server
let appUrl: string
let browser: Browser
const posted: string[] = []

/** The canvas app: shows who it is for, resizes itself, and asks for a fresh signed request. */
function appPage(signedRequest: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Trivial canvas app</title>
<script src="/sdk/canvas-all.js"></script></head>
<body><h1 id="greeting">…</h1><p id="status">loading</p>
<script>
  var signedRequest = ${JSON.stringify(signedRequest)};
  window.app = { initial: signedRequest, refreshed: null };
  Sfdc.canvas(function () {
    var request = JSON.parse(Sfdc.canvas.decode(signedRequest.split('.')[1]));
    document.getElementById('greeting').textContent = 'Hello ' + request.context.user.fullName;
    Sfdc.canvas.client.resize(request.client, { height: '777px' });
    Sfdc.canvas.client.refreshSignedRequest(function (data) {
      window.app.refreshed = data;
      document.getElementById('status').textContent = 'refreshed: HTTP ' + data.status;
    });
  });
</script></body></html>`
}

async function readBody(req: import('node:http').IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

async function canvasFrame(page: Page): Promise<Frame> {
  await expect.poll(() => page.frame({ name: 'canvas-frame' })?.url() ?? '').toBe(appUrl)
  return page.frame({ name: 'canvas-frame' })!
}

beforeAll(async () => {
  app = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/sdk/canvas-all.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(SDK)
      return
    }
    if (req.method === 'POST' && req.url === '/canvas') {
      void readBody(req).then((body) => {
        const signedRequest = new URLSearchParams(body).get('signed_request') ?? ''
        posted.push(signedRequest)
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(appPage(signedRequest))
      })
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/canvas`
  sim = await createSalesforceSimulator({ canvasAppUrl: appUrl, data: { contacts: 5, leads: 0, campaigns: 0 } })
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
})

afterAll(async () => {
  await browser?.close()
  await sim?.close()
  await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()))
})

describe('/canvas-host', () => {
  it('POSTs a verifiable signed request into the iframe and answers refresh, resize and repost', async () => {
    const [, grace] = sim.control.users()
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } })
    try {
      await page.goto(`${sim.url}/canvas-host?user=${grace.id}`)
      const frame = await canvasFrame(page)
      await expect.poll(() => frame.textContent('#greeting')).toBe('Hello Grace Hopper')

      // The POST the app received verifies with the consumer secret and is for Grace.
      expect(posted).toHaveLength(1)
      const initial = verifySignedRequest(posted[0], DEFAULT_CONSUMER_SECRET)
      expect(initial).toMatchObject({
        userId: grace.id,
        client: { targetOrigin: sim.url, instanceUrl: sim.url },
        context: { application: { canvasUrl: appUrl } },
      })

      // refreshSignedRequest: the SDK's callback got status 200 and a fresh, valid signed request.
      await expect.poll(() => frame.textContent('#status')).toBe('refreshed: HTTP 200')
      const refreshed = await frame.evaluate(() => (window as any).app.refreshed)
      expect(refreshed).toMatchObject({ status: 200, type: 'callback' })
      const fresh = refreshed.payload.response as string
      expect(fresh).not.toBe(posted[0])
      expect(verifySignedRequest(fresh, DEFAULT_CONSUMER_SECRET)).toMatchObject({
        userId: grace.id,
        context: { user: { userName: grace.username } },
      })
      expect(
        verifySignedRequest(
          fresh.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
          DEFAULT_CONSUMER_SECRET,
        ),
      ).toBeUndefined()

      // resize: the host applied the height to the iframe.
      await expect.poll(() => page.$eval('#canvas-frame', (el) => (el as HTMLIFrameElement).style.height)).toBe('777px')

      mkdirSync(path.join(root, 'test-results/screenshots'), { recursive: true })
      await page.screenshot({
        path: path.join(root, 'test-results/screenshots/simulator-canvas-host.png'),
        fullPage: true,
      })

      // repost: the host POSTs a fresh signed request into the iframe again.
      await frame.evaluate(() => (window as any).Sfdc.canvas.client.repost({ refresh: true }))
      await expect.poll(() => posted.length).toBe(2)
      expect(verifySignedRequest(posted[1], DEFAULT_CONSUMER_SECRET)).toMatchObject({ userId: grace.id })
      const messages = await page.evaluate(() =>
        (window as any).__canvasHost.messages.map((m: { type: string }) => m.type),
      )
      expect(messages).toEqual(expect.arrayContaining(['resize', 'refresh', 'repost']))
    } finally {
      await page.close()
    }
  })

  it('lets ?app= override the canvas URL and explains when none is set', async () => {
    const bare = await createSalesforceSimulator({ data: false })
    try {
      const missing = await fetch(`${bare.url}/canvas-host`)
      expect(missing.status).toBe(409)
      expect(await missing.text()).toContain('No canvas app URL')
      const html = await (await fetch(`${bare.url}/canvas-host?app=${encodeURIComponent(appUrl)}`)).text()
      expect(html).toContain(`action="${appUrl}"`)
      expect(html).toMatch(/<iframe name="canvas-frame" id="canvas-frame"/)
    } finally {
      await bare.close()
    }
  })
})
