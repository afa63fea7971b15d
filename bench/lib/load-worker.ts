/**
 * Runs autocannon in a worker thread, so the load generator has its own event loop instead
 * of stealing the server's (the app under test listens in the main thread).
 *
 * Several targets are measured in alternating slices (A B A B …) and each target's slices are
 * merged: on a machine where other work comes and goes, both sides of a ratio then see the
 * same conditions. Bodies are rotated with a shared counter across all connections, so
 * consecutive requests come from different users, as they would in production.
 */
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
   * Arrival-rate mode: requests per second over all connections (autocannon's overallRate),
   * instead of each connection sending again as soon as it is answered. Latency at a fixed
   * rate is what a user sees; latency at saturation is only the queue (Little's law).
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
      raws.get(target.name)!.push(await slice(target, job, seconds, counter))
      const loadGen = process.threadCpuUsage(loadGenBefore)
      loadGenMicros.set(target.name, (loadGenMicros.get(target.name) ?? 0) + loadGen.user + loadGen.system)
      cpu.set(target.name, addCpuDeltas(cpu.get(target.name)!, cpuDelta(before)))
      parentPort?.postMessage({ type: 'slice-end', name: target.name })
    }
  }
  const out: Record<string, LoadSummary> = {}
  for (const target of job.targets) {
    const list = raws.get(target.name)!
    const result = aggregate(list, { url: target.url, connections: job.connections, duration: seconds })
    const durationSeconds = list.reduce<number>((sum, r) => sum + (r as { duration: number }).duration, 0)
    const statusCodes: Record<string, number> = {}
    for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0
    out[target.name] = {
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
      cpu: cpuShareOf(cpu.get(target.name)!),
      serverCpuMsPerRequest:
        result.requests.total > 0
          ? Math.max(0, cpu.get(target.name)!.ownMicros - (loadGenMicros.get(target.name) ?? 0)) /
            result.requests.total /
            1000
          : 0,
    }
  }
  return out
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
