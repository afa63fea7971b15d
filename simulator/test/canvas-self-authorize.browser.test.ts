// A self-authorizing canvas app in Chromium, the way Salesforce ships it: until the user approves the
// app, /canvas-host loads the canvas URL by GET with _sfdc_canvas_authvalue=user_approval_required;
// the app runs the OAuth approval in a popup (the Canvas SDK's own Sfdc.canvas.oauth.login(), or the
// web-server flow with PKCE), then calls Sfdc.canvas.client.repost(true) and receives the POST.
// The app is a tiny page served by this test, using the real Canvas SDK and jsforce.
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { OAuth2 } from 'jsforce'
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  createSalesforceSimulator,
  DEFAULT_CONSUMER_KEY,
  DEFAULT_CONSUMER_SECRET,
  verifySignedRequest,
  type SalesforceSimulator,
  type SimUser,
} from '../src/index.js'

/** Generous: the machine is shared, and each step waits on a browser and two servers. */
const POLL = { timeout: 15_000 }

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const SDK_DIR = path.join(root, 'node_modules/@salesforce/canvas-js-sdk')
const SDK = readFileSync(path.join(SDK_DIR, 'js/canvas-all.js'), 'utf8')
const SDK_CALLBACK = readFileSync(path.join(SDK_DIR, 'callback.html'), 'utf8')

let sim: SalesforceSimulator
let app: Server
let appOrigin: string
let browser: Browser
let grace: SimUser
let ada: SimUser

interface AppRequest {
  method: string
  url: URL
  signedRequest?: string
}
const requests: AppRequest[] = []
/** Web-server flow state of the test app: PKCE client per OAuth state, and the tokens it got. */
const pkceClients = new Map<string, OAuth2>()
const webServerTokens: { refresh_token?: string; access_token: string }[] = []
/** Access tokens the Canvas SDK received in the popup's URL fragment (user-agent flow). */
const sdkTokens: string[] = []

const canvasRequests = () => requests.filter((r) => r.url.pathname === '/canvas')
const posts = () => canvasRequests().filter((r) => r.method === 'POST')
const gets = () => canvasRequests().filter((r) => r.method === 'GET')

/** The app's answer to the approval GET: explain, offer the two approvals, repost once approved. */
function approvalPage(): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Approve the app</title>
<script src="/sdk/canvas-all.js"></script></head>
<body><p id="status">This app needs your approval.</p>
<button id="approve-sdk">Approve (Canvas SDK)</button>
<button id="approve-pkce">Approve (web-server flow)</button>
<script>
  Sfdc.canvas(function () {
    // Back from the SDK's popup: it reloaded this page with the token it received.
    if (Sfdc.canvas.oauth.loggedin()) {
      document.getElementById('status').textContent = 'Approved, asking Salesforce for the signed request';
      fetch('/sdk-token', { method: 'POST', body: Sfdc.canvas.oauth.token() })
        .then(function () { Sfdc.canvas.client.repost(true); });
    }
  });
  document.getElementById('approve-sdk').onclick = function () {
    Sfdc.canvas.oauth.login({
      uri: Sfdc.canvas.oauth.loginUrl(),
      params: {
        response_type: 'token',
        client_id: ${JSON.stringify(DEFAULT_CONSUMER_KEY)},
        redirect_uri: encodeURIComponent(location.origin + '/sdk/callback.html')
      }
    });
  };
  document.getElementById('approve-pkce').onclick = function () {
    window.open('/oauth/start', 'OAuth', 'width=600,height=600');
  };
  // Called by the web-server flow's callback page in the popup.
  window.approvedByServer = function () { Sfdc.canvas.client.repost(true); };
  window.repostNow = function () { Sfdc.canvas.client.repost(true); };
</script></body></html>`
}

function appPage(signedRequest: string): string {
  const payload = JSON.parse(Buffer.from(signedRequest.split('.')[1], 'base64').toString('utf8'))
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>App</title></head>
<body><h1 id="greeting">Hello ${payload.context.user.fullName}</h1></body></html>`
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function oauthClient(): OAuth2 {
  return new OAuth2({
    loginUrl: sim.url,
    clientId: DEFAULT_CONSUMER_KEY,
    clientSecret: DEFAULT_CONSUMER_SECRET,
    redirectUri: `${appOrigin}/oauth/callback`,
    useVerifier: true,
  })
}

