/**
 * logins-per-work: how many Salesforce logins 1,000 operations cost outside Salesforce.
 *
 * 10 simulator users, each linked to an app account with a stored username + password +
 * security token (saved through `PUT /api/salesforce/credentials`, as a person would). 20
 * concurrent callers run 1,000 `SELECT Id FROM Contact LIMIT 1` through
 * `services.salesforce.withConnection({ accountId, canvas: false })`, spread round-robin
 * over the 10 links. Every Salesforce session dies three times: just before the run (so the
 * cache starts stale), and at the 1/3 and 2/3 marks. The ideal is one login per link per
 * session lifetime, 3 × 10 = 30; logging in per operation would cost 1,000. The simulator
 * counts the logins. Three rounds, the worst reported: a race that shows one run in three is
 * still a defect.
 */
import { startBenchApp } from './lib/runtime.js'
import { createBenchDatabase } from './lib/database.js'
import { addressFor, linkThroughCanvas } from './lib/accounts.js'
import { formatNumber, type BenchContext, type BenchmarkResult } from './lib/report.js'

export interface LoginsPerWorkOptions {
  links?: number
  operations?: number
  callers?: number
  /** Rounds of `operations`; the worst is reported (a race may show only now and then). */
  repeats?: number
}

export const LOGINS_TARGET = 30

interface Round {
  total: number
  failed: number
  failures: Map<string, number>
  perPhase: number[]
  perLink: Map<number, number>
  byKind: string
  apiCalls: number
  wallMs: number
  p50: number
  p99: number
  duplicates(lifetimes: number): number
}

type SimApp = Awaited<ReturnType<typeof startBenchApp>>

/** One round: every session dies, then `operations` spread over the links by `callers` concurrent callers. */
async function round(
  t: SimApp,
  accountIds: string[],
  users: { id: string }[],
  o: { operations: number; callers: number; expireAt: number[] },
): Promise<Round> {
  const { control } = t.sim
  const logins = () => control.counters().logins.success + control.counters().logins.failure
  control.expireSessions()
  control.resetCounters()
  const phaseStarts = [0]
  let next = 0
  let failed = 0
  const failures = new Map<string, number>()
  const latencies: number[] = []
  const started = performance.now()
  await Promise.all(
    Array.from({ length: o.callers }, async () => {
      for (;;) {
        const i = next++
        if (i >= o.operations) return
        if (o.expireAt.includes(i)) {
          phaseStarts.push(logins())
          control.expireSessions()
        }
        const t0 = performance.now()
        try {
          await t.app.services.salesforce.withConnection(
            { accountId: accountIds[i % accountIds.length]!, canvas: false },
            async (conn) => (await conn.query('SELECT Id FROM Contact LIMIT 1')).totalSize,
          )
        } catch (err) {
          failed++
          const code = (err as { code?: string }).code ?? (err as Error).message
          failures.set(code, (failures.get(code) ?? 0) + 1)
        }
        latencies.push(performance.now() - t0)
      }
    }),
  )
  const wallMs = performance.now() - started
  const counters = control.counters()
  const total = counters.logins.success + counters.logins.failure
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!
  // Per link: the ideal is one login per session lifetime; more means a duplicate login.
  const perLink = new Map<number, number>()
  for (const user of users) {
    const c = counters.logins.byUser[user.id]
    const n = c ? c.success + c.failure : 0
    perLink.set(n, (perLink.get(n) ?? 0) + 1)
  }
  return {
    total,
    failed,
    failures,
    perPhase: [...phaseStarts.slice(1), total].map((end, k) => end - phaseStarts[k]!),
    perLink,
    byKind: Object.entries(counters.logins.byKind)
      .filter(([, v]) => v.success + v.failure > 0)
      .map(([k, v]) => `${k} ${v.success}${v.failure ? ` (+${v.failure} failed)` : ''}`)
      .join(', '),
    apiCalls: counters.apiCalls.total,
    wallMs,
    p50: pct(50),
    p99: pct(99),
    duplicates: (lifetimes) => [...perLink].reduce((sum, [n, links]) => sum + Math.max(0, n - lifetimes) * links, 0),
  }
}

function describeRound(r: Round): string {
  const perLink = [...r.perLink]
    .sort(([a], [b]) => a - b)
    .map(([n, links]) => `${links} link${links === 1 ? '' : 's'} ${n}`)
    .join(', ')
  return (
    `${r.total} logins (${r.byKind || 'none'}; per session lifetime: ${r.perPhase.join(' / ')}; logins per link: ${perLink}), ${r.apiCalls} API calls, ` +
    `wall ${formatNumber(r.wallMs / 1000, 2)} s, per operation p50 ${formatNumber(r.p50)} ms, p99 ${formatNumber(r.p99)} ms`
  )
}

