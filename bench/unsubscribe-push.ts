/**
 * Benchmark: push 10,000 unsubscribed addresses to an org of 100,000 Contacts and Leads
 * (the Salesforce simulator, a real HTTP server, with real jsforce), and count what it
 * costs in Salesforce API calls, beside the anchor of one call per query and per update
 * measured on the same org in the same run.
 *
 *   npx tsx --conditions=source bench/unsubscribe-push.ts   (DATABASE_URL, else local Postgres, else embedded)
 *
 * `npm run bench` calls `runUnsubscribeBenchmark(ctx)` with its BenchContext (the database
 * server to use, a progress log).
 */
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { createUnsubscribeSync } from '../server/src/unsubscribes/sync.js'
import { emailQueries, encodeQueryValue, PERSON_OBJECTS } from '../server/src/unsubscribes/salesforce-ops.js'
import jsforce from 'jsforce'
import { createSalesforceSimulator } from '@sf-link/simulator'
import { linkedAccount } from './lib/accounts.js'
import { createBenchDatabase, resolveDatabaseTarget } from './lib/database.js'
import { startBenchRuntime } from './lib/runtime.js'
import { formatNumber, type BenchContext, type BenchmarkResult } from './lib/report.js'

/** The most Salesforce API calls a push of 10,000 addresses may cost. */
export const UNSUBSCRIBE_CALLS_TARGET = 15

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
  /** Salesforce API calls per 10,000 addresses, through /composite. */
  callsPer10000: number
  /**
   * The anchor, measured in the same run on the same org: one API call per query (REST, sized to
   * the 16 KB URI limit) and one per sObject Collections update of 200 records.
   */
  anchorApiCalls: number
  anchorCallsPer10000: number
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
      enqueue: { push: async () => {}, pull: async () => {}, bounces: async () => {} },
      usage: services.apiUsage,
      log: pino({ level: 'silent' }),
    })
    sim.control.resetCounters()
    log('unsubscribe-push: pushing')
    started = performance.now()
    const result = await sync.pushLink(linkId)
    const wallMs = performance.now() - started
    if (result.outcome !== 'done') throw new Error(`push ended ${JSON.stringify(result)}`)
    const calls = sim.control.counters().apiCalls
    const subrequests = sim.control.counters().subrequests

    // The anchor: the same work with one call per query and one per update, on the same org.
    log('unsubscribe-push: measuring the one-call-per-update anchor')
    sim.control.resetCounters()
    const session = sim.control.canvasRequest(user.id).client
    const stillOpen = new Set(targets.filter((t) => t.HasOptedOutOfEmail === false).map((t) => t.Id))
    const conn = new jsforce.Connection({
      instanceUrl: sim.url,
      accessToken: session.oauthToken,
      version: config.salesforce.apiVersion,
    })
    const emails = targets.map((r) => String(r.Email).toLowerCase())
    for (const sobject of PERSON_OBJECTS) {
      const ids: string[] = []
      for (const soql of emailQueries(`SELECT Id, Email, HasOptedOutOfEmail FROM ${sobject} WHERE `, emails)) {
        let page = await conn.request<{ done: boolean; nextRecordsUrl?: string; records: Array<{ Id: string }> }>(
          `/query?q=${encodeQueryValue(soql)}`,
        )
        ids.push(...page.records.map((r) => r.Id))
        while (!page.done && page.nextRecordsUrl) {
          page = await conn.request(page.nextRecordsUrl)
          ids.push(...page.records.map((r) => r.Id))
        }
      }
      const open = ids.filter((id) => stillOpen.has(id))
      for (let i = 0; i < open.length; i += 200)
        await conn.sobject(sobject).update(
          open.slice(i, i + 200).map((Id) => ({ Id, HasOptedOutOfEmail: true })),
          { allOrNone: false },
        )
    }
    const anchor = sim.control.counters().apiCalls.total
    const per10k = (n: number) => Math.round((n / targets.length) * 10_000 * 10) / 10
    log(
      `unsubscribe-push: ${per10k(calls.total)} API calls per 10,000 addresses through /composite; anchor (one call per query and per update): ${per10k(anchor)}`,
    )
    return {
      addresses: targets.length,
      records: everyone.length,
      recordsToUpdate,
      recordsUpdated: result.updated,
      apiCalls: calls.total,
      apiCallsByEndpoint: calls.byEndpoint,
      callsPer1000: Math.round((calls.total / targets.length) * 1000 * 10) / 10,
      callsPer10000: per10k(calls.total),
      anchorApiCalls: anchor,
      anchorCallsPer10000: per10k(anchor),
      intakeMs: Math.round(intakeMs),
      wallMs: Math.round(wallMs),
      addressesPerSecond: Math.round(targets.length / (wallMs / 1000)),
      database: db.embedded ? 'embedded' : 'postgres',
      details:
        `${per10k(calls.total)} calls per 10,000 addresses (anchor, one call per query and per update: ${per10k(anchor)}): ` +
        `${calls.byEndpoint.composite ?? 0} /composite calls carrying ${subrequests.byEndpoint.query ?? 0} queries ` +
        `(Contacts and Leads by Email IN, sized to the 100,000-character SOQL limit) and ` +
        `${subrequests.byEndpoint['composite/sobjects'] ?? 0} sObject Collections updates of up to 200 records, five per call`,
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
      name: 'unsubscribe-push: calls per 10,000 addresses',
      value: r.callsPer10000,
      unit: 'calls',
      target: `≤ ${UNSUBSCRIBE_CALLS_TARGET}`,
      met: r.callsPer10000 <= UNSUBSCRIBE_CALLS_TARGET,
      details: `through /composite; the anchor, one call per query and one per update of 200 records, measured beside it: ${r.anchorCallsPer10000} calls per 10,000`,
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