async function handle(
  req: IncomingMessage,
): Promise<{ status: number; type?: string; body: string; location?: string }> {
  const url = new URL(req.url ?? '/', appOrigin)
  if (url.pathname === '/sdk/canvas-all.js') return { status: 200, type: 'text/javascript', body: SDK }
  if (url.pathname === '/sdk/callback.html') return { status: 200, type: 'text/html', body: SDK_CALLBACK }
  if (url.pathname === '/canvas' && req.method === 'GET') {
    requests.push({ method: 'GET', url })
    return { status: 200, type: 'text/html', body: approvalPage() }
  }
  if (url.pathname === '/canvas' && req.method === 'POST') {
    const signedRequest = new URLSearchParams(await readBody(req)).get('signed_request') ?? ''
    requests.push({ method: 'POST', url, signedRequest })
    return { status: 200, type: 'text/html', body: appPage(signedRequest) }
  }
  if (url.pathname === '/sdk-token' && req.method === 'POST') {
    sdkTokens.push(await readBody(req))
    return { status: 204, body: '' }
  }
  if (url.pathname === '/oauth/start') {
    const client = oauthClient()
    const state = `s${pkceClients.size + 1}`
    pkceClients.set(state, client)
    return { status: 302, body: '', location: client.getAuthorizationUrl({ scope: 'api refresh_token', state }) }
  }
  if (url.pathname === '/oauth/callback') {
    const client = pkceClients.get(url.searchParams.get('state') ?? '')
    const code = url.searchParams.get('code')
    if (!client || !code) return { status: 400, type: 'text/html', body: `<p id="error">${url.search}</p>` }
    webServerTokens.push(await client.requestToken(code))
    return {
      status: 200,
      type: 'text/html',
      body: '<!DOCTYPE html><p>Approved.</p><script>window.opener.approvedByServer(); window.close();</script>',
    }
  }
  return { status: 404, body: '' }
}

async function openHost(context: BrowserContext, user: SimUser): Promise<{ page: Page; frame: () => Frame }> {
  const page = await context.newPage()
  await page.goto(`${sim.url}/canvas-host?user=${user.id}`)
  return { page, frame: () => page.frame({ name: 'canvas-frame' })! }
}

/** Logs in and answers the approval page in the OAuth popup the app opened. */
async function approveInPopup(context: BrowserContext, click: () => Promise<void>, user: SimUser) {
  const [popup] = await Promise.all([context.waitForEvent('page'), click()])
  await popup.locator('#username').waitFor()
  expect(new URL(popup.url()).pathname).toBe('/')
  await popup.locator('#username').fill(user.username)
  await popup.locator('#password').fill(user.password)
  await popup.getByRole('button', { name: 'Log In' }).click()
  // The popup closes itself right after Allow: listen before clicking.
  const closed = popup.waitForEvent('close')
  await popup.getByRole('button', { name: 'Allow' }).click()
  await closed
}

const hostState = (page: Page) =>
  page.evaluate(() => {
    const host = (window as any).__canvasHost
    return { approvalGets: host.approvalGets as number, posts: host.posts as number, reposts: host.reposts as number }
  })