function mergeFailures(rounds: Round[]): string {
  const all = new Map<string, number>()
  for (const r of rounds) for (const [code, n] of r.failures) all.set(code, (all.get(code) ?? 0) + n)
  return [...all].map(([c, n]) => `${c}×${n}`).join(', ')
}

export async function runLoginsPerWorkBenchmark(
  ctx: BenchContext,
  options: LoginsPerWorkOptions = {},
): Promise<BenchmarkResult[]> {
  const linkCount = options.links ?? 10
  const operations = options.operations ?? 1_000
  const callers = options.callers ?? 20
  const repeats = options.repeats ?? 3

  const db = await createBenchDatabase(ctx.database)
  const t = await startBenchApp({
    db,
    sim: {
      // No refresh token in signed requests: the stored password + token is the only way in.
      canvasRefreshToken: false,
      orgName: 'Bench Logins Org',
      users: Array.from({ length: linkCount }, (_, i) => ({
        username: `logins.user${i}@bench.test`,
        firstName: 'Logins',
        lastName: `User ${i}`,
      })),
      data: { contacts: 20, leads: 0, campaigns: 0 },
    },
  })
  try {
    const { control } = t.sim
    const users = control.users()
    ctx.log(`logins-per-work: linking ${users.length} users and storing their password + token…`)
    const accountIds: string[] = []
    for (const [i, user] of users.entries()) {
      const remoteAddress = addressFor(i)
      const { token, accountId } = await linkThroughCanvas(
        t.app,
        control.signedRequest(user.id),
        `logins${i}@customer.test`,
        remoteAddress,
      )
      const saved = await t.app.inject({
        method: 'PUT',
        url: '/api/salesforce/credentials',
        headers: { authorization: `Bearer ${token}` },
        payload: {
          username: user.username,
          password: user.password,
          securityToken: user.securityToken,
          environment: 'production',
        },
        remoteAddress,
      })
      if (saved.statusCode !== 200)
        throw new Error(`saving credentials answered ${saved.statusCode}: ${saved.body.slice(0, 200)}`)
      accountIds.push(accountId)
    }

    const expireAt = [Math.floor(operations / 3), Math.floor((2 * operations) / 3)]
    const lifetimes = expireAt.length + 1
    ctx.log(`logins-per-work: ${repeats} rounds of ${operations} operations…`)
    const results: Round[] = []
    for (let r = 0; r < repeats; r++) results.push(await round(t, accountIds, users, { operations, callers, expireAt }))

    // The worst round is the figure: a duplicate login that happens one run in three is still a defect.
    const worst = results.reduce((a, b) => (b.total > a.total || (b.total === a.total && b.failed > a.failed) ? b : a))
    const failed = results.reduce((n, r) => n + r.failed, 0)
    const met = worst.total <= LOGINS_TARGET && failed === 0
    const over = worst.total - LOGINS_TARGET
    const failureText = failed ? `; ${failed} operations FAILED over all rounds (${mergeFailures(results)})` : ''
    const conditions =
      `${operations} operations over ${linkCount} links by ${callers} concurrent callers, ${repeats} rounds; in each round sessions expired before the run and at operations ${expireAt.join(' and ')}; ` +
      `${db.embedded ? 'EMBEDDED PGlite' : 'real Postgres'}, simulator over HTTP (jsforce)`

    return [
      {
        name: 'logins-per-work: logins for 1,000 operations',
        value: worst.total,
        unit: 'logins',
        target: `≤ ${LOGINS_TARGET}`,
        met,
        details:
          `worst of ${repeats} rounds (logins per round: ${results.map((r) => r.total).join(', ')}). Worst round: ${describeRound(worst)}${failureText}.` +
          (met
            ? ''
            : ` Missed: ${
                over > 0
                  ? `${over} login${over === 1 ? '' : 's'} over the ideal of one per link per session lifetime; ${worst.duplicates(lifetimes)} of them by a link logging in twice in one lifetime ` +
                    `(seen when a caller reads the empty token cache just before another caller's login fills it and releases the login lease, then takes the lease and logs in again)`
                  : 'some operations failed'
              }.`) +
          ` Conditions: ${conditions}.`,
      },
      {
        name: 'logins-per-work: logins vs one per operation',
        value: Math.round((worst.total / operations) * 1000) / 10,
        unit: '%',
        target: null,
        met: null,
        details: `${worst.total} logins instead of ${operations} (${formatNumber(operations / Math.max(1, worst.total))}× fewer than logging in for every operation), worst round.`,
      },
    ]
  } finally {
    await t.close().catch(() => {})
    await db
      .close()
      .catch((err: unknown) => ctx.log(`logins-per-work: could not drop the bench database: ${(err as Error).message}`))
  }
}
