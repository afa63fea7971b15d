/**
 * The unsubscribe tests' world: a Salesforce simulator (a real HTTP server), a test
 * database, the app on it, and — when asked — real pg-boss with the unsubscribe workers
 * (short retry delays, no cron: tests call the sweep themselves).
 */
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import type { ResolvedConfig } from '../../server/src/config.js'
import type { RunningJobs } from '../../server/src/jobs/start.js'
import { createRuntime } from '../../server/src/runtime.js'
import type { ServiceDeps, Services } from '../../server/src/services.js'
import type { UnsubscribeJobOptions } from '../../server/src/unsubscribes/jobs.js'
import type { UnsubscribeSync } from '../../server/src/unsubscribes/sync.js'
import {
  createSalesforceSimulator,
  type SalesforceSimulator,
  type SalesforceSimulatorOptions,
} from '@sf-link/simulator'
import { testConfig } from './config.js'
import { createTestDatabase, type TestDatabase } from './database.js'
import { linkedAccount, simulatorConfig } from './simulator-app.js'

export interface UnsubscribeEnv {
  sim: SalesforceSimulator
  db: TestDatabase
  config: ResolvedConfig
  /** The env used to build `config`: a worker in another process needs the same keys. */
  env: Record<string, string>
  services: Services
  app: FastifyInstance
  jobs: RunningJobs | null
  /** The worker's sync (null without a worker). */
  sync: UnsubscribeSync | null
  close(): Promise<void>
}

export async function startUnsubscribeEnv(
  options: {
    sim?: SalesforceSimulatorOptions
    jobs?: boolean
    worker?: UnsubscribeJobOptions | false
    db?: TestDatabase
    /** The app's clock for API-use windows. */
    now?: () => Date
    onApiCapReached?: ServiceDeps['onApiCapReached']
  } = {},
): Promise<UnsubscribeEnv> {
  const sim = await createSalesforceSimulator({
    callbackUrls: ['http://localhost:3000/oauth/salesforce/callback'],
    ...options.sim,
  })
  const db = options.db ?? (await createTestDatabase())
  const wantJobs = options.jobs ?? options.worker !== undefined
  const wantWorker = wantJobs && options.worker !== undefined && options.worker !== false
  const runtime = await createRuntime(simulatorConfig(testConfig(), sim), {
    database: db,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    appLogger: false,
    demo: null,
    jobs: wantJobs,
    services: { now: options.now, onApiCapReached: options.onApiCapReached },
    worker: wantWorker
      ? {
          unsubscribes: {
            retryDelaySeconds: 1,
            retryDelayMaxSeconds: 5,
            retryLimit: 30,
            pollingIntervalSeconds: 0.5,
            sweepCron: null,
            sweepAtStart: false,
            ...(options.worker || {}),
          },
          maintenance: false,
        }
      : false,
  })
  const { config, services, jobs, unsubscribeSync: sync } = runtime
  const app = runtime.app!
  const env = {
    ENCRYPTION_KEYS: config.encryptionKeys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(','),
    SESSION_SECRET: config.sessionSecret,
  }
  return {
    sim,
    db,
    config,
    env,
    services,
    app,
    jobs,
    sync,
    async close() {
      await runtime.close()
      if (!options.db) await db.close()
      await sim.close()
    },
  }
}

export interface TestAccount {
  /** Standalone bearer session (outside Salesforce). */
  token: string
  accountId: string
  linkId: string
}

/** A Salesforce user opens SF Link once (the link, and the canvas refresh token when the app has that scope) and creates an account. */
export async function createLinkedAccount(env: UnsubscribeEnv, user: string, email: string): Promise<TestAccount> {
  const { standaloneToken } = await linkedAccount(env.app, env.sim, user, email)
  const { rows } = await env.db.pool.query(
    `SELECT a.id AS account_id, l.id AS link_id FROM accounts a JOIN salesforce_links l ON l.account_id = a.id WHERE a.email = $1`,
    [email],
  )
  return { token: standaloneToken, accountId: rows[0].account_id, linkId: rows[0].link_id }
}

export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` })

export async function reportUnsubscribes(
  app: FastifyInstance,
  token: string,
  emails: unknown[],
): Promise<{ accepted: number; duplicates: number; invalid: number }> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/unsubscribes',
    headers: bearer(token),
    payload: { emails },
  })
  if (res.statusCode !== 202) throw new Error(`POST /api/unsubscribes answered ${res.statusCode}: ${res.body}`)
  return res.json()
}

export async function reportBounces(
  app: FastifyInstance,
  token: string,
  bounces: Array<{ email: string; type: 'hard' | 'soft'; reason?: string; at: string }>,
): Promise<{ hard: number; soft: number; invalid: number }> {
  const res = await app.inject({ method: 'POST', url: '/api/bounces', headers: bearer(token), payload: { bounces } })
  if (res.statusCode !== 202) throw new Error(`POST /api/bounces answered ${res.statusCode}: ${res.body}`)
  return res.json()
}

export async function bounceStatus(app: FastifyInstance, token: string): Promise<any> {
  const res = await app.inject({ method: 'GET', url: '/api/bounces/status', headers: bearer(token) })
  if (res.statusCode !== 200) throw new Error(`GET /api/bounces/status answered ${res.statusCode}: ${res.body}`)
  return res.json()
}

export async function syncStatus(app: FastifyInstance, token: string): Promise<any> {
  const res = await app.inject({ method: 'GET', url: '/api/unsubscribes/status', headers: bearer(token) })
  if (res.statusCode !== 200) throw new Error(`GET /api/unsubscribes/status answered ${res.statusCode}: ${res.body}`)
  return res.json()
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  stepMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, stepMs))
  }
}

/** Records of the simulator's first org with one of these emails. */
export function recordsByEmail(sim: SalesforceSimulator, emails: Iterable<string>): Array<Record<string, any>> {
  const wanted = new Set([...emails].map((e) => e.toLowerCase()))
  return [...sim.control.records('Contact'), ...sim.control.records('Lead')].filter(
    (r) => typeof r.Email === 'string' && wanted.has(r.Email.toLowerCase()),
  )
}
