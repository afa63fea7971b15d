/** The shape of `bench/results/latest.json`, the machine a run happened on, and the printed table. */
import os from 'node:os'
import type { DatabaseTarget } from './database.js'

export interface Machine {
  cores: number
  cpuModel: string
  node: string
  postgres: string
  platform: string
}

/**
 * One figure. `target` is null for figures reported for context only (then `met` is null too).
 * `value` is null when the figure could not be measured (`details` says why).
 */
export interface BenchmarkResult {
  name: string
  value: number | null
  unit: string
  target: string | null
  met: boolean | null
  details: string
}

export interface BenchReport {
  machine: Machine
  generatedAt: string
  database: string
  benchmarks: BenchmarkResult[]
}

/** What every benchmark module receives from run.ts. */
export interface BenchContext {
  database: DatabaseTarget
  machine: Machine
  log(message: string): void
}

export function describeMachine(database: DatabaseTarget): Machine {
  const cpus = os.cpus()
  return {
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    postgres: database.label,
    platform: `${os.platform()} ${os.release()} ${os.arch()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`,
  }
}

/** One line naming the machine, repeated in each benchmark's details (figures travel without the header). */
export function machineLine(m: Machine): string {
  return `machine: ${m.cores} cores ${m.cpuModel}, Node ${m.node}, ${m.postgres}, ${m.platform}`
}

export function formatNumber(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return String(value)
  const abs = Math.abs(value)
  const d = abs >= 100 ? 0 : digits
  return value.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: d })
}

function status(b: BenchmarkResult): string {
  if (b.met === null) return b.value === null ? 'n/a' : ''
  return b.met ? 'met' : 'MISSED'
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length)
}

export function renderTable(report: BenchReport): string {
  const rows = report.benchmarks.map((b) => [
    b.name,
    b.value === null ? '—' : `${formatNumber(b.value, 2)} ${b.unit}`,
    b.target ?? '',
    status(b),
  ])
  const header = ['benchmark', 'value', 'target', 'met']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => pad(c, widths[i]!))
      .join('  ')
      .trimEnd()
  const m = report.machine
  const out = [
    `Machine: ${m.cores} cores, ${m.cpuModel}; Node ${m.node}; ${m.platform}`,
    `Database: ${m.postgres} — ${report.database}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    'Details:',
    ...report.benchmarks.map((b) => `- ${b.name}: ${b.details}`),
  ]
  return out.join('\n')
}