beforeAll(async () => {
  app = createServer((req, res) => {
    handle(req).then(
      (answer) => {
        const headers: Record<string, string> = {}
        if (answer.type) headers['content-type'] = `${answer.type}; charset=utf-8`
        if (answer.location) headers.location = answer.location
        res.writeHead(answer.status, headers).end(answer.body)
      },
      (err) => res.writeHead(500).end(String(err)),
    )
  })
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
  appOrigin = `http://127.0.0.1:${(app.address() as AddressInfo).port}`
  sim = await createSalesforceSimulator({
    canvasAppUrl: `${appOrigin}/canvas`,
    permittedUsers: 'self_authorize',
    data: { contacts: 3, leads: 0, campaigns: 0 },
  })
  ;[ada, grace] = sim.control.users()
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

beforeEach(() => {
  requests.length = 0
})

describe('a self-authorizing canvas app', () => {
  it('first visit: GET with user_approval_required, approval through the Canvas SDK popup, repost(true), POST', async () => {
    const context = await browser.newContext()
    try {
      const { page, frame } = await openHost(context, grace)
      await expect.poll(() => gets().length, POLL).toBe(1)
      const first = gets()[0].url
      expect(first.searchParams.get('_sfdc_canvas_authvalue')).toBe('user_approval_required')
      expect(first.searchParams.get('loginUrl')).toBe(sim.url)
      expect(posts()).toHaveLength(0)
      // No signed request for this user yet, on any path.
      const refused = await fetch(`${sim.url}/canvas-host/signed-request?user=${grace.id}`)
      expect(refused.status).toBe(403)
      expect(await refused.json()).toMatchObject({ error: 'user_approval_required' })

      // repost before the approval: Salesforce answers with the approval GET again.
      await frame().locator('#approve-sdk').waitFor()
      await frame().evaluate(() => (window as any).repostNow())
      await expect.poll(() => gets().length, POLL).toBe(2)
      expect(posts()).toHaveLength(0)

      await approveInPopup(context, () => frame().locator('#approve-sdk').click(), grace)

      // The SDK reloaded the page with its token; the page called repost(true); the host POSTed.
      await expect.poll(() => posts().length, POLL).toBe(1)
      const request = verifySignedRequest(posts()[0].signedRequest!, DEFAULT_CONSUMER_SECRET)
      expect(request).toMatchObject({
        userId: grace.id,
        client: { instanceUrl: sim.url, targetOrigin: sim.url, refreshToken: expect.stringMatching(/^5Aep861/) },
      })
      await expect.poll(() => frame().textContent('#greeting'), POLL).toBe('Hello Grace Hopper')
      expect(await hostState(page)).toMatchObject({ approvalGets: 2, posts: 1 })

      // The token the SDK got in the popup's fragment is a working session of Grace's.
      expect(sdkTokens).toHaveLength(1)
      const identity = await fetch(`${sim.url}/services/oauth2/userinfo`, {
        headers: { authorization: `Bearer ${sdkTokens[0]}` },
      })
      expect(await identity.json()).toMatchObject({ user_id: grace.id })
      expect(sim.control.app().selfAuthorizedUserIds).toContain(grace.id)

      // The next visit POSTs at once.
      requests.length = 0
      const again = await openHost(context, grace)
      await expect.poll(() => posts().length, POLL).toBe(1)
      expect(gets()).toHaveLength(0)
      await expect.poll(() => again.frame().textContent('#greeting'), POLL).toBe('Hello Grace Hopper')
    } finally {
      await context.close()
    }
  })

  it('after a revocation: GET again, approval by the web-server flow with PKCE, repost(true), POST', async () => {
    sim.control.setApp({ permittedUsers: 'self_authorize' })
    const context = await browser.newContext()
    try {
      // Ada approves (SDK popup) so that a revocation has something to take away.
      const first = await openHost(context, ada)
      await approveInPopup(context, () => first.frame().locator('#approve-sdk').click(), ada)
      await expect.poll(() => posts().length, POLL).toBe(1)
      await first.page.close()

      const revoked = await fetch(`${sim.url}/_sim/users/${ada.id}/revoke-tokens`, { method: 'POST' })
      expect(revoked.status).toBe(204)
      expect(sim.control.app().selfAuthorizedUserIds).not.toContain(ada.id)

      requests.length = 0
      const { page, frame } = await openHost(context, ada)
      await expect.poll(() => gets().length, POLL).toBe(1)
      expect(gets()[0].url.searchParams.get('_sfdc_canvas_authvalue')).toBe('user_approval_required')
      expect(posts()).toHaveLength(0)

      await approveInPopup(context, () => frame().locator('#approve-pkce').click(), ada)
      await expect.poll(() => posts().length, POLL).toBe(1)
      expect(verifySignedRequest(posts()[0].signedRequest!, DEFAULT_CONSUMER_SECRET)).toMatchObject({ userId: ada.id })
      await expect.poll(() => frame().textContent('#greeting'), POLL).toBe('Hello Ada Lovelace')
      expect(await hostState(page)).toMatchObject({ approvalGets: 1, posts: 1, reposts: 1 })

      // The app's own code exchange got a refresh token that works.
      const tokens = webServerTokens.at(-1)!
      expect(tokens.refresh_token).toMatch(/^5Aep861/)
      const refreshed = await oauthClient().refreshToken(tokens.refresh_token!)
      const limits = await fetch(`${sim.url}/services/data/v60.0/limits`, {
        headers: { authorization: `Bearer ${refreshed.access_token}` },
      })
      expect(limits.status).toBe(200)
    } finally {
      await context.close()
    }
  })

  it('with admin-approved users pre-authorized, POSTs at once, approval or not', async () => {
    sim.control.revokeUserTokens(grace.id)
    const switched = await fetch(`${sim.url}/_sim/app`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ permittedUsers: 'admin_preauthorized' }),
    })
    expect(await switched.json()).toMatchObject({ permittedUsers: 'admin_preauthorized' })
    const context = await browser.newContext()
    try {
      const { page, frame } = await openHost(context, grace)
      await expect.poll(() => posts().length, POLL).toBe(1)
      expect(gets()).toHaveLength(0)
      await expect.poll(() => frame().textContent('#greeting'), POLL).toBe('Hello Grace Hopper')
      expect(await hostState(page)).toMatchObject({ approvalGets: 0, posts: 1 })
    } finally {
      await context.close()
      sim.control.setApp({ permittedUsers: 'self_authorize' })
    }
  })
})
