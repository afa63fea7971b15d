/**
 * Runs the load in a worker thread, so the load generator has its own event loop instead
 * of stealing the server's (the app under test listens in the main thread): autocannon for
 * closed-loop throughput, and an open-loop generator for latency at a fixed arrival rate.
 *
 * Several targets are measured in alternating slices (A B A B …) and each target's slices are
 * merged: on a machine where other work comes and goes, both sides of a ratio then see the
 * same conditions. Bodies are rotated with a shared counter across all connections, so
 * consecutive requests come from different users, as they would in production.
 */
import http from 'node:http'
import { parentPort, workerData } from 'node:worker_threads'
import autocannon from 'autocannon'
import { NO_CPU, addCpuDeltas, cpuDelta, cpuShareOf, cpuSnapshot, type CpuDelta, type CpuShare } from './cpu.js'

export interface LoadTarget {
  name: string
  url: string
  path: string
}

export interface LoadJob {
  targets: LoadTarget[]
  bodies: string[]
  connections: number
  /** Per target, split over `rounds` slices. */
  durationSeconds: number
  rounds: number
  /** Offset into `bodies` so consecutive jobs start on different users. */
  startAt?: number
  /**
   * Arrival-rate mode: this many requests per second, evenly spaced (an open loop: request k is
   * due at start + k / rate whatever the answers before it did), over at most `connections`
   * keep-alive sockets, instead of each connection sending again as soon as it is answered.
   * Latency at a fixed rate is what a user sees; latency at saturation is only the queue
   * (Little's law). Each latency runs from when the request was due, not when it left, so a
   * stall delays the requests behind it and they count (no coordinated omission).
   *
   * Not autocannon's `overallRate`: that lets each connection send its share of a second back
   * to back at the start of the second, then idle, so it measures bursts of `connections`
   * concurrent requests, and its correction adds a phantom sample for every millisecond of
   * every answer slower than 1 ms.
   */
  overallRate?: number
}

export interface LoadSummary {
  requestsPerSecond: number
  total: number
  ok: number
  non2xx: number
  errors: number
  timeouts: number
  durationSeconds: number
  slices: number
  latency: { p50: number; p90: number; p99: number; max: number; mean: number }
  statusCodes: Record<string, number>
  cpu: CpuShare
  /**
   * CPU time of this process minus the load generator's thread, per response: what one request
   * costs the server (main thread, libuv and GC threads), whatever else the machine was doing.
   */
  serverCpuMsPerRequest: number
  /** Share of the time the main thread's event loop (the servers') was busy; filled in by load.ts. */
  serverLoopBusy?: number
}

type Aggregate = (results: unknown[], opts: object) => autocannon.Result
// Off the main thread autocannon answers raw, encoded histograms (its own worker mode merges
// them on the main thread); autocannon.aggregateResult does the same merge here.
const aggregate = (autocannon as unknown as { aggregateResult: Aggregate }).aggregateResult

async function slice(target: LoadTarget, job: LoadJob, seconds: number, counter: { next: number }): Promise<unknown> {
  const bodies = job.bodies
  return autocannon({
    url: target.url,
    connections: job.connections,
    duration: seconds,
    pipelining: 1,
    timeout: 10,
    ...(job.overallRate ? { overallRate: job.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        path: target.path,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        setupRequest: (request) => {
          request.body = bodies[counter.next++ % bodies.length]!
          return request
        },
      },
    ],
  })
}

/** What one open-loop slice saw: each answer's latency from when its request was due. */
interface OpenLoopSlice {
  latencies: number[]
  statusCodes: Record<string, number>
  errors: number
  timeouts: number
  durationSeconds: number
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** One fixed-rate slice (see LoadJob.overallRate): due times at start + k / rate, latencies from the due time. */
async function openLoopSlice(
  target: LoadTarget,
  job: LoadJob,
  seconds: number,
  counter: { next: number },
): Promise<OpenLoopSlice> {
  const rate = job.overallRate!
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections })
  const url = new URL(target.path, target.url)
  const result: OpenLoopSlice = { latencies: [], statusCodes: {}, errors: 0, timeouts: 0, durationSeconds: 0 }
  const send = (dueAt: number, body: string) =>
    new Promise<void>((resolve) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
          timeout: 10_000,
        },
        (res) => {
          res.on('data', () => {})
          res.on('end', () => {
            result.latencies.push(performance.now() - dueAt)
            const code = String(res.statusCode)
            result.statusCodes[code] = (result.statusCodes[code] ?? 0) + 1
            resolve()
          })
        },
      )
      req.on('timeout', () => {
        result.timeouts++
        req.destroy()
      })
      req.on('error', () => {
        result.errors++
        resolve()
      })
      req.end(body)
    })
  // Every socket is opened before the clock starts: the first requests don't pay a TCP handshake.
  await Promise.all(
    Array.from({ length: job.connections }, () =>
      send(performance.now(), job.bodies[counter.next++ % job.bodies.length]!),
    ),
  )
  // The warm-up's answers (and failures) are not part of the slice.
  Object.assign(result, { latencies: [], statusCodes: {}, errors: 0, timeouts: 0 })
  const start = performance.now()
  const count = Math.round(seconds * rate)
  const inFlight: Promise<void>[] = []
  for (let k = 0; k < count; k++) {
    const dueAt = start + (k * 1000) / rate
    const wait = dueAt - performance.now()
    if (wait > 0) await sleep(wait)
    inFlight.push(send(dueAt, job.bodies[counter.next++ % job.bodies.length]!))
  }
  await Promise.all(inFlight)
  result.durationSeconds = (performance.now() - start) / 1000
  agent.destroy()
  return result
}

