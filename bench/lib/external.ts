/**
 * The benchmarks other modules provide (bench/unsubscribe-push.ts; bench/pull.ts once did too),
 * loaded only if their file exists, and their results mapped into the report's rows.
 *
 * Preferred return shapes are `UnsubscribeFigures` and `PullFigures` below (see
 * bench/README.md). A module may also return `BenchmarkResult[]` directly. The mapping
 * accepts a few common spellings of the same fields so a slightly different result still
 * lands in the table; what it cannot read is reported as not understood, never guessed.
 */
import fs from 'node:fs'
import { formatNumber, type BenchContext, type BenchmarkResult } from './report.js'

export const UNSUBSCRIBE_CALLS_TARGET = 110
export const PULL_RSS_RATIO_TARGET = 1.5

export interface UnsubscribeFigures {
  /** How many addresses were pushed to Salesforce. */
  addresses: number
  /** Salesforce API calls the push made (the simulator's apiCalls.total, logins excluded). */
  apiCalls: number
  wallMs: number
  details?: string
}

export interface PullRun {
  records: number
  recordsPerSecond: number
  /** Peak RSS above the RSS before the pull started. */
  peakRssGrowthBytes: number
  wallMs?: number
}

export interface PullFigures {
  runs: PullRun[]
  details?: string
}

type Loaded = { ok: true; fn: (ctx: BenchContext) => Promise<unknown> } | { ok: false; reason: string }

