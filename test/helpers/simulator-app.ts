/**
 * The app wired to a running Salesforce simulator (a real HTTP server; jsforce talks to it
 * over HTTP), plus shortcuts for the journeys: enter through the canvas, create the account.
 */
import type { FastifyInstance } from 'fastify'
import {
  createSalesforceSimulator,
  type SalesforceSimulator,
  type SalesforceSimulatorOptions,
} from '@sf-link/simulator'
import { createTestApp, type TestApp } from './app.js'
import { bootstrapOf } from './canvas.js'
import type { Config } from '../../server/src/config.js'
import type { TestDatabase } from './database.js'

export interface SimApp extends TestApp {
  sim: SalesforceSimulator
}

export function simulatorConfig(c: Config, sim: SalesforceSimulator, publicUrl?: string): Config {
  return {
    ...c,
    publicUrl: publicUrl ?? c.publicUrl,
    salesforce: {
      ...c.salesforce,
      loginUrl: sim.url,
      consumerKey: sim.consumerKey,
      consumerSecrets: [sim.consumerSecret],
      extraHosts: [new URL(sim.url).host],
    },
  }
}

export async function createSimApp(
  options: {
    sim?: SalesforceSimulatorOptions
    config?: (c: Config) => Config
    db?: TestDatabase
    logger?: unknown
  } = {},
): Promise<SimApp> {
  const sim = await createSalesforceSimulator({
    callbackUrls: ['http://localhost:3000/oauth/salesforce/callback'],
    ...options.sim,
  })
  const t = await createTestApp({
    db: options.db,
    config: (c) =>
      options.config
        ? options.config(simulatorConfig(c, sim, 'http://localhost:3000'))
        : simulatorConfig(c, sim, 'http://localhost:3000'),
    deps: options.logger ? { logger: options.logger as any } : {},
  })
  return {
    ...t,
    sim,
    async close() {
      await t.close()
      await sim.close()
    },
  }
}

const form = (signedRequest: string) => ({
  method: 'POST' as const,
  url: '/canvas',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: `signed_request=${encodeURIComponent(signedRequest)}`,
})

export async function enterCanvas(app: FastifyInstance, sim: SalesforceSimulator, user: string): Promise<any> {
  const res = await app.inject(form(sim.control.signedRequest(user)))
  if (res.statusCode !== 200) throw new Error(`canvas entry answered ${res.statusCode}: ${res.body.slice(0, 200)}`)
  return bootstrapOf(res.body)
}

/**
 * First visit inside Salesforce + account creation. Returns the canvas bearer token and a
 * standalone (outside Salesforce) bearer token for the same account.
 */
export async function linkedAccount(
  app: FastifyInstance,
  sim: SalesforceSimulator,
  user: string,
  email: string,
): Promise<{ canvasToken: string; standaloneToken: string; cookie: string }> {
  const boot = await enterCanvas(app, sim, user)
  const password = 'a long app password'
  const signup = await app.inject({
    method: 'POST',
    url: '/api/auth/signup',
    headers: { authorization: `Bearer ${boot.token}` },
    payload: { email, password },
  })
  if (signup.statusCode !== 201) throw new Error(`signup answered ${signup.statusCode}: ${signup.body}`)
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } })
  const cookie = login.cookies.find((c) => c.name === 'sfl_session')!.value
  return { canvasToken: signup.json().token, standaloneToken: login.json().token, cookie }
}
