/**
 * canvas-entry: how fast `POST /canvas` answers, side by side with a bare route that only
 * parses the form and verifies the signed request (the floor no entry can beat).
 *
 * The app listens on 127.0.0.1 on a real Postgres; autocannon runs in a worker thread and
 * rotates ~4.5 KB signed requests (the size of the real one in test/fixtures/conformance) from
 * 500 simulator users in two orgs, half of them already linked: both the linked path
 * (touch link, save canvas tokens, issue session, audit) and the first-visit path (pending
 * session, encrypted tokens, audit) run. The bare route is on a separate minimal Fastify
 * instance (formbody + verifySignedRequest, nothing else) in the same process.
 *
 * Three figures, each side by side with the bare route in the same run: throughput at 100
 * connections (closed loop: each connection sends again when answered), p99 latency at a fixed
 * arrival rate of 100 req/s (open loop, one request due every 10 ms, lib/load-worker.ts; latency
 * at saturation would only measure the queue), and this process's CPU per request.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import pg from 'pg'
import formbody from '@fastify/formbody'
import { verifySignedRequest } from '../server/src/canvas/signed-request.js'
import { CANVAS_BODY_LIMIT } from '../server/src/canvas/routes.js'
import { isSalesforceHost } from '../server/src/salesforce/hosts.js'
import { buildSignedRequest } from '@sf-link/simulator'
import { startBenchApp } from './lib/runtime.js'
import { createBenchDatabase } from './lib/database.js'
import { addressFor, canvasForm, linkThroughCanvas, mapConcurrent } from './lib/accounts.js'
import { describeCpu } from './lib/cpu.js'
import { runLoad, type LoadSummary } from './lib/load.js'
import { formatNumber, type BenchContext, type BenchmarkResult } from './lib/report.js'

export interface CanvasEntryOptions {
  users?: number
  /** Fraction of the users linked before the run. */
  linkedFraction?: number
  durationSeconds?: number
  warmupSeconds?: number
  /** Full and bare alternate in this many slices each, so both see the same background load. */
  rounds?: number
  /** Length of each signed request (characters); the real one is 4,469. */
  signedRequestLength?: number
  /** Seconds of the fixed-rate latency run, per endpoint. */
  rateSeconds?: number
}

export const THROUGHPUT_RATIO_TARGET = 0.5
export const P99_TARGET_MS = 15
/** The fixed arrival rate the latency target is measured at. */
export const LATENCY_RATE = 100
export const CPU_RATIO_TARGET = 2

/** Pads `context.environment.parameters` (as a Visualforce/Lightning host passes its parameters) to reach `length`. */
function signedRequestOfLength(request: Record<string, any>, secret: string, length: number): string {
  const unpadded = buildSignedRequest(request, secret)
  let padding = Math.max(0, Math.floor(((length - unpadded.length) * 3) / 4) - 40)
  for (let attempt = 0; attempt < 8; attempt++) {
    const params = { recordId: '0035g00000BenchAAA', view: 'mailing-lists', filter: 'x'.repeat(padding) }
    const padded = {
      ...request,
      context: { ...request.context, environment: { ...request.context.environment, parameters: params } },
    }
    const signed = buildSignedRequest(padded, secret)
    if (Math.abs(signed.length - length) <= 4 || padding === 0) return signed
    padding = Math.max(0, padding + Math.round(((length - signed.length) * 3) / 4))
  }
  throw new Error('could not pad the signed request to the wanted length')
}

async function bareServer(
  secrets: readonly string[],
  extraHosts: readonly string[],
): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false })
  await app.register(formbody)
  app.post('/canvas-bare', { bodyLimit: CANVAS_BODY_LIMIT }, async (request, reply) => {
    const raw = (request.body as Record<string, unknown> | undefined)?.signed_request
    const result = verifySignedRequest(raw, secrets, {
      allowedInstanceHosts: (host) => isSalesforceHost(host, extraHosts),
    })
    if (!result.ok)
      return reply
        .status(result.reason === 'bad_signature' ? 401 : 400)
        .type('text/plain')
        .send(result.reason)
    return reply.type('text/plain').send(result.request.userId)
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, url }
}

/**
 * Postgres statements one entry runs (BEGIN and COMMIT included): the price of the full path
 * over the bare one. Counted on a probe request before the load, by wrapping pg's
 * Client#query for that one request only (pg has no per-query event).
 */
