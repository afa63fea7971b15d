/**
 * 10,000 random and mutated request bodies, spread over every public POST/PUT/PATCH route
 * (read from the app's OpenAPI document, so routes added later are fuzzed too), with and
 * without a valid session: no answer is a 5xx, nothing crashes, Object.prototype stays
 * clean, and the app still serves afterwards. Seeded (fast-check), so a failure replays.
 *
 * Login and signup are rate-limited per IP (20 a minute): the cases use four client
 * addresses, so those handlers (argon2 on every schema-valid login) run a bounded number
 * of times and the rest answer 429, which is a fine answer.
 *
 * Among the bodies: control characters (U+0000–U+001F, U+007F) in every string of a route's
 * schema sample, and empty JSON bodies (`Content-Type: application/json`, nothing or blanks
 * after it), as many HTTP clients send on every request.
 */
import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.js'
import { linkedAccount, simulatorConfig } from '../helpers/simulator-app.js'
import { createSalesforceSimulator, type SalesforceSimulator } from '@sf-link/simulator'
import type { JobSender } from '../../server/src/jobs/sender.js'
import { fillPath, listOperations, sampleFromSchema, type Operation } from '../helpers/openapi.js'

const CASES = 10_000
const SEED = 20_260_122
const LANES = 4

type AuthKind = 'none' | 'canvas' | 'standalone' | 'cookie-no-csrf' | 'junk-bearer' | 'junk-api-key'
type Body =
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'huge'; size: number; wrap: 'json-string' | 'form' | 'raw' }
  | { kind: 'none' }
  | { kind: 'empty-json'; text: string }

interface FuzzCase {
  op: Operation
  auth: AuthKind
  ip: number
  contentType: string | null
  body: Body
  pathValue: string | null
  query: string
}

const CONTROL_CHARACTERS = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\b',
  '\t',
  '\n',
  '\u000b',
  '\r',
  '\u001b',
  '\u001f',
  '\u007f',
]

const INTERESTING_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'ada@app.test\u0000',
  '\u0007\u001b[31m',
  'line\r\nbreak',
  '\u007f',
  'production',
  'sandbox',
  'https://x.my.salesforce.com',
  'http://169.254.169.254',
  '__proto__',
  'constructor',
  'prototype',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  'Email',
  'Contact',
  'Lead',
  'CampaignMember',
  'AND',
  'OR',
  'in',
  'isEmpty',
  'a@b.co',
  "' OR Id != null --",
  '\\',
  '%00',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '\ud800',
  '\u202e',
  'é'.normalize('NFD'),
  'ǅ',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'x'.repeat(1025),
]

const scalarArb = fc.oneof(
  fc.constantFrom(...INTERESTING_STRINGS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, true, false, null),
)
const valueArb = fc.oneof(
  { weight: 4, arbitrary: scalarArb },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(scalarArb, { maxLength: 60 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'field', 'value', 'operator'),
      scalarArb,
    ),
  },
)

/** The route's schema sample with one property replaced, removed or added (keys include the pollution ones). */
function mutatedSampleArb(op: Operation): fc.Arbitrary<Body> {
  const base = op.body ? (sampleFromSchema(op.body, op.path, { all: true }) as unknown) : {}
  const keys = base && typeof base === 'object' && !Array.isArray(base) ? Object.keys(base) : []
  return fc
    .record({
      key: fc.constantFrom(...keys, '__proto__', 'constructor', 'prototype', 'extra'),
      value: valueArb,
      remove: fc.boolean(),
      nested: fc.boolean(),
    })
    .map(({ key, value, remove, nested }): Body => {
      if (!base || typeof base !== 'object' || Array.isArray(base)) return { kind: 'json', value }
      const copy: Record<string, unknown> = { ...(base as Record<string, unknown>) }
      // A computed key makes "__proto__" an own property (JSON.stringify writes it), not the prototype.
      if (remove && keys.includes(key)) delete copy[key]
      else
        Object.defineProperty(copy, key, {
          value: nested ? { [key]: value, polluted: 'yes' } : value,
          enumerable: true,
          configurable: true,
          writable: true,
        })
      return { kind: 'json', value: copy }
    })
}

