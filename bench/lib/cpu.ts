/**
 * How busy the machine was while a benchmark ran, split into this process, Postgres (all its
 * processes, including backends serving other clients) and everything else. Benchmarks on a
 * shared machine are only honest if they say so. Linux /proc; elsewhere only this process.
 */
import fs from 'node:fs'
import os from 'node:os'

export interface CpuSnapshot {
  at: number
  own: NodeJS.CpuUsage
  /** Busy and total jiffies of all CPUs, or null off Linux. */
  machine: { busy: number; total: number } | null
  /** Jiffies used by local Postgres processes (exited backends included, via the postmaster's cutime). */
  postgres: number | null
}

/** CPU used between snapshots; sums of several intervals add up. */
export interface CpuDelta {
  wallMicros: number
  ownMicros: number
  machineBusy: number | null
  machineTotal: number | null
  postgres: number | null
}

export interface CpuShare {
  /** Shares of all cores, 0–1. */
  machineBusy: number | null
  own: number
  postgres: number | null
  /** Everything but this process and Postgres: other work on the machine. */
  others: number | null
}

function readMachine(): CpuSnapshot['machine'] {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!
    const [, ...fields] = line.trim().split(/\s+/)
    const n = fields.map(Number)
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const total = n.slice(0, 8).reduce((a, b) => a + b, 0)
    const idle = n[3]! + n[4]!
    return { busy: total - idle, total }
  } catch {
    return null
  }
}

function readPostgres(): number | null {
  try {
    let jiffies = 0
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue
      try {
        if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
        // Fields after "(comm)": state is field 3, utime/stime/cutime/cstime are fields 14–17.
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        jiffies += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])
      } catch {
        // The process ended meanwhile.
      }
    }
    return jiffies
  } catch {
    return null
  }
}

export function cpuSnapshot(): CpuSnapshot {
  return { at: performance.now(), own: process.cpuUsage(), machine: readMachine(), postgres: readPostgres() }
}

export function cpuDelta(from: CpuSnapshot, to: CpuSnapshot = cpuSnapshot()): CpuDelta {
  const machine = from.machine && to.machine && to.machine.total > from.machine.total
  return {
    wallMicros: (to.at - from.at) * 1000,
    ownMicros: to.own.user - from.own.user + (to.own.system - from.own.system),
    machineBusy: machine ? to.machine!.busy - from.machine!.busy : null,
    machineTotal: machine ? to.machine!.total - from.machine!.total : null,
    postgres:
      machine && from.postgres !== null && to.postgres !== null ? Math.max(0, to.postgres - from.postgres) : null,
  }
}

export function addCpuDeltas(a: CpuDelta, b: CpuDelta): CpuDelta {
  const machine = a.machineTotal !== null && b.machineTotal !== null
  return {
    wallMicros: a.wallMicros + b.wallMicros,
    ownMicros: a.ownMicros + b.ownMicros,
    machineBusy: machine ? a.machineBusy! + b.machineBusy! : null,
    machineTotal: machine ? a.machineTotal! + b.machineTotal! : null,
    postgres: a.postgres !== null && b.postgres !== null ? a.postgres + b.postgres : null,
  }
}

export const NO_CPU: CpuDelta = { wallMicros: 0, ownMicros: 0, machineBusy: 0, machineTotal: 0, postgres: 0 }

export function cpuShareOf(d: CpuDelta): CpuShare {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length
  const own = d.wallMicros > 0 ? d.ownMicros / (d.wallMicros * cores) : 0
  if (d.machineBusy === null || !d.machineTotal) return { machineBusy: null, own, postgres: null, others: null }
  const machineBusy = d.machineBusy / d.machineTotal
  // Per-process and per-machine counters tick differently: keep the split within 0–100 %.
  const ownShare = Math.min(own, machineBusy)
  const postgres = d.postgres === null ? null : Math.min(d.postgres / d.machineTotal, machineBusy - ownShare)
  return { machineBusy, own: ownShare, postgres, others: Math.max(0, machineBusy - ownShare - (postgres ?? 0)) }
}

export function cpuShare(from: CpuSnapshot, to: CpuSnapshot = cpuSnapshot()): CpuShare {
  return cpuShareOf(cpuDelta(from, to))
}

const pct = (x: number) => `${Math.round(x * 100)} %`

export function describeCpu(share: CpuShare): string {
  if (share.machineBusy === null) return `CPU: this process ${pct(share.own)} of all cores`
  if (share.postgres === null)
    return `CPU of all cores: ${pct(share.machineBusy)} busy — this process ${pct(share.own)}, everything else (Postgres included) ${pct(share.others!)}`
  return `CPU of all cores: ${pct(share.machineBusy)} busy — this process ${pct(share.own)}, Postgres ${pct(share.postgres)}, other work on the machine ${pct(share.others!)}`
}