async function statementsPerEntry(url: string, body: string): Promise<number> {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }
  const original = proto.query
  let count = 0
  proto.query = function (this: unknown, ...args: unknown[]) {
    count++
    return original.apply(this, args)
  }
  try {
    const res = await fetch(`${url}/canvas`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })
    await res.arrayBuffer()
    if (res.status !== 200) throw new Error(`/canvas answered ${res.status} to a valid signed request`)
    return count
  } finally {
    proto.query = original
  }
}

/**
 * autocannon is a closed loop: each connection sends its next request as soon as the answer
 * arrives. With the server's event loop saturated, mean latency is then connections /
 * throughput (Little's law): the latency figure is the throughput figure seen from the side.
 */
function saturationNote(s: LoadSummary, connections: number): string {
  if (s.serverLoopBusy === undefined || s.serverLoopBusy < 0.9 || s.requestsPerSecond <= 0) return ''
  const needed = connections / (P99_TARGET_MS / 1000)
  return (
    ` The server's event loop was ${Math.round(s.serverLoopBusy * 100)} % busy, so the ${connections} connections queue behind each other: ` +
    `mean latency ≈ ${connections} / ${formatNumber(s.requestsPerSecond)} req/s = ${formatNumber((connections / s.requestsPerSecond) * 1000)} ms (Little's law). ` +
    `Even a mean of ${P99_TARGET_MS} ms needs ≥ ${formatNumber(needed)} req/s, about ${formatNumber(1000 / needed, 2)} ms of server CPU per entry or less (now ${formatNumber(s.serverCpuMsPerRequest, 2)} ms).`
  )
}

function describe(s: LoadSummary): string {
  const codes = Object.entries(s.statusCodes)
    .map(([c, n]) => `${c}×${n}`)
    .join(' ')
  const problems =
    s.non2xx + s.errors + s.timeouts > 0 ? `; non-2xx ${s.non2xx}, errors ${s.errors}, timeouts ${s.timeouts}` : ''
  return `${formatNumber(s.requestsPerSecond)} req/s, p50 ${s.latency.p50} ms, p99 ${s.latency.p99} ms, max ${s.latency.max} ms; ${s.total} responses in ${s.durationSeconds.toFixed(1)} s over ${s.slices} slices (${codes || 'none'})${problems}; server CPU ${formatNumber(s.serverCpuMsPerRequest, 2)} ms per request${s.serverLoopBusy === undefined ? '' : `, event loop ${Math.round(s.serverLoopBusy * 100)} % busy`}; ${describeCpu(s.cpu)}`
}