/** The route's schema sample with a control character put into every string (values and keys' values). */
function controlSampleArb(op: Operation): fc.Arbitrary<Body> {
  const base = op.body ? (sampleFromSchema(op.body, op.path, { all: true }) as unknown) : {}
  return fc
    .record({ char: fc.constantFrom(...CONTROL_CHARACTERS), where: fc.constantFrom('start', 'middle', 'end') })
    .map(({ char, where }): Body => {
      const taint = (value: unknown): unknown => {
        if (typeof value === 'string') {
          if (where === 'start') return `${char}${value}`
          if (where === 'end') return `${value}${char}`
          const half = Math.floor(value.length / 2)
          return `${value.slice(0, half)}${char}${value.slice(half)}`
        }
        if (Array.isArray(value)) return value.map(taint)
        if (value && typeof value === 'object')
          return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, taint(v)]))
        return value
      }
      return { kind: 'json', value: taint(base) }
    })
}

const emptyJsonArb: fc.Arbitrary<Body> = fc
  .constantFrom('', ' ', '\n', '\r\n\t ')
  .map((text): Body => ({ kind: 'empty-json', text }))

const pollutionArb: fc.Arbitrary<Body> = fc.constantFrom(
  ...[
    '{"__proto__":{"polluted":"yes"}}',
    '{"constructor":{"prototype":{"polluted":"yes"}}}',
    '{"a":{"__proto__":{"polluted":"yes"}},"b":[{"constructor":{"prototype":{"polluted":"yes"}}}]}',
    '{"emails":{"__proto__":["x@example.com"]},"__proto__":{"polluted":"yes"}}',
    '{"signedRequest":"a.b","__proto__":{"isAdmin":true}}',
    '__proto__[polluted]=yes&constructor[prototype][polluted]=yes',
    'a[__proto__][polluted]=yes',
  ].map((text): Body => ({ kind: 'text', text })),
)

const deepArb: fc.Arbitrary<Body> = fc
  .record({ depth: fc.integer({ min: 100, max: 20_000 }), shape: fc.constantFrom('array', 'object', 'unclosed') })
  .map(({ depth, shape }): Body => {
    if (shape === 'array') return { kind: 'text', text: `${'['.repeat(depth)}${']'.repeat(depth)}` }
    if (shape === 'object') return { kind: 'text', text: `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` }
    return { kind: 'text', text: '[{"a":'.repeat(depth) }
  })

const hugeArb: fc.Arbitrary<Body> = fc
  .record({
    size: fc.constantFrom(70 * 1024, 900 * 1024, 1024 * 1024 + 1, 2 * 1024 * 1024 + 1),
    wrap: fc.constantFrom('json-string' as const, 'form' as const, 'raw' as const),
  })
  .map(({ size, wrap }): Body => ({ kind: 'huge', size, wrap }))

function bodyArb(op: Operation): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: 100, arbitrary: mutatedSampleArb(op) },
    { weight: 20, arbitrary: controlSampleArb(op) },
    { weight: 12, arbitrary: emptyJsonArb },
    { weight: 50, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value): Body => ({ kind: 'json', value })) },
    { weight: 20, arbitrary: fc.uint8Array({ maxLength: 600 }).map((bytes): Body => ({ kind: 'bytes', bytes })) },
    {
      weight: 20,
      arbitrary: fc.string({ unit: 'binary', maxLength: 300 }).map((text): Body => ({ kind: 'text', text })),
    },
    { weight: 10, arbitrary: pollutionArb },
    { weight: 10, arbitrary: deepArb },
    { weight: 10, arbitrary: fc.constant<Body>({ kind: 'none' }) },
    // About 1 case in 220: enough to cross every body limit, few enough to stay fast.
    { weight: 1, arbitrary: hugeArb },
  )
}

const contentTypeArb = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  { weight: 3, arbitrary: fc.constant('application/x-www-form-urlencoded') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'text/plain',
      'multipart/form-data; boundary=xyz',
      'application/octet-stream',
      'application/json; charset=utf-16',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/jsonx',
      'application/x-www-form-urlencoded; charset=latin1',
      ';;;',
      'image/png',
    ),
  },
  { weight: 1, arbitrary: fc.constant(null) },
)

function caseArb(ops: Operation[]): fc.Arbitrary<FuzzCase> {
  return fc.constantFrom(...ops).chain((op) =>
    fc.record({
      op: fc.constant(op),
      auth: fc.constantFrom<AuthKind>('none', 'canvas', 'standalone', 'cookie-no-csrf', 'junk-bearer', 'junk-api-key'),
      ip: fc.integer({ min: 0, max: 3 }),
      contentType: contentTypeArb,
      body: bodyArb(op),
      // For routes with an :id: the account's own connection (null), or junk.
      pathValue: fc.oneof(
        { weight: 3, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.uuid() },
        { weight: 1, arbitrary: fc.string({ maxLength: 120 }) },
        {
          weight: 1,
          arbitrary: fc.constantFrom('__proto__', 'constructor', '..', '%00', "1' OR '1'='1", 'a'.repeat(101)),
        },
      ),
      query: fc.oneof(
        { weight: 6, arbitrary: fc.constant('') },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            '?__proto__[polluted]=yes',
            '?format=csv&format=ndjson',
            `?x=${'y'.repeat(5000)}`,
            '?intent=%00',
          ),
        },
      ),
    }),
  )
}

