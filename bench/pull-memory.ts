/**
 * Benchmark: does a pull's memory stay flat whatever its size? (docs/spec.md §2)
 *
 * An org of 100,000 Contacts and 10,000 Leads (the Salesforce simulator, a real HTTP
 * server, real jsforce), the app listening on 127.0.0.1, and a client in this process that
 * fetches `GET /api/connections/:id/records?format=ndjson` and consumes the stream without
 * keeping it. A warm-up pull first (JIT, pools, first-use allocations), then the 10,000
 * Leads, then the 100,000 Contacts, same fields. RSS of this process is sampled every
 * 50 ms; each run reports records/s and its peak RSS above the RSS just before it started.
 * Target: the growth at 100k within 1.5× of the growth at 10k.
 *
 * Then the same two pulls again, forcing a full garbage collection every 100 ms and sampling
 * heap + external memory right after it: the memory the pull actually holds. RSS without
 * forced collections also counts garbage V8 has not collected yet; on a machine with plenty
 * of memory V8 lets it pile up (tens of MiB, varying from run to run) before collecting, and a
 * small pull ends before that happens. Both figures are reported.
 *
 * The simulator runs in a child process: it builds each page of 2,000 records as one JSON
 * text, and its garbage would otherwise be counted as the app's.
 *
 *   npx tsx bench/pull-memory.ts            (DATABASE_URL, else local Postgres, else embedded)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import v8 from 'node:v8'
import vm from 'node:vm'
import type { FastifyInstance } from 'fastify'
import { DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET } from '@sf-link/simulator'
import { createBenchDatabase, resolveDatabaseTarget, type DatabaseTarget } from './lib/database.js'
import { startBenchRuntime } from './lib/runtime.js'
import { formatNumber, type BenchmarkResult } from './lib/report.js'

export interface PullBenchmarkOptions {
  /** Records in the org (default 100,000). */
  orgRecords?: number
  /** The smaller pull (default 10,000). */
  smallPull?: number
  sampleEveryMs?: number
}

export interface PullRunFigures {
  records: number
  wallMs: number
  recordsPerSecond: number
  bytes: number
  rssBeforeBytes: number
  peakRssBytes: number
  /** Peak RSS during the pull minus RSS just before it. */
  peakRssGrowthBytes: number
  peakRssGrowthMiB: number
  /** Salesforce calls of the pull (1 query + queryMore per further page of 2,000). */
  queryCalls: number
  /** Only in 'live' mode: heapUsed + external right after forced collections, above the start (peak and mean of the samples). */
  peakLiveGrowthBytes?: number
  meanLiveGrowthBytes?: number
}

export interface PullBenchmarkResult {
  /** The small and the large pull, peak RSS growth as measured (no forced garbage collection). */
  runs: PullRunFigures[]
  /** Growth at the large pull / growth at the small one (growths under 1 MiB counted as 1 MiB). */
  rssGrowthRatio: number
  /** The same pulls with garbage collected every 100 ms: heap + external above the start, mean and peak. */
  liveRuns: Array<{ records: number; meanLiveGrowthMiB: number; peakLiveGrowthMiB: number }>
  /** Mean live growth at the large pull / at the small one (under 1 MiB counted as 1 MiB). */
  liveGrowthRatio: number
  target: number
  met: boolean
  database: string
  details: string
}

const MiB = 2 ** 20
const RATIO_TARGET = 1.5
/** Live-memory runs collect garbage this often (a full collection each time: slower pulls, exact live figures). */
const LIVE_SAMPLE_MS = 100

/**
 * A function that runs a full garbage collection: `gc` when node runs with --expose-gc, else
 * the same function obtained at run time (V8 flag set, then read from a fresh context).
 */
function garbageCollector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc
  if (exposed) return exposed
  v8.setFlagsFromString('--expose-gc')
  return vm.runInNewContext('gc') as () => void
}

const liveBytes = (): number => {
  const u = process.memoryUsage()
  return u.heapUsed + u.external
}

