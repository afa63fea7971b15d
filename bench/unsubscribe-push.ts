/**
 * Benchmark: push 10,000 unsubscribed addresses to an org of 100,000 Contacts and Leads
 * (the Salesforce simulator, a real HTTP server, with real jsforce), and count what it
 * costs in Salesforce API calls.
 *
 *   npx tsx --conditions=source bench/unsubscribe-push.ts   (DATABASE_URL, else local Postgres, else embedded)
 *
 * `npm run bench` calls `runUnsubscribeBenchmark(ctx)` with its BenchContext (the database
 * server to use, a progress log).
 */
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { createUnsubscribeSync } from '../server/src/unsubscribes/sync.js'
import { createSalesforceSimulator } from '@sf-link/simulator'
import { linkedAccount } from './lib/accounts.js'
import { createBenchDatabase, resolveDatabaseTarget } from './lib/database.js'
import { startBenchRuntime } from './lib/runtime.js'
import { formatNumber, type BenchContext, type BenchmarkResult } from './lib/report.js'

/** The most Salesforce API calls a push of 10,000 addresses may cost. */
export const UNSUBSCRIBE_CALLS_TARGET = 110

export interface UnsubscribeBenchmarkOptions extends Partial<BenchContext> {
  addresses?: number
  contacts?: number
  leads?: number
}

export interface UnsubscribeBenchmarkResult {
  addresses: number
  records: number
  /** Matching records that were still opted in (the ones the push must update). */
  recordsToUpdate: number
  recordsUpdated: number
  apiCalls: number
  apiCallsByEndpoint: Record<string, number>
  callsPer1000: number
  /** POST /api/unsubscribes of all addresses (durable on return). */
  intakeMs: number
  /** The push itself: queries, updates, outcomes recorded. */
  wallMs: number
  addressesPerSecond: number
  database: 'embedded' | 'postgres'
  details: string
}

export async function runUnsubscribeBenchmark(
  options: UnsubscribeBenchmarkOptions = {},
): Promise<UnsubscribeBenchmarkResult> {
  const addresses = options.addresses ?? 10_000
  const contacts = options.contacts ?? 50_000
  const leads = options.leads ?? 50_000
  const log = options.log ?? (() => {})
  log(`unsubscribe-push: seeding ${contacts + leads} records`)
  const sim = await createSalesforceSimulator({ data: { contacts, leads, campaigns: 0 } })
  const db = await createBenchDatabase(options.database ?? (await resolveDatabaseTarget()))
  const runtime = await startBenchRuntime(db, sim)
  const { app, services, config } = runtime
  try {
    const user = sim.control.users()[0]!
    const { standaloneToken } = await linkedAccount(app, sim, user.id, 'bench@mailer.test')
    const { rows } = await db.pool.query(
      `SELECT l.id FROM salesforce_links l JOIN accounts a ON a.id = l.account_id WHERE a.email = 'bench@mailer.test'`,
    )
    const linkId: string = rows[0].id

    // Every n-th record of the org: addresses spread over Contacts and Leads.
    const everyone = [...sim.control.records('Contact'), ...sim.control.records('Lead')]
    const stride = Math.max(1, Math.floor(everyone.length / addresses))
    const targets = everyone.filter((_, i) => i % stride === 0).slice(0, addresses)
    const recordsToUpdate = targets.filter((r) => r.HasOptedOutOfEmail === false).length

    log(`unsubscribe-push: reporting ${targets.length} addresses`)
    let started = performance.now()
    const res = await app.inject({
      method: 'POST',
      url: '/api/unsubscribes',
      headers: { authorization: `Bearer ${standaloneToken}` },
      payload: { emails: targets.map((r) => r.Email) },
    })
    if (res.statusCode !== 202) throw new Error(`intake answered ${res.statusCode}: ${res.body}`)
    const intakeMs = performance.now() - started

    const sync = createUnsubscribeSync({
      pool: db.pool,
      links: services.links,
      salesforce: services.salesforce,
      config,
      enqueue: { push: async () => {}, pull: async () => {} },
      log: pino({ level: 'silent' }),
    })
    sim.control.resetCounters()
    log('unsubscribe-push: pushing')
    started = performance.now()
    const result = await sync.pushLink(linkId)
    const wallMs = performance.now() - started
    if (result.outcome !== 'done') throw new Error(`push ended ${JSON.stringify(result)}`)
    const calls = sim.control.counters().apiCalls
    return {
      addresses: targets.length,
      records: everyone.length,
      recordsToUpdate,
      recordsUpdated: result.updated,
      apiCalls: calls.total,
      apiCallsByEndpoint: calls.byEndpoint,
      callsPer1000: Math.round((calls.total / targets.length) * 1000 * 10) / 10,
      intakeMs: Math.round(intakeMs),
      wallMs: Math.round(wallMs),
      addressesPerSecond: Math.round(targets.length / (wallMs / 1000)),
      database: db.embedded ? 'embedded' : 'postgres',
      details: `${calls.byEndpoint.query ?? 0} queries (Contacts and Leads by Email IN, sized to the 16 KB URI limit) + ${calls.byEndpoint['composite/sobjects'] ?? 0} composite/sobjects updates of up to 200 records`,
    }
  } finally {
    await runtime.close()
    await db.close()
    await sim.close()
  }
}

/** The report's rows: the API calls against the target, the wall time, the calls per 1,000 addresses. */
export function unsubscribeRows(r: UnsubscribeBenchmarkResult): BenchmarkResult[] {
  const met = r.apiCalls <= UNSUBSCRIBE_CALLS_TARGET
  const byEndpoint = Object.entries(r.apiCallsByEndpoint)
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ')
  return [
    {
      name: 'unsubscribe-push: API calls',
      value: r.apiCalls,
      unit: 'calls',
      target: `≤ ${UNSUBSCRIBE_CALLS_TARGET}`,
      met,
      details:
        `${r.apiCalls} Salesforce API calls to push ${formatNumber(r.addresses)} addresses in ${formatNumber(r.wallMs / 1000, 2)} s` +
        (met ? '.' : `. Missed: ${r.apiCalls - UNSUBSCRIBE_CALLS_TARGET} calls over the target.`) +
        ` ${r.details}.` +
        ` Also reported: records ${r.records}; recordsToUpdate ${r.recordsToUpdate}; recordsUpdated ${r.recordsUpdated};` +
        ` apiCallsByEndpoint {${byEndpoint}}; intakeMs ${r.intakeMs}; addressesPerSecond ${r.addressesPerSecond}; database ${r.database}.`,
    },
    {
      name: 'unsubscribe-push: wall time',
      value: Math.round(r.wallMs) / 1000,
      unit: 's',
      target: null,
      met: null,
      details: 'the push itself (queries, updates, outcomes recorded), as bench/unsubscribe-push.ts measures it',
    },
    {
      name: 'unsubscribe-push: calls per 1,000 addresses',
      value: r.callsPer1000,
      unit: 'calls',
      target: null,
      met: null,
      details: `${r.apiCalls} calls / ${formatNumber(r.addresses)} addresses × 1,000`,
    },
  ]
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runUnsubscribeBenchmark()
    .then((r) => {
      console.log(JSON.stringify(r, null, 2))
    })
    .catch((err) => {
      console.error(err)
      process.exit(1)
    })
}
