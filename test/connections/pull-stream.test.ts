import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSimApp, linkedAccount, type SimApp } from '../helpers/simulator-app.js'
import { createConnection } from '../helpers/connections.js'

const RECORDS = 60_000
const PAGE = 2_000
const PAGES = RECORDS / PAGE

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Waits until `read()` has not changed for a second (at most 20 s), and returns it. */
async function settled(read: () => number): Promise<number> {
  let value = read()
  let stableSince = Date.now()
  const deadline = Date.now() + 20_000
  while (Date.now() - stableSince < 1_000) {
    if (Date.now() > deadline) throw new Error(`still changing after 20 s (${value})`)
    await sleep(100)
    const next = read()
    if (next !== value) {
      value = next
      stableSince = Date.now()
    }
  }
  return value
}

describe('pull over a real socket: backpressure and client disconnect', () => {
  let t: SimApp
  let token: string
  let base: string
  let wideId: string

  const queryMoreCalls = () => t.sim.control.counters().apiCalls.byEndpoint.queryMore ?? 0

  beforeAll(async () => {
    t = await createSimApp({
      sim: { canvasRefreshToken: false, data: { contacts: RECORDS, leads: 0, campaigns: 0, optedOutFraction: 0 } },
    })
    token = (await linkedAccount(t.app, t.sim, t.sim.control.users()[0]!.id, 'ada@app.test')).canvasToken
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    // Wide rows (~300 bytes each): the whole pull is far larger than any socket buffer.
    const wide = await createConnection(t.app, token, {
      name: 'Wide',
      fields: [
        'Email',
        'FirstName',
        'LastName',
        'Name',
        'Title',
        'Phone',
        'OwnerId',
        'CreatedDate',
        'LastModifiedDate',
        'SystemModstamp',
      ],
      excludeOptedOut: false,
    })
    wideId = wide.id
  })
  afterAll(async () => {
    await t.close()
  })

  it('a client that stops reading holds the paging back; when it disconnects, paging stops', async () => {
    t.sim.control.resetCounters()
    let received = 0
    const req = http.get(`${base}/api/connections/${wideId}/records?format=ndjson`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on('response', resolve)
      req.on('error', reject)
    })
    expect(res.statusCode).toBe(200)
    await new Promise<void>((resolve) => {
      res.once('data', (chunk: Buffer) => {
        received += chunk.length
        res.pause()
        resolve()
      })
    })
    let whilePaused: number
    try {
      // Not reading: the server fills the socket buffers, then waits for 'drain' instead of fetching on.
      whilePaused = await settled(queryMoreCalls)
      expect(whilePaused).toBeLessThan(PAGES - 1)
    } finally {
      req.destroy()
    }
    // Disconnected: at most the page already requested arrives, and nothing more is asked for.
    const after = await settled(queryMoreCalls)
    expect(after).toBeLessThanOrEqual(whilePaused + 1)
    expect(after).toBeLessThan(PAGES - 1)
    expect(received).toBeGreaterThan(0)

    // The app is unharmed: the next pull completes, reading everything.
    t.sim.control.resetCounters()
    const full = await fetch(`${base}/api/connections/${wideId}/records?format=ndjson`, {
      headers: { authorization: `Bearer ${token}` },
    })
    let lines = 0
    const decoder = new TextDecoder()
    for await (const chunk of full.body as unknown as AsyncIterable<Uint8Array>) {
      const text = decoder.decode(chunk, { stream: true })
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++
    }
    expect(lines).toBe(RECORDS)
    expect(queryMoreCalls()).toBe(PAGES - 1)
  })

  it('Salesforce failing before the first page is a JSON error; failing mid-way cuts the body off (never an error inside the CSV)', async () => {
    // 400s are not retried by jsforce (5xx are, with backoff), so they show what happens at once.
    const timeout = {
      status: 400,
      body: [{ errorCode: 'QUERY_TIMEOUT', message: 'Your query request was running for too long.' }],
    }
    t.sim.control.addFault({ pattern: '/query\\?q=', ...timeout })
    const before = await fetch(`${base}/api/connections/${wideId}/records?format=csv`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(before.status).toBe(502)
    expect(before.headers.get('content-type')).toMatch(/application\/json/)
    expect(await before.json()).toMatchObject({ code: 'SF_REQUEST_FAILED' })

    // The fourth page fails.
    t.sim.control.addFault({ pattern: `/query/[0-9A-Za-z]+-${3 * PAGE}$`, ...timeout })
    const res = await new Promise<{ status: number; body: string; complete: boolean }>((resolve, reject) => {
      const req = http.get(
        `${base}/api/connections/${wideId}/records?format=csv`,
        { headers: { authorization: `Bearer ${token}` } },
        (r) => {
          let body = ''
          r.setEncoding('utf8')
          r.on('data', (chunk: string) => (body += chunk))
          r.on('end', () => resolve({ status: r.statusCode!, body, complete: r.complete }))
          r.on('error', () => resolve({ status: r.statusCode!, body, complete: false }))
        },
      )
      req.on('error', reject)
    })
    expect(res.status).toBe(200)
    expect(res.complete).toBe(false)
    expect(res.body.split('\r\n').length - 1).toBe(1 + 3 * PAGE)
    expect(res.body).not.toContain('SF_REQUEST_FAILED')
    t.sim.control.clearFaults()
  })
})