/** Fetches a pull and counts its lines and bytes while sampling memory; keeps nothing of the body. */
async function measurePull(
  url: string,
  token: string,
  sampleEveryMs: number,
  mode: 'rss' | 'live' = 'rss',
): Promise<Omit<PullRunFigures, 'queryCalls'>> {
  const gc = garbageCollector()
  gc()
  await new Promise((r) => setTimeout(r, 200))
  const rssBefore = process.memoryUsage().rss
  let peak = rssBefore
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, sampleEveryMs)
  gc()
  const liveBefore = liveBytes()
  const liveSamples: number[] = []
  const liveTimer =
    mode === 'live'
      ? setInterval(() => {
          gc()
          liveSamples.push(liveBytes() - liveBefore)
        }, LIVE_SAMPLE_MS)
      : null
  const started = performance.now()
  let records = 0
  let bytes = 0
  try {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
    if (res.status !== 200 || !res.body) throw new Error(`pull answered ${res.status}: ${await res.text()}`)
    const reader = res.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      bytes += value.byteLength
      for (let i = value.indexOf(10); i !== -1; i = value.indexOf(10, i + 1)) records++
    }
  } finally {
    clearInterval(timer)
    if (liveTimer) clearInterval(liveTimer)
  }
  const wallMs = performance.now() - started
  peak = Math.max(peak, process.memoryUsage().rss)
  return {
    records,
    wallMs: Math.round(wallMs),
    recordsPerSecond: Math.round(records / (wallMs / 1000)),
    bytes,
    rssBeforeBytes: rssBefore,
    peakRssBytes: peak,
    peakRssGrowthBytes: peak - rssBefore,
    peakRssGrowthMiB: Math.round(((peak - rssBefore) / MiB) * 10) / 10,
    ...(mode === 'live'
      ? {
          peakLiveGrowthBytes: Math.max(0, ...liveSamples),
          meanLiveGrowthBytes: liveSamples.length ? liveSamples.reduce((a, b) => a + b, 0) / liveSamples.length : 0,
        }
      : {}),
  }
}

/** The simulator in a child process (its CLI), driven through its HTTP control API. */
interface SimulatorProcess {
  url: string
  control<T>(method: string, path: string, body?: unknown): Promise<T>
  close(): Promise<void>
}