export async function runCanvasEntryBenchmark(
  ctx: BenchContext,
  options: CanvasEntryOptions = {},
): Promise<BenchmarkResult[]> {
  const userCount = options.users ?? 500
  const linkedFraction = options.linkedFraction ?? 0.5
  const duration = options.durationSeconds ?? 10
  const warmup = options.warmupSeconds ?? 3
  const rounds = options.rounds ?? 5
  const length = options.signedRequestLength ?? 4_469
  const rateSeconds = options.rateSeconds ?? 20

  const db = await createBenchDatabase(ctx.database)
  const t = await startBenchApp({
    db,
    sim: {
      orgs: [
        { name: 'Bench Org A', users: [], data: false },
        { name: 'Bench Org B', users: [], data: false },
      ],
    },
  })
  let bare: FastifyInstance | null = null
  try {
    const { control } = t.sim
    const [orgA, orgB] = control.orgs()
    const users = Array.from({ length: userCount }, (_, i) => {
      const org = i < userCount / 2 ? orgA! : orgB!
      return control.createUser({
        organizationId: org.id,
        username: `bench.user${i}@${org === orgA ? 'org-a' : 'org-b'}.bench.test`,
        firstName: 'Bench',
        lastName: `User ${i}`,
      })
    })
    const signedRequests = users.map((u) =>
      signedRequestOfLength(
        control.canvasRequest(u.id) as unknown as Record<string, any>,
        t.sim.consumerSecret,
        length,
      ),
    )
    const bodies = signedRequests.map(canvasForm)

    // Every other user (in both orgs) is linked beforehand: the rotation alternates the two paths.
    const linkedIndexes = users.map((_, i) => i).filter((i) => i % Math.round(1 / linkedFraction) === 0)
    ctx.log(`canvas-entry: ${userCount} users created; linking ${linkedIndexes.length} through /canvas + signup…`)
    const linkStarted = Date.now()
    await mapConcurrent(linkedIndexes, 8, (i) =>
      linkThroughCanvas(t.app, signedRequests[i]!, `bench${i}@customer.test`, addressFor(i)),
    )
    ctx.log(`canvas-entry: linked in ${((Date.now() - linkStarted) / 1000).toFixed(1)} s`)

    const appUrl = await t.app.listen({ host: '127.0.0.1', port: 0 })
    const bareSrv = await bareServer(t.config.salesforce.consumerSecrets, t.config.salesforce.extraHosts)
    bare = bareSrv.app

    // Sanity: both endpoints accept the bodies before anything is measured.
    for (const [url, path] of [
      [appUrl, '/canvas'],
      [bareSrv.url, '/canvas-bare'],
    ] as const) {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: bodies[1]!,
      })
      if (res.status !== 200) throw new Error(`${path} answered ${res.status} to a valid signed request`)
      await res.arrayBuffer()
    }

    const linkedSet = new Set(linkedIndexes)
    const linkedProbe = linkedIndexes[0]!
    const firstVisitProbe = users.findIndex((_, i) => !linkedSet.has(i))
    const statements = {
      // The first linked visit a process sees of a user also learns its canvas credential's ID.
      linkedFirstInProcess: await statementsPerEntry(appUrl, bodies[linkedProbe]!),
      linked: await statementsPerEntry(appUrl, bodies[linkedProbe]!),
      firstVisit: await statementsPerEntry(appUrl, bodies[firstVisitProbe]!),
    }

    const targets = [
      { name: 'full', url: appUrl, path: '/canvas' },
      { name: 'bare', url: bareSrv.url, path: '/canvas-bare' },
    ]
    const measure = async (
      connections: number,
      seconds: number,
      roundCount: number,
      startAt: number,
      overallRate?: number,
    ) => {
      const r = await runLoad({
        targets,
        bodies,
        connections,
        durationSeconds: seconds,
        rounds: roundCount,
        startAt,
        overallRate,
      })
      return { full: r.full!, bare: r.bare! }
    }

    ctx.log(`canvas-entry: warming up (${warmup} s each)…`)
    await measure(100, warmup, 1, 0)
    ctx.log(
      `canvas-entry: measuring full and bare, ${duration} s each in ${rounds} alternating slices, at 100 then 10 connections…`,
    )
    const at100 = await measure(100, duration, rounds, 100)
    ctx.log(`canvas-entry: latency at a fixed ${LATENCY_RATE} req/s, ${rateSeconds} s each…`)
    const atRate = await measure(10, rateSeconds, rounds, 300, LATENCY_RATE)
    const [full100, bare100, fullRate, bareRate] = [at100.full, at100.bare, atRate.full, atRate.bare]

    const { rows: paths } = await db.pool
      .query<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM sessions GROUP BY kind ORDER BY kind`)
      .catch(() => ({ rows: [] as { kind: string; n: number }[] }))
    const avgBody = Math.round(bodies.reduce((n, b) => n + b.length, 0) / bodies.length)
    const conditions =
      `${userCount} simulator users in 2 orgs, ${linkedIndexes.length} linked beforehand (requests alternate linked / first visit); ` +
      `signed requests ${formatNumber(Math.round(signedRequests.reduce((n, s) => n + s.length, 0) / signedRequests.length))} chars (form body ${formatNumber(avgBody)} bytes); ` +
      `app on 127.0.0.1, logger off, pg pool 10, ${db.embedded ? 'EMBEDDED PGlite' : 'real Postgres'}; autocannon in a worker thread, ${duration} s per endpoint and concurrency in ${rounds} slices alternating full/bare, after ${warmup} s warm-up; ` +
      `bare = separate minimal Fastify (formbody + verifySignedRequest) in the same process` +
      (paths.length
        ? `; sessions issued during setup+runs by kind: ${paths.map((p) => `${p.kind} ${p.n}`).join(', ')}`
        : '')

    const ratio = bare100.requestsPerSecond > 0 ? full100.requestsPerSecond / bare100.requestsPerSecond : 0
    const cpuRatio =
      bare100.serverCpuMsPerRequest > 0 ? full100.serverCpuMsPerRequest / bare100.serverCpuMsPerRequest : 0
    const failed = (x: LoadSummary) => x.non2xx + x.errors + x.timeouts
    const fullErrors = failed(full100) + failed(fullRate)
    const ratioMet = ratio >= THROUGHPUT_RATIO_TARGET && fullErrors === 0
    const p99Met = fullRate.latency.p99 <= P99_TARGET_MS && failed(fullRate) === 0
    const cpuMet = cpuRatio > 0 && cpuRatio <= CPU_RATIO_TARGET && fullErrors === 0
    const errorNote =
      fullErrors > 0 ? ` Full entry had ${fullErrors} failed responses, so the figures do not count as met.` : ''
    const statementNote =
      `Each full entry runs ${statements.linked} Postgres statement(s) for a returning linked user (${statements.linkedFirstInProcess} the first time this process sees the user: it learns the canvas credential's ID) ` +
      `and ${statements.firstVisit} for a first visit; every durable write is in it (signed request's digest, link, canvas credential, sealed token, session, audit); BEGIN/COMMIT would be counted; the bare route runs none.`

    return [
      {
        name: 'canvas-entry: throughput full / bare @100 conn',
        value: Math.round(ratio * 1000) / 10,
        unit: '%',
        target: `≥ ${THROUGHPUT_RATIO_TARGET * 100} %`,
        met: ratioMet,
        details:
          `full ${formatNumber(full100.requestsPerSecond)} req/s vs bare ${formatNumber(bare100.requestsPerSecond)} req/s at 100 connections. ${statementNote}` +
          (ratioMet
            ? ''
            : ` Missed: ${ratio < THROUGHPUT_RATIO_TARGET ? `the full entry costs this process ${formatNumber(cpuRatio, 2)}× the CPU of the bare verification (≥ 50 % needs about 2× or less), mostly the Postgres round trip and the larger response, and Postgres competes for the same cores (${describeCpu(full100.cpu)})` : 'failed responses'}.`) +
          errorNote +
          ` Conditions: ${conditions}.`,
      },
      {
        name: `canvas-entry: full p99 @${LATENCY_RATE} req/s`,
        value: fullRate.latency.p99,
        unit: 'ms',
        target: `≤ ${P99_TARGET_MS} ms`,
        met: p99Met,
        details:
          `A fixed arrival rate of ${LATENCY_RATE} req/s (open loop: one request due every ${1000 / LATENCY_RATE} ms over up to 10 keep-alive connections, each latency from when its request was due), ${rateSeconds} s per endpoint in ${rounds} alternating slices: full ${describe(fullRate)}; bare p50 ${bareRate.latency.p50} ms, p99 ${bareRate.latency.p99} ms.` +
          (p99Met
            ? ''
            : ` Missed: p99 ${fullRate.latency.p99} ms > ${P99_TARGET_MS} ms (p50 ${fullRate.latency.p50} ms); the entry waits for Postgres to commit (fsync of the WAL), shared with everything else using that server.`),
      },
      {
        name: 'canvas-entry: server CPU per entry full / bare',
        value: Math.round(cpuRatio * 100) / 100,
        unit: '×',
        target: `≤ ${CPU_RATIO_TARGET}×`,
        met: cpuMet,
        details:
          `This process's CPU per request at 100 connections (main thread, libuv and GC; the load generator's thread excluded; Postgres's own work not counted): full ${formatNumber(full100.serverCpuMsPerRequest, 3)} ms, bare ${formatNumber(bare100.serverCpuMsPerRequest, 3)} ms; at ${LATENCY_RATE} req/s ${formatNumber(fullRate.serverCpuMsPerRequest, 3)} vs ${formatNumber(bareRate.serverCpuMsPerRequest, 3)} ms.` +
          (cpuMet
            ? ''
            : ` Missed: beyond the bare route's work, a full entry pays one Postgres round trip (a socket write and read), sealing the token, signing the session token and a larger response with the app's headers.`),
      },
      {
        name: 'canvas-entry: full @100 conn',
        value: Math.round(full100.requestsPerSecond),
        unit: 'req/s',
        target: null,
        met: null,
        details: describe(full100) + saturationNote(full100, 100),
      },
      {
        name: 'canvas-entry: bare @100 conn (anchor)',
        value: Math.round(bare100.requestsPerSecond),
        unit: 'req/s',
        target: null,
        met: null,
        details: describe(bare100),
      },
      {
        name: `canvas-entry: bare p99 @${LATENCY_RATE} req/s (anchor)`,
        value: bareRate.latency.p99,
        unit: 'ms',
        target: null,
        met: null,
        details: describe(bareRate),
      },
    ]
  } finally {
    await bare?.close().catch(() => {})
    await t.close().catch(() => {})
    await db
      .close()
      .catch((err: unknown) => ctx.log(`canvas-entry: could not drop the bench database: ${(err as Error).message}`))
  }
}
