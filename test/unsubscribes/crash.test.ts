/**
 * A worker killed (SIGKILL) in the middle of a push — of unsubscribes, then of hard bounces —
 * loses nothing and repeats nothing: a new worker finishes the push, every address is synced
 * once, and no Salesforce record is updated twice.
 *
 * The worker is the real program (`tsx server/src/server.ts --worker-only`) in a child
 * process, so it needs a database both processes can reach: the real Postgres named by
 * DATABASE_URL. The embedded Postgres lives inside the test process, so without
 * DATABASE_URL this test is skipped.
 *
 * The simulator's clock is frozen: an update stamps SystemModstamp with max(now, previous + 1),
 * so a record updated once carries exactly the frozen time, and a second update would show.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { realDatabaseUrl } from '../helpers/database.js'
import {
  bounceStatus,
  createLinkedAccount,
  reportBounces,
  reportUnsubscribes,
  startUnsubscribeEnv,
  syncStatus,
  waitFor,
  type TestAccount,
  type UnsubscribeEnv,
} from '../helpers/unsubscribes.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const FROZEN = Date.parse('2026-06-01T12:00:00.000Z')
const ADDRESSES = 6_000

interface Worker {
  child: ChildProcess
  output: () => string
  exited: Promise<number | string | null>
}

function startWorker(env: UnsubscribeEnv): Worker {
  // Node runs the server itself (tsx as a loader, not the tsx CLI, which would put the server
  // in a grandchild process that SIGKILL would not reach).
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'server/src/server.ts', '--worker-only'],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        APP_MODE: 'development',
        DATABASE_URL: env.db.url,
        ...env.env,
        SALESFORCE_LOGIN_URL: env.sim.url,
        SALESFORCE_CONSUMER_KEY: env.sim.consumerKey,
        SALESFORCE_CONSUMER_SECRET: env.sim.consumerSecret,
        // The simulator counts as Salesforce: instance URLs from logins are checked against the allowed hosts.
        SALESFORCE_EXTRA_HOSTS: new URL(env.sim.url).host,
        LOG_LEVEL: 'info',
        PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  )
  return { child, output: () => output, exited }
}

const databaseUrl = realDatabaseUrl()
if (!databaseUrl) {
  console.log(
    '[unsubscribe crash test] skipped: DATABASE_URL is not set (the worker runs in another process and cannot reach the in-process embedded Postgres)',
  )
}

describe.skipIf(!databaseUrl)('a worker killed mid-push', () => {
  let env: UnsubscribeEnv
  let ada: TestAccount
  const workers: Worker[] = []

  beforeAll(async () => {
    // This process only sends jobs; the workers are the child processes.
    env = await startUnsubscribeEnv({
      sim: { now: () => FROZEN, data: { contacts: 15_000, leads: 15_000, campaigns: 0, optedOutFraction: 0 } },
      jobs: true,
    })
    ada = await createLinkedAccount(env, env.sim.control.users()[0]!.id, 'ada@mailer.test')
  })

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL')
    await env?.close()
  })

  async function started(): Promise<Worker> {
    const worker = startWorker(env)
    workers.push(worker)
    await waitFor(
      'the worker to start',
      async () => {
        if (worker.child.exitCode !== null) throw new Error(`worker exited:\n${worker.output()}`)
        return worker.output().includes('Worker only')
      },
      30_000,
    )
    return worker
  }

  it(
    'is finished by the next worker: every address synced once, no record updated twice',
    { timeout: 300_000 },
    async () => {
      const everyone = [...env.sim.control.records('Contact'), ...env.sim.control.records('Lead')]
      const targets = everyone.filter((_, i) => i % 5 === 1).slice(0, ADDRESSES)
      const targetIds = new Set(targets.map((r) => r.Id))
      const modstampBefore = new Map(everyone.map((r) => [r.Id, Date.parse(String(r.SystemModstamp))]))

      // Slow Salesforce down so the kill lands mid-push.
      env.sim.control.addFault({
        method: 'PATCH',
        pattern: '/composite/sobjects',
        subrequests: true,
        delayMs: 150,
        count: -1,
      })
      const first = await started()
      await reportUnsubscribes(
        env.app,
        ada.token,
        targets.map((r) => String(r.Email)),
      )

      await waitFor(
        'the push to be under way',
        async () => (env.sim.control.counters().subrequests.byEndpoint['composite/sobjects'] ?? 0) >= 10,
        60_000,
        20,
      )
      first.child.kill('SIGKILL')
      expect(await first.exited).toBe('SIGKILL')

      const midway = await syncStatus(env.app, ada.token)
      expect(midway.synced).toBeGreaterThan(0)
      expect(midway.pending).toBeGreaterThan(0)
      expect(midway.synced + midway.pending).toBe(ADDRESSES)

      env.sim.control.clearFaults()
      const second = await started()
      const done = await waitFor(
        'the second worker to finish the push',
        async () => {
          if (second.child.exitCode !== null) throw new Error(`worker exited:\n${second.output()}`)
          const status = await syncStatus(env.app, ada.token)
          return status.pending === 0 ? status : undefined
        },
        60_000,
        250,
      )
      expect(done).toMatchObject({ synced: ADDRESSES, noMatch: 0, failed: 0, total: ADDRESSES })
      console.log(
        `[unsubscribe crash test] killed after ${midway.synced} of ${ADDRESSES} addresses were recorded; the next worker finished the rest`,
      )

      for (const r of [...env.sim.control.records('Contact'), ...env.sim.control.records('Lead')]) {
        const stamp = Date.parse(String(r.SystemModstamp))
        if (targetIds.has(r.Id)) {
          expect(r.HasOptedOutOfEmail).toBe(true)
          expect(stamp).toBe(FROZEN) // updated exactly once
        } else {
          expect(stamp).toBe(modstampBefore.get(r.Id))
        }
      }
      second.child.kill('SIGTERM')
      expect(await second.exited).toBe(0) // a graceful stop
    },
  )
  it(
    'a bounce push killed midway is finished by the next worker: every bounce written once, no opt-out touched',
    { timeout: 300_000 },
    async () => {
      const everyone = [...env.sim.control.records('Contact'), ...env.sim.control.records('Lead')]
      const targets = everyone.filter((_, i) => i % 5 === 3).slice(0, ADDRESSES)
      const targetIds = new Set(targets.map((r) => r.Id))
      const before = new Map(everyone.map((r) => [r.Id, r]))
      const at = '2026-05-31T18:00:00.000Z'
      const writesBefore = env.sim.control.counters().subrequests.byEndpoint['composite/sobjects'] ?? 0

      env.sim.control.addFault({
        method: 'PATCH',
        pattern: '/composite/sobjects',
        subrequests: true,
        delayMs: 150,
        count: -1,
      })
      const first = await started()
      const accepted = await reportBounces(
        env.app,
        ada.token,
        targets.map((r) => ({ email: String(r.Email), type: 'hard' as const, reason: '550 5.1.1 user unknown', at })),
      )
      expect(accepted).toEqual({ hard: ADDRESSES, soft: 0, invalid: 0 })

      await waitFor(
        'the bounce push to be under way',
        async () => (env.sim.control.counters().subrequests.byEndpoint['composite/sobjects'] ?? 0) - writesBefore >= 10,
        60_000,
        20,
      )
      first.child.kill('SIGKILL')
      expect(await first.exited).toBe('SIGKILL')

      const midway = await bounceStatus(env.app, ada.token)
      expect(midway.synced).toBeGreaterThan(0)
      expect(midway.pending).toBeGreaterThan(0)
      expect(midway.synced + midway.pending).toBe(ADDRESSES)

      env.sim.control.clearFaults()
      const second = await started()
      const done = await waitFor(
        'the second worker to finish the bounce push',
        async () => {
          if (second.child.exitCode !== null) throw new Error(`worker exited:\n${second.output()}`)
          const status = await bounceStatus(env.app, ada.token)
          return status.pending === 0 ? status : undefined
        },
        60_000,
        250,
      )
      expect(done).toMatchObject({ hard: ADDRESSES, synced: ADDRESSES, noMatch: 0, failed: 0 })
      console.log(
        `[bounce crash test] killed after ${midway.synced} of ${ADDRESSES} bounces were recorded; the next worker finished the rest`,
      )

      for (const r of [...env.sim.control.records('Contact'), ...env.sim.control.records('Lead')]) {
        const was = before.get(r.Id)!
        expect(r.HasOptedOutOfEmail).toBe(was.HasOptedOutOfEmail) // a bounce is not an opt-out
        if (targetIds.has(r.Id)) {
          expect(r.EmailBouncedReason).toBe('550 5.1.1 user unknown')
          expect(Date.parse(String(r.EmailBouncedDate))).toBe(Date.parse(at))
          expect(Date.parse(String(r.SystemModstamp))).toBe(FROZEN) // written exactly once
        } else {
          expect(r.SystemModstamp).toBe(was.SystemModstamp)
        }
      }
      second.child.kill('SIGTERM')
      expect(await second.exited).toBe(0)
    },
  )
})