async function startSimulatorProcess(): Promise<SimulatorProcess> {
  const cli = fileURLToPath(new URL('../simulator/src/cli.ts', import.meta.url))
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', cli, '--port', '0', '--host', '127.0.0.1'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8')
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        child.stdout!.off('data', onData)
        child.stdout!.resume()
        resolve(m[1]!)
      }
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`simulator exited (${code}) before listening: ${out.slice(0, 500)}`)))
    child.once('error', reject)
  })
  return {
    url,
    async control<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      if (!res.ok) throw new Error(`simulator ${method} ${path} answered ${res.status}: ${await res.text()}`)
      const text = await res.text()
      return (text ? JSON.parse(text) : undefined) as T
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

export async function runPullBenchmark(
  ctx?: { database?: DatabaseTarget; log?: (message: string) => void },
  options: PullBenchmarkOptions = {},
): Promise<PullBenchmarkResult> {
  const orgRecords = options.orgRecords ?? 100_000
  const smallPull = options.smallPull ?? 10_000
  const sampleEveryMs = options.sampleEveryMs ?? 50
  const log = ctx?.log ?? (() => {})
  const target = ctx?.database ?? (await resolveDatabaseTarget())

  const sim = await startSimulatorProcess()
  let db: Awaited<ReturnType<typeof createBenchDatabase>> | null = null
  let runtime: Awaited<ReturnType<typeof startBenchRuntime>> | null = null
  let app: FastifyInstance | null = null
  try {
    await sim.control('POST', '/_sim/seed', {
      contacts: orgRecords,
      leads: smallPull,
      campaigns: 0,
      optedOutFraction: 0,
    })
    db = await createBenchDatabase(target)
    runtime = await startBenchRuntime(db, {
      url: sim.url,
      consumerKey: DEFAULT_CONSUMER_KEY,
      consumerSecret: DEFAULT_CONSUMER_SECRET,
    })
    app = runtime.app
    await app.listen({ host: '127.0.0.1', port: 0 })
    const appUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

    // Enter through the canvas as the first simulator user and create the account: a canvas session.
    const [user] = await sim.control<Array<{ id: string }>>('GET', '/_sim/users')
    const { signedRequest } = await sim.control<{ signedRequest: string }>(
      'GET',
      `/_sim/signed-request?user=${user!.id}`,
    )
    const page = await app.inject({
      method: 'POST',
      url: '/canvas',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `signed_request=${encodeURIComponent(signedRequest)}`,
    })
    const boot = JSON.parse(
      /<script type="application\/json" id="canvas-bootstrap">([\s\S]*?)<\/script>/.exec(page.body)![1]!,
    )
    const signup = await app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { authorization: `Bearer ${boot.token}` },
      payload: { email: 'bench@mailer.test', password: 'a long app password' },
    })
    if (signup.statusCode !== 201) throw new Error(`signup answered ${signup.statusCode}: ${signup.body}`)
    const token: string = signup.json().token

    const fields = ['Email', 'FirstName', 'LastName', 'Title', 'Phone']
    const create = async (name: string, sobject: string, filters: unknown[]): Promise<string> => {
      const res = await app!.inject({
        method: 'POST',
        url: '/api/connections',
        headers: { authorization: `Bearer ${token}` },
        payload: { name, sobject, fields, filters, excludeOptedOut: false },
      })
      if (res.statusCode !== 201) throw new Error(`create answered ${res.statusCode}: ${res.body}`)
      return res.json().id
    }
    const warmId = await create('Warm-up', 'Contact', [{ field: 'Email', operator: 'startsWith', value: 'ada.' }])
    const smallId = await create('Leads', 'Lead', [])
    const allId = await create('Contacts', 'Contact', [])
    const urlOf = (id: string) => `${appUrl}/api/connections/${id}/records?format=ndjson`

    const pullOnce = async (id: string, expected: number, mode: 'rss' | 'live'): Promise<PullRunFigures> => {
      await sim.control('POST', '/_sim/counters/reset')
      const run = await measurePull(urlOf(id), token, sampleEveryMs, mode)
      if (run.records !== expected) throw new Error(`pulled ${run.records} records, expected ${expected}`)
      const calls = (await sim.control<{ apiCalls: { byEndpoint: Record<string, number> } }>('GET', '/_sim/counters'))
        .apiCalls.byEndpoint
      return { ...run, queryCalls: (calls.query ?? 0) + (calls.queryMore ?? 0) }
    }

    log('pull: warm-up (JIT, connection pools)')
    await measurePull(urlOf(warmId), token, sampleEveryMs)
    log(`pull: ${smallPull} records`)
    const small = await pullOnce(smallId, smallPull, 'rss')
    log(`pull: ${orgRecords} records`)
    const large = await pullOnce(allId, orgRecords, 'rss')
    // The same pulls again, collecting garbage every 250 ms: what the pull keeps alive.
    log(`pull: ${smallPull} and ${orgRecords} records, live memory`)
    const liveSmall = await pullOnce(smallId, smallPull, 'live')
    const liveLarge = await pullOnce(allId, orgRecords, 'live')

    const ratioOf = (a: number, b: number) => Math.max(b, MiB) / Math.max(a, MiB)
    const ratio = ratioOf(small.peakRssGrowthBytes, large.peakRssGrowthBytes)
    const liveRatio = ratioOf(liveSmall.meanLiveGrowthBytes ?? 0, liveLarge.meanLiveGrowthBytes ?? 0)
    const mib = (b = 0) => Math.round((b / MiB) * 10) / 10
    const live = (r: PullRunFigures) => ({
      records: r.records,
      meanLiveGrowthMiB: mib(r.meanLiveGrowthBytes),
      peakLiveGrowthMiB: mib(r.peakLiveGrowthBytes),
    })
    return {
      runs: [small, large],
      rssGrowthRatio: Math.round(ratio * 100) / 100,
      liveRuns: [live(liveSmall), live(liveLarge)],
      liveGrowthRatio: Math.round(liveRatio * 100) / 100,
      target: RATIO_TARGET,
      met: ratio <= RATIO_TARGET,
      database: target.label,
      details:
        `Live memory (heap + external right after a forced GC every ${LIVE_SAMPLE_MS} ms): mean +${mib(liveSmall.meanLiveGrowthBytes)} MiB (peak +${mib(liveSmall.peakLiveGrowthBytes)}) at ${smallPull}, ` +
        `mean +${mib(liveLarge.meanLiveGrowthBytes)} MiB (peak +${mib(liveLarge.peakLiveGrowthBytes)}) at ${orgRecords}: ${liveRatio.toFixed(2)}×. ` +
        `RSS growth beyond that is garbage V8 has not collected yet (mostly jsforce's per-page response text and buffers; a bare jsforce query/queryMore loop grows the same), ` +
        `so the RSS figure varies from run to run. NDJSON over HTTP on 127.0.0.1, ${fields.length} fields, pages of 2,000 (${small.queryCalls} and ${large.queryCalls} Salesforce calls); ` +
        `simulator in a child process, client in the app's process; RSS sampled every ${sampleEveryMs} ms after a warm-up pull.`,
    }
  } finally {
    await runtime?.close()
    await db?.close()
    await sim.close()
  }
}