function serialise(body: Body, contentType: string | null): string | Buffer | undefined {
  switch (body.kind) {
    case 'none':
      return undefined
    case 'empty-json':
      return body.text
    case 'text':
      return body.text
    case 'bytes':
      return Buffer.from(body.bytes)
    case 'huge': {
      const filler = 'A'.repeat(body.size)
      if (body.wrap === 'json-string') return JSON.stringify({ signedRequest: filler, emails: [filler] })
      if (body.wrap === 'form') return `signed_request=${filler}&name=${filler}`
      return filler
    }
    case 'json':
      if (contentType?.startsWith('application/x-www-form-urlencoded')) {
        const value = body.value
        if (value && typeof value === 'object' && !Array.isArray(value)) {
          return new URLSearchParams(
            Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]),
          ).toString()
        }
        return String(JSON.stringify(value))
      }
      return JSON.stringify(body.value) ?? 'undefined'
  }
}

describe('fuzzing every public POST/PUT/PATCH route', () => {
  let sim: SalesforceSimulator
  let t: TestApp
  let ops: Operation[]
  let tokens: Awaited<ReturnType<typeof linkedAccount>>
  let connectionId: string
  let accountId: string
  const queued: string[] = []
  const jobs: JobSender = {
    async send(queue) {
      queued.push(queue)
      return 'job-id'
    },
  }

  beforeAll(async () => {
    sim = await createSalesforceSimulator({
      canvasRefreshToken: false,
      data: { contacts: 30, leads: 10, campaigns: 1 },
    })
    t = await createTestApp({ config: (c) => simulatorConfig(c, sim, 'http://localhost:3000'), deps: { jobs } })
    tokens = await linkedAccount(t.app, sim, sim.control.users()[0]!.id, 'fuzz@app.test')
    accountId = (
      await t.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${tokens.standaloneToken}` } })
    ).json().id
    ops = (await listOperations(t.app)).filter(
      (op) => op.method === 'POST' || op.method === 'PUT' || op.method === 'PATCH',
    )
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/connections',
      headers: { authorization: `Bearer ${tokens.canvasToken}` },
      payload: { name: 'Fuzz target', sobject: 'Contact', fields: ['Email'] },
    })
    connectionId = created.json().id
  })
  afterAll(async () => {
    await t?.close()
    await sim?.close()
  })

  it('discovers the routes named in the brief (and any added since)', () => {
    const names = ops.map((op) => `${op.method} ${op.path}`)
    for (const expected of [
      'POST /canvas',
      'POST /canvas/session',
      'POST /api/auth/signup',
      'POST /api/auth/login',
      'POST /api/auth/logout',
      'PUT /api/salesforce/credentials',
      'PATCH /api/salesforce/credentials',
      'POST /api/salesforce/oauth/ticket',
    ]) {
      expect(names).toContain(expected)
    }
  })

  it(`${CASES} cases: 0 responses >= 500, no crash, no prototype pollution`, async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (err: unknown) => unhandled.push(err)
    process.on('unhandledRejection', onUnhandled)
    process.on('uncaughtException', onUnhandled)

    /** Logout revokes the session it is called with: it gets a fresh one each time. */
    const freshSession = async (kind: 'canvas' | 'cookie') => {
      const issued = await t.app.services.sessions.issue(t.db.pool, { accountId, kind })
      return kind === 'cookie' ? t.app.signCookie(issued.token) : issued.token
    }
    async function authFor(c: FuzzCase): Promise<Pick<InjectOptions, 'headers' | 'cookies'>> {
      const logout = c.op.path === '/api/auth/logout'
      switch (c.auth) {
        case 'none':
          return {}
        case 'canvas':
          return { headers: { authorization: `Bearer ${logout ? await freshSession('canvas') : tokens.canvasToken}` } }
        case 'standalone':
          return {
            headers: { authorization: `Bearer ${logout ? await freshSession('canvas') : tokens.standaloneToken}` },
          }
        case 'cookie-no-csrf':
          return { cookies: { sfl_session: logout ? await freshSession('cookie') : tokens.cookie } }
        case 'junk-bearer':
          return { headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzaWQiOiIxIn0.' } }
        case 'junk-api-key':
          return { headers: { authorization: 'Bearer sfl_AAAAAAAA_notakey' } }
      }
    }

    const statuses = new Map<number, number>()
    /** What the control-character and empty-JSON cases were answered, by status. */
    const sent = { control: new Map<number, number>(), emptyJson: new Map<number, number>() }
    const failures: string[] = []
    const cases = fc.sample(caseArb(ops), { numRuns: CASES, seed: SEED })
    expect(cases).toHaveLength(CASES)
    async function run(i: number, c: FuzzCase): Promise<void> {
      const url =
        c.op.pathParams.length > 0
          ? fillPath(c.op.path, Object.fromEntries(c.op.pathParams.map((p) => [p.name, c.pathValue ?? connectionId])))
          : c.op.path
      const auth = await authFor(c)
      const headers: Record<string, string> = { ...(auth.headers as Record<string, string> | undefined) }
      // An empty JSON body is always sent as JSON: that is the case being fuzzed.
      const contentType = c.body.kind === 'empty-json' ? 'application/json' : c.contentType
      if (contentType) headers['content-type'] = contentType
      const payload = serialise(c.body, contentType)
      const res = await t.app.inject({
        method: c.op.method,
        url: `${url}${c.query}`,
        headers,
        cookies: auth.cookies,
        payload,
        remoteAddress: `198.51.100.${c.ip + 1}`,
      })
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      const bucket =
        c.body.kind === 'empty-json'
          ? sent.emptyJson
          : typeof payload === 'string' &&
              contentType === 'application/json' &&
              /\\u00[01][0-9a-f]|\\u007f|\\[bfnrt]/.test(payload)
            ? sent.control
            : null
      bucket?.set(res.statusCode, (bucket.get(res.statusCode) ?? 0) + 1)
      if (res.statusCode >= 500) {
        failures.push(
          `#${i} ${c.op.method} ${url}${c.query.slice(0, 40)} auth=${c.auth} type=${c.contentType} body=${String(typeof payload === 'string' ? payload : payload?.toString('hex')).slice(0, 160)} → ${res.statusCode} ${res.body.slice(0, 200)}`,
        )
      }
    }
    // A few requests in flight at once, as on a real server: case i runs in lane i mod LANES.
    const started = Date.now()
    await Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        for (let i = lane; i < cases.length; i += LANES) await run(i, cases[i]!)
      }),
    )
    process.off('unhandledRejection', onUnhandled)
    process.off('uncaughtException', onUnhandled)

    const summary = [...statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ')
    console.info(`fuzz: ${CASES} cases over ${ops.length} routes in ${Date.now() - started} ms: ${summary}`)
    const total = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0)
    console.info(
      `fuzz: control characters ${JSON.stringify(Object.fromEntries(sent.control))}, empty JSON ${JSON.stringify(Object.fromEntries(sent.emptyJson))}`,
    )
    // Both kinds were really sent, got past the body parser, and none was answered 5xx.
    expect(total(sent.control)).toBeGreaterThan(300)
    expect(total(sent.emptyJson)).toBeGreaterThan(300)
    expect([...sent.control.keys(), ...sent.emptyJson.keys()].filter((s) => s >= 500)).toEqual([])
    expect(sent.control.get(400) ?? 0).toBeGreaterThan(100)
    expect([...sent.emptyJson.keys()].some((s) => s >= 200 && s < 300)).toBe(true)
    expect(failures.slice(0, 10)).toEqual([])
    expect(unhandled).toEqual([])
    // Real work happened, not only refusals: some requests reached handlers and succeeded.
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true)
    expect(statuses.get(400) ?? 0).toBeGreaterThan(CASES / 10)
    // No body reached Object.prototype.
    expect(Object.keys(Object.prototype)).toEqual([])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
  })

  it('the app still serves afterwards: ready, the session still works, the fuzz target is still there', async () => {
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200)
    const me = await t.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${tokens.canvasToken}` } })
    expect(me.statusCode).toBe(200)
    expect(me.json().email).toBe('fuzz@app.test')
    const got = await t.app.inject({
      url: `/api/connections/${connectionId}`,
      headers: { authorization: `Bearer ${tokens.canvasToken}` },
    })
    expect(got.statusCode).toBe(200)
  })
})