/** Imports `file` (relative to bench/) if it exists and returns its `exportName` function. */
export async function loadOptional(file: string, exportName: string): Promise<Loaded> {
  const url = new URL(`../${file}`, import.meta.url)
  if (!fs.existsSync(url)) return { ok: false, reason: `not yet available (bench/${file} does not exist)` }
  const mod = (await import(url.href)) as Record<string, unknown>
  const fn = mod[exportName] ?? (mod.default as Record<string, unknown> | undefined)?.[exportName]
  if (typeof fn !== 'function')
    return { ok: false, reason: `not yet available (bench/${file} exports no ${exportName}())` }
  return { ok: true, fn: fn as (ctx: BenchContext) => Promise<unknown> }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The first finite number among `keys` (dotted paths allowed). */
function num(obj: unknown, ...keys: string[]): number | null {
  for (const key of keys) {
    let v: unknown = obj
    for (const part of key.split('.')) v = isRecord(v) ? v[part] : undefined
    if (typeof v === 'number' && Number.isFinite(v)) return v
  }
  return null
}

function str(obj: unknown, key: string): string {
  const v = isRecord(obj) ? obj[key] : undefined
  if (typeof v === 'string') return v
  if (v !== undefined && v !== null) return JSON.stringify(v)
  return ''
}

/** Ends a module's own text with a full stop so what follows reads as a new sentence. */
function sentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`
}

function excerpt(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 300 ? `${text.slice(0, 300)}…` : text
}

/** The figures a module reported beyond the mapped ones, so nothing it measured is lost. */
function otherFigures(raw: unknown, skip: readonly string[]): string {
  if (!isRecord(raw)) return ''
  const parts: string[] = []
  for (const [key, v] of Object.entries(raw)) {
    if (skip.includes(key) || key === 'details' || key === 'runs') continue
    if (typeof v === 'number') parts.push(`${key} ${formatNumber(v, 2)}`)
    else if (typeof v === 'string' || typeof v === 'boolean') parts.push(`${key} ${v}`)
    else if (isRecord(v) && Object.values(v).every((x) => typeof x === 'number')) {
      parts.push(
        `${key} {${Object.entries(v)
          .map(([k, x]) => `${k}: ${x}`)
          .join(', ')}}`,
      )
    }
  }
  return parts.length ? ` Also reported: ${parts.join('; ')}.` : ''
}

/** A module that already answers in the report's shape. */
function asBenchmarkRows(value: unknown): BenchmarkResult[] | null {
  const list = Array.isArray(value)
    ? value
    : isRecord(value) && Array.isArray(value.benchmarks)
      ? value.benchmarks
      : null
  if (!list || list.length === 0) return null
  if (!list.every((b) => isRecord(b) && typeof b.name === 'string' && 'value' in b)) return null
  return list.map((b: Record<string, unknown>) => ({
    name: String(b.name),
    value: typeof b.value === 'number' ? b.value : null,
    unit: typeof b.unit === 'string' ? b.unit : '',
    target: b.target === undefined || b.target === null ? null : String(b.target),
    met: typeof b.met === 'boolean' ? b.met : null,
    details: typeof b.details === 'string' ? b.details : excerpt(b.details ?? ''),
  }))
}

export function unavailable(name: string, reason: string): BenchmarkResult {
  return { name, value: null, unit: '', target: null, met: null, details: reason }
}

export function mapUnsubscribeResult(raw: unknown): BenchmarkResult[] {
  const direct = asBenchmarkRows(raw)
  if (direct) return direct
  const apiCalls = num(raw, 'apiCalls', 'totalApiCalls', 'apiCallsTotal', 'calls', 'totalCalls', 'apiCalls.total')
  const addresses = num(raw, 'addresses', 'emails', 'addressCount', 'emailCount', 'count', 'total')
  let wallMs = num(raw, 'wallMs', 'wallTimeMs', 'durationMs', 'elapsedMs', 'ms')
  const wallSeconds = num(raw, 'wallSeconds', 'wallTimeSeconds', 'durationSeconds', 'seconds', 'elapsedSeconds')
  if (wallMs === null && wallSeconds !== null) wallMs = wallSeconds * 1000
  if (apiCalls === null)
    return [
      {
        name: 'unsubscribe-push: API calls',
        value: null,
        unit: 'calls',
        target: `≤ ${UNSUBSCRIBE_CALLS_TARGET}`,
        met: false,
        details: `result not understood (no apiCalls): ${excerpt(raw)}`,
      },
    ]
  const perThousand =
    num(raw, 'callsPer1000', 'callsPerThousand', 'apiCallsPer1000') ??
    (addresses ? (apiCalls / addresses) * 1000 : null)
  const extra = str(raw, 'details')
  const met = apiCalls <= UNSUBSCRIBE_CALLS_TARGET
  const rows: BenchmarkResult[] = [
    {
      name: 'unsubscribe-push: API calls',
      value: apiCalls,
      unit: 'calls',
      target: `≤ ${UNSUBSCRIBE_CALLS_TARGET}`,
      met,
      details:
        `${apiCalls} Salesforce API calls to push ${addresses === null ? 'the' : formatNumber(addresses)} addresses` +
        (wallMs === null ? '' : ` in ${formatNumber(wallMs / 1000, 2)} s`) +
        (met ? '.' : `. Missed: ${apiCalls - UNSUBSCRIBE_CALLS_TARGET} calls over the target.`) +
        (extra ? ` ${sentence(extra)}` : '') +
        otherFigures(raw, ['apiCalls', 'addresses', 'wallMs', 'callsPer1000']),
    },
  ]
  if (wallMs !== null)
    rows.push({
      name: 'unsubscribe-push: wall time',
      value: Math.round(wallMs) / 1000,
      unit: 's',
      target: null,
      met: null,
      details: 'the push itself (queries, updates, outcomes recorded), as bench/unsubscribe-push.ts measures it',
    })
  if (perThousand !== null)
    rows.push({
      name: 'unsubscribe-push: calls per 1,000 addresses',
      value: Math.round(perThousand * 10) / 10,
      unit: 'calls',
      target: null,
      met: null,
      details: addresses === null ? 'as reported' : `${apiCalls} calls / ${formatNumber(addresses)} addresses × 1,000`,
    })
  return rows
}

function pullRuns(raw: unknown): PullRun[] | null {
  let list: unknown[] | null = null
  if (Array.isArray(raw)) list = raw
  else if (isRecord(raw)) {
    const arr = raw.runs ?? raw.results ?? raw.sizes
    if (Array.isArray(arr)) list = arr
    else list = Object.values(raw).filter((v) => isRecord(v) && num(v, 'records', 'count', 'size', 'n') !== null)
  }
  if (!list || list.length === 0) return null
  const runs: PullRun[] = []
  for (const r of list) {
    const records = num(r, 'records', 'count', 'size', 'n')
    let growth = num(r, 'peakRssGrowthBytes', 'rssGrowthBytes', 'peakRssDeltaBytes', 'peakRssGrowth', 'rssGrowth')
    const growthMb = num(
      r,
      'peakRssGrowthMB',
      'peakRssGrowthMb',
      'peakRssGrowthMiB',
      'rssGrowthMB',
      'rssGrowthMb',
      'rssGrowthMiB',
    )
    if (growth === null && growthMb !== null) growth = growthMb * 2 ** 20
    let rate = num(r, 'recordsPerSecond', 'recordsPerSec', 'rate', 'throughput')
    const wallMs = num(r, 'wallMs', 'durationMs', 'elapsedMs', 'ms')
    if (rate === null && records !== null && wallMs) rate = records / (wallMs / 1000)
    if (records === null || growth === null || rate === null) return null
    runs.push({ records, recordsPerSecond: rate, peakRssGrowthBytes: growth, ...(wallMs === null ? {} : { wallMs }) })
  }
  return runs.sort((a, b) => a.records - b.records)
}

const mib = (bytes: number) => `${formatNumber(bytes / 2 ** 20)} MiB`

export function mapPullResult(raw: unknown): BenchmarkResult[] {
  const direct = asBenchmarkRows(raw)
  if (direct) return direct
  const runs = pullRuns(raw)
  if (!runs || runs.length < 2) {
    return [
      {
        name: 'pull: peak RSS growth 100k / 10k',
        value: null,
        unit: '×',
        target: `≤ ${PULL_RSS_RATIO_TARGET}×`,
        met: false,
        details: `result not understood (need runs with records, recordsPerSecond, peakRssGrowthBytes): ${excerpt(raw)}`,
      },
    ]
  }
  const small = runs[0]!
  const large = runs[runs.length - 1]!
  // A growth at or below zero (RSS fell) would make the ratio meaningless: floor it at 1 MiB.
  const floor = 2 ** 20
  const ratio = Math.max(large.peakRssGrowthBytes, floor) / Math.max(small.peakRssGrowthBytes, floor)
  const met = ratio <= PULL_RSS_RATIO_TARGET
  const label = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : String(n))
  const extra = str(raw, 'details')
  return [
    {
      name: `pull: peak RSS growth ${label(large.records)} / ${label(small.records)}`,
      value: Math.round(ratio * 100) / 100,
      unit: '×',
      target: `≤ ${PULL_RSS_RATIO_TARGET}×`,
      met,
      details:
        `peak RSS growth ${mib(small.peakRssGrowthBytes)} at ${label(small.records)} records vs ${mib(large.peakRssGrowthBytes)} at ${label(large.records)} (growths under 1 MiB counted as 1 MiB).` +
        (met
          ? ''
          : ` Missed: memory grows with the record count (${formatNumber(ratio, 2)}× for ${formatNumber(large.records / small.records)}× the records).`) +
        (extra ? ` ${sentence(extra)}` : '') +
        otherFigures(raw, ['rssGrowthRatio', 'target', 'met']),
    },
    ...runs.flatMap((r) => [
      {
        name: `pull: ${label(r.records)} records`,
        value: Math.round(r.recordsPerSecond),
        unit: 'records/s',
        target: null,
        met: null,
        details:
          r.wallMs === undefined
            ? 'as reported'
            : `${formatNumber(r.records)} records in ${formatNumber(r.wallMs / 1000, 2)} s`,
      },
      {
        name: `pull: ${label(r.records)} peak RSS growth`,
        value: Math.round((r.peakRssGrowthBytes / 2 ** 20) * 10) / 10,
        unit: 'MiB',
        target: null,
        met: null,
        details: 'peak RSS during the pull minus RSS before it',
      },
    ]),
  ]
}
