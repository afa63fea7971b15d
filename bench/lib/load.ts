/**
 * Starts one load job in a worker thread (see load-worker.ts) and waits for its summaries.
 * Meanwhile it measures how busy this (the server's) event loop was during each target's
 * slices: near 100 % means the server process itself is the bottleneck.
 */
import { Worker } from 'node:worker_threads'
import { performance, type EventLoopUtilization } from 'node:perf_hooks'
import type { LoadJob, LoadSummary, LoadTarget } from './load-worker.js'

export type { LoadJob, LoadSummary, LoadTarget }

type Message =
  | { type: 'slice-start'; name: string }
  | { type: 'slice-end'; name: string }
  | { type: 'done'; ok: true; summaries: Record<string, LoadSummary> }
  | { type: 'done'; ok: false; error: string }

export function runLoad(job: LoadJob): Promise<Record<string, LoadSummary>> {
  return new Promise((resolve, reject) => {
    // The main thread runs under tsx; worker threads inherit its loader, so a .ts worker works.
    const worker = new Worker(new URL('./load-worker.ts', import.meta.url), { workerData: job })
    const loop = new Map<string, { active: number; idle: number }>()
    let sliceStart: EventLoopUtilization | null = null
    let settled = false
    worker.on('message', (message: Message) => {
      if (message.type === 'slice-start') {
        sliceStart = performance.eventLoopUtilization()
        return
      }
      if (message.type === 'slice-end') {
        if (sliceStart) {
          const d = performance.eventLoopUtilization(sliceStart)
          const acc = loop.get(message.name) ?? { active: 0, idle: 0 }
          loop.set(message.name, { active: acc.active + d.active, idle: acc.idle + d.idle })
        }
        sliceStart = null
        return
      }
      settled = true
      void worker.terminate()
      if (!message.ok) return reject(new Error(`autocannon failed: ${message.error}`))
      for (const [name, summary] of Object.entries(message.summaries)) {
        const l = loop.get(name)
        if (l && l.active + l.idle > 0) summary.serverLoopBusy = l.active / (l.active + l.idle)
      }
      resolve(message.summaries)
    })
    worker.once('error', (err) => {
      if (!settled) reject(err)
      settled = true
    })
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`load worker exited with code ${code}`))
    })
  })
}