/** The report's rows: the RSS growth ratio against the target, then each pull's rate and growth. */
export function pullRows(r: PullBenchmarkResult): BenchmarkResult[] {
  const runs = [...r.runs].sort((a, b) => a.records - b.records)
  const small = runs[0]!
  const large = runs[runs.length - 1]!
  const label = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : String(n))
  const mib = (bytes: number) => `${formatNumber(bytes / MiB)} MiB`
  return [
    {
      name: `pull: peak RSS growth ${label(large.records)} / ${label(small.records)}`,
      value: r.rssGrowthRatio,
      unit: '×',
      target: `≤ ${r.target}×`,
      met: r.met,
      details:
        `peak RSS growth ${mib(small.peakRssGrowthBytes)} at ${label(small.records)} records vs ${mib(large.peakRssGrowthBytes)} at ${label(large.records)} (growths under 1 MiB counted as 1 MiB).` +
        (r.met
          ? ''
          : ` Missed: memory grows with the record count (${formatNumber(r.rssGrowthRatio, 2)}× for ${formatNumber(large.records / small.records)}× the records).`) +
        ` ${r.details} Also reported: liveGrowthRatio ${r.liveGrowthRatio}; database ${r.database}.`,
    },
    ...runs.flatMap((run) => [
      {
        name: `pull: ${label(run.records)} records`,
        value: Math.round(run.recordsPerSecond),
        unit: 'records/s',
        target: null,
        met: null,
        details: `${formatNumber(run.records)} records in ${formatNumber(run.wallMs / 1000, 2)} s`,
      },
      {
        name: `pull: ${label(run.records)} peak RSS growth`,
        value: Math.round((run.peakRssGrowthBytes / MiB) * 10) / 10,
        unit: 'MiB',
        target: null,
        met: null,
        details: 'peak RSS during the pull minus RSS before it',
      },
    ]),
  ]
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runPullBenchmark({ log: (m) => process.stderr.write(`[pull-memory] ${m}\n`) })
    .then((r) => {
      console.log(JSON.stringify(r, null, 2))
      process.exit(0)
    })
    .catch((err) => {
      console.error(err)
      process.exit(1)
    })
}