const tenths = (ms: number) => Math.round(ms * 10) / 10

/** The p-th percentile (0–100) of sorted values (nearest rank), in ms to a tenth. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return tenths(sorted[rank - 1]!)
}

function openLoopSummary(slices: OpenLoopSlice[]): Omit<LoadSummary, 'cpu' | 'serverCpuMsPerRequest'> {
  const latencies = slices.flatMap((s) => s.latencies).sort((a, b) => a - b)
  const statusCodes: Record<string, number> = {}
  for (const s of slices)
    for (const [code, n] of Object.entries(s.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n
  const total = latencies.length
  const ok = Object.entries(statusCodes).reduce((n, [code, c]) => n + (code.startsWith('2') ? c : 0), 0)
  const durationSeconds = slices.reduce((sum, s) => sum + s.durationSeconds, 0)
  return {
    requestsPerSecond: durationSeconds > 0 ? total / durationSeconds : 0,
    total,
    ok,
    non2xx: total - ok,
    errors: slices.reduce((n, s) => n + s.errors, 0),
    timeouts: slices.reduce((n, s) => n + s.timeouts, 0),
    durationSeconds,
    slices: slices.length,
    latency: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: tenths(latencies[latencies.length - 1] ?? 0),
      mean: total > 0 ? tenths(latencies.reduce((a, b) => a + b, 0) / total) : 0,
    },
    statusCodes,
  }
}

async function run(job: LoadJob): Promise<Record<string, LoadSummary>> {
  const counter = { next: job.startAt ?? 0 }
  const seconds = Math.max(1, Math.round(job.durationSeconds / job.rounds))
  const raws = new Map<string, unknown[]>(job.targets.map((t) => [t.name, []]))
  const cpu = new Map<string, CpuDelta>(job.targets.map((t) => [t.name, NO_CPU]))
  const loadGenMicros = new Map<string, number>()
  for (let round = 0; round < job.rounds; round++) {
    for (const target of job.targets) {
      // The main thread (the server) measures its event-loop use between these two messages.
      parentPort?.postMessage({ type: 'slice-start', name: target.name })
      const before = cpuSnapshot()
      const loadGenBefore = process.threadCpuUsage()
      raws
        .get(target.name)!
        .push(
          await (job.overallRate ? openLoopSlice(target, job, seconds, counter) : slice(target, job, seconds, counter)),
        )
      const loadGen = process.threadCpuUsage(loadGenBefore)
      loadGenMicros.set(target.name, (loadGenMicros.get(target.name) ?? 0) + loadGen.user + loadGen.system)
      cpu.set(target.name, addCpuDeltas(cpu.get(target.name)!, cpuDelta(before)))
      parentPort?.postMessage({ type: 'slice-end', name: target.name })
    }
  }
  const out: Record<string, LoadSummary> = {}
  for (const target of job.targets) {
    const list = raws.get(target.name)!
    const measured = job.overallRate
      ? openLoopSummary(list as OpenLoopSlice[])
      : autocannonSummary(list, { url: target.url, connections: job.connections, duration: seconds })
    out[target.name] = {
      ...measured,
      cpu: cpuShareOf(cpu.get(target.name)!),
      serverCpuMsPerRequest:
        measured.total > 0
          ? Math.max(0, cpu.get(target.name)!.ownMicros - (loadGenMicros.get(target.name) ?? 0)) / measured.total / 1000
          : 0,
    }
  }
  return out
}

function autocannonSummary(list: unknown[], opts: object): Omit<LoadSummary, 'cpu' | 'serverCpuMsPerRequest'> {
  const result = aggregate(list, opts)
  const durationSeconds = list.reduce<number>((sum, r) => sum + (r as { duration: number }).duration, 0)
  const statusCodes: Record<string, number> = {}
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0
  return {
    // Responses over the measured time (autocannon's per-second average drops partial seconds).
    requestsPerSecond: durationSeconds > 0 ? result.requests.total / durationSeconds : 0,
    total: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds,
    slices: list.length,
    latency: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    statusCodes,
  }
}

if (parentPort) {
  const port = parentPort
  run(workerData as LoadJob).then(
    (summaries) => port.postMessage({ type: 'done', ok: true, summaries }),
    (err: unknown) =>
      port.postMessage({
        type: 'done',
        ok: false,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      }),
  )
}
