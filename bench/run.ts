/**
 * `npm run bench`: every benchmark in one process, one after the other (each creates and
 * drops its own database and servers), then a table on stdout and bench/results/latest.json.
 * Progress goes to stderr. Benchmarks print figures; a missed target is reported, not failed.
 *
 *   npm run bench                          all of them
 *   npm run bench -- --only canvas-entry   a subset (comma-separated); written to results/partial.json.tmp (git-ignored)
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import v8 from 'node:v8'
import vm from 'node:vm'
import { runCanvasEntryBenchmark } from './canvas-entry.js'
import { runCanvasPageBenchmark } from './canvas-page.js'
import { runLoginsPerWorkBenchmark } from './logins-per-work.js'
import { runPullBenchmark } from './pull.js'
import { resolveDatabaseTarget } from './lib/database.js'
import { runUnsubscribeBenchmark, unsubscribeRows } from './unsubscribe-push.js'
import { cpuShare, cpuSnapshot, describeCpu, type CpuShare } from './lib/cpu.js'
import {
  describeMachine,
  machineLine,
  renderTable,
  type BenchContext,
  type BenchmarkResult,
  type BenchReport,
} from './lib/report.js'

interface Entry {
  id: string
  run(ctx: BenchContext): Promise<BenchmarkResult[]>
}

const entries: Entry[] = [
  { id: 'canvas-entry', run: (ctx) => runCanvasEntryBenchmark(ctx) },
  { id: 'canvas-page', run: (ctx) => runCanvasPageBenchmark(ctx) },
  { id: 'logins-per-work', run: (ctx) => runLoginsPerWorkBenchmark(ctx) },
  { id: 'unsubscribe-push', run: async (ctx) => unsubscribeRows(await runUnsubscribeBenchmark(ctx)) },
  { id: 'pull', run: (ctx) => runPullBenchmark(ctx) },
]

function parseOnly(argv: string[]): Set<string> | null {
  const i = argv.indexOf('--only')
  const value = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--only='))?.slice('--only='.length)
  if (!value) return null
  const ids = new Set(
    value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  for (const id of ids)
    if (!entries.some((e) => e.id === id))
      throw new Error(`unknown benchmark ${id} (known: ${entries.map((e) => e.id).join(', ')})`)
  return ids
}

/**
 * `npm run bench` runs plain `tsx` (no --expose-gc), but the memory benchmark needs to
 * collect garbage between its runs to compare like with like: expose gc from here.
 */
function exposeGc(): void {
  const g = globalThis as { gc?: () => void }
  if (typeof g.gc === 'function') return
  v8.setFlagsFromString('--expose-gc')
  g.gc = vm.runInNewContext('gc') as () => void
}

/** Other work on the machine skews every figure: say how busy it was around each benchmark. */
function loadNote(loadBefore: number, cpu: CpuShare, cores: number): string {
  // "Others" excludes this process and Postgres; with Postgres unknown it includes it, so allow more.
  const busy = cpu.others !== null && cpu.others > (cpu.postgres === null ? 0.5 : 0.2)
  return (
    ` Load average before: ${loadBefore.toFixed(1)} on ${cores} cores; during it, ${describeCpu(cpu)}` +
    (busy ? '. The machine was BUSY with other work: these figures are pessimistic.' : '.')
  )
}

async function main(): Promise<number> {
  const only = parseOnly(process.argv.slice(2))
  const log = (message: string) => process.stderr.write(`[bench] ${message}\n`)
  exposeGc()
  const database = await resolveDatabaseTarget()
  const machine = describeMachine(database)
  log(`${machineLine(machine)}`)
  log(`database: ${database.note}`)
  const ctx: BenchContext = { database, machine, log }

  const benchmarks: BenchmarkResult[] = []
  let crashed = 0
  const started = Date.now()
  for (const entry of entries) {
    if (only && !only.has(entry.id)) continue
    log(`— ${entry.id}`)
    const t0 = Date.now()
    const loadBefore = os.loadavg()[0]!
    const cpuBefore = cpuSnapshot()
    let rows: BenchmarkResult[]
    try {
      rows = await entry.run(ctx)
    } catch (err) {
      crashed++
      log(`${entry.id} failed: ${(err as Error).stack ?? String(err)}`)
      rows = [
        {
          name: entry.id,
          value: null,
          unit: '',
          target: null,
          met: false,
          details: `the benchmark failed to run: ${(err as Error).message}`,
        },
      ]
    }
    const seconds = (Date.now() - t0) / 1000
    const measured = rows.some((r) => r.value !== null)
    const note = measured
      ? ` Took ${seconds.toFixed(1)} s with setup.${loadNote(loadBefore, cpuShare(cpuBefore), machine.cores)}`
      : ''
    benchmarks.push(...rows.map((r, i) => (i === 0 ? { ...r, details: `${r.details}${note}` } : r)))
    log(`${entry.id} took ${seconds.toFixed(1)} s`)
  }
  log(`all benchmarks took ${((Date.now() - started) / 1000).toFixed(1)} s`)

  const report: BenchReport = {
    machine,
    generatedAt: new Date().toISOString(),
    database: database.note,
    // Each figure names its machine: rows get copied around without the header.
    benchmarks: benchmarks.map((b) => ({ ...b, details: `${b.details} [${machineLine(machine)}]` })),
  }
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results')
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, only ? 'partial.json.tmp' : 'latest.json')
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)

  process.stdout.write(
    `${renderTable({ ...report, benchmarks })}\n\nWritten to ${path.relative(process.cwd(), file)}\n`,
  )
  return crashed > 0 ? 1 : 0
}

main().then(
  // Exit explicitly: a benchmark that leaves a keep-alive socket behind must not hang the run.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`)
    process.exit(1)
  },
)
