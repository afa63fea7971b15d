/**
 * A real SF Link server on a real port, beside a real Salesforce simulator whose
 * /canvas-host page frames it, plus Debian's Chromium driven by playwright-core.
 */
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import {
  createSalesforceSimulator,
  type SalesforceSimulator,
  type SalesforceSimulatorOptions,
} from '@sf-link/simulator'
import { createTestDatabase, type TestDatabase } from './database.js'
import { testConfig } from './config.js'
import { simulatorConfig } from './simulator-app.js'
import { bootstrapOf } from './canvas.js'
import type { Config } from '../../server/src/config.js'
import pino from 'pino'
import { createRuntime } from '../../server/src/runtime.js'
import { createPool } from '../../server/src/db/pool.js'
import { startMailCatcher, type MailCatcher } from '../../server/src/demo/mail-catcher.js'

export interface LiveApp {
  url: string
  app: FastifyInstance
  sim: SalesforceSimulator
  db: TestDatabase
  /** The configuration it runs with (keys included: a second instance shares them). */
  config: Config
  /** The demo mail catcher, with `mail: true`. */
  mail: MailCatcher | null
  close(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

/**
 * `worker: true` also runs the job worker (pg-boss on the same database), polling fast.
 * `mail: true` sends notification emails to a demo mail catcher (and, with the worker, every second).
 */
export async function startLiveApp(
  options: { sim?: SalesforceSimulatorOptions; config?: (c: Config) => Config; worker?: boolean; mail?: boolean } = {},
): Promise<LiveApp> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const sim = await createSalesforceSimulator({ canvasAppUrl: `${url}/canvas`, ...options.sim })
  const db = await createTestDatabase()
  let config = simulatorConfig(testConfig({ PORT: String(port) }), sim, url)
  const mail = options.mail ? await startMailCatcher() : null
  if (mail) config = { ...config, notifications: { ...config.notifications, enabled: true, smtpUrl: mail.url } }
  if (options.config) config = options.config(config)
  const demo = {
    simulatorUrl: sim.url,
    mail,
    users: async () =>
      sim.control.users().map((u) => ({
        id: u.id,
        organizationId: u.organizationId,
        username: u.username,
        password: u.password,
        securityToken: u.securityToken,
      })),
  }
  const runtime = await createRuntime(config, {
    database: db,
    logger: pino({ level: 'silent' }),
    appLogger: false,
    demo,
    jobs: Boolean(options.worker),
    worker: options.worker
      ? {
          unsubscribes: {
            pollingIntervalSeconds: 0.5,
            retryDelaySeconds: 1,
            retryDelayMaxSeconds: 5,
            sweepCron: null,
            sweepAtStart: false,
          },
          maintenance: false,
          notifications: mail ? { sweepSeconds: 1, pollingIntervalSeconds: 0.5, cron: null } : false,
        }
      : false,
  })
  const app = runtime.app!
  await runtime.listen({ host: '127.0.0.1', port })
  return {
    url,
    app,
    sim,
    db,
    config,
    mail,
    async close() {
      await runtime.close()
      await sim.close()
      await mail?.close()
      await db.close()
    },
  }
}

/**
 * A second SF Link instance beside `live`: its own port, its own connection pool, the same
 * database and the same simulator (no worker). What two servers behind a load balancer are.
 */
export async function startSecondInstance(
  live: LiveApp,
): Promise<{ url: string; app: FastifyInstance; close(): Promise<void> }> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const pool = createPool({ connectionString: live.db.url, max: 10 })
  const config = { ...live.config, port, publicUrl: url }
  const runtime = await createRuntime(config, {
    database: { url: live.db.url, pool, embedded: live.db.embedded },
    logger: pino({ level: 'silent' }),
    appLogger: false,
    demo: null,
    jobs: false,
    worker: false,
  })
  await runtime.listen({ host: '127.0.0.1', port })
  return {
    url,
    app: runtime.app!,
    async close() {
      await runtime.close()
      await pool.end().catch(() => {})
    },
  }
}

export const CHROMIUM = '/usr/bin/chromium'

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install chromium`)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots')

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

/**
 * First visit inside Salesforce (the signed request posted to the live app), an SF Link account
 * for it, and a standalone bearer token: the start of the journeys that then go on in a browser.
 */
export async function linkAccountThroughCanvas(
  live: LiveApp,
  salesforceUserId: string,
  email: string,
  password = 'a long app password',
): Promise<{ bearer: string; accountId: string }> {
  const entered = await live.app.inject({
    method: 'POST',
    url: '/canvas',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `signed_request=${encodeURIComponent(live.sim.control.signedRequest(salesforceUserId))}`,
  })
  const boot = bootstrapOf(entered.body)
  await live.app.inject({
    method: 'POST',
    url: '/api/auth/signup',
    headers: { authorization: `Bearer ${boot.token}` },
    payload: { email, password },
  })
  const bearer = (
    await live.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } })
  ).json().token as string
  const accountId = (await live.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${bearer}` } })).json()
    .id as string
  return { bearer, accountId }
}

/** Stores the user's username, password and security token as the account's credential (proved by a real login). */
export async function savePasswordCredential(
  live: LiveApp,
  bearer: string,
  user: { username: string; password: string; securityToken: string },
): Promise<number> {
  const res = await live.app.inject({
    method: 'PUT',
    url: '/api/salesforce/credentials',
    headers: { authorization: `Bearer ${bearer}` },
    payload: {
      username: user.username,
      password: user.password,
      securityToken: user.securityToken,
      environment: 'production',
    },
  })
  return res.statusCode
}

/** Signs in to SF Link on its own (outside Salesforce) in the browser, and waits for the signed-in page. */
export async function signInStandalone(
  page: Page,
  baseUrl: string,
  email: string,
  password: string,
  wait: { timeout: number } = { timeout: 15_000 },
): Promise<void> {
  await page.goto(`${baseUrl}/`)
  await page.locator('#signin-email').fill(email)
  await page.locator('#signin-password').fill(password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await page.getByTestId('signed-in-email').waitFor(wait)
}
