/**
 * Forged and mangled Canvas signed requests (docs/spec.md §4): none is ever accepted, none causes a
 * 5xx, no error page echoes the payload, and nothing is written to the database. Every
 * case starts from the real signed request a real org produced (conformanceRequest()).
 * Many cases are *correctly signed* with the real consumer secret: they prove that the
 * checks after the signature (alphabet, padding, algorithm, userId, instance URL, JSON
 * shape) hold on their own, not only the HMAC.
 */
import { createHmac, randomBytes } from 'node:crypto'
import type { InjectOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.js'
import { bootstrapOf, conformanceRequest } from '../helpers/canvas.js'

const real = conformanceRequest()
const secret = real.consumerSecret
const [realSig, realPayload] = real.signedRequest.split('.') as [string, string]

const hmac = (text: string, key = secret) => createHmac('sha256', key).update(text, 'utf8').digest()
const b64 = (bytes: Buffer) => bytes.toString('base64')
const encodeJson = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64')
/** Signs a payload text exactly as given (so only what we mangled is wrong). */
const signText = (payloadText: string, key = secret) => `${b64(hmac(payloadText, key))}.${payloadText}`

let marker = 0
/** The real payload, changed by `edit`, carrying a marker that must never appear in a response. */
function payload(edit: (p: any) => void = () => {}): any {
  const p = structuredClone(real.payload)
  p.context.user.fullName = `FORGED-MARKER-${++marker}`
  edit(p)
  return p
}
const signedJson = (p: unknown, key = secret) => signText(encodeJson(p), key)

/** Re-signs variants of the payload until the standard Base64 signature holds at least two of `+` and `/`. */
function signedWithSpecialChars(): { sig: string; payloadText: string } {
  for (let i = 0; i < 10_000; i++) {
    const payloadText = encodeJson(payload((p) => (p.issuedAt = i)))
    const sig = b64(hmac(payloadText))
    if ((sig.match(/[+/]/g) ?? []).length >= 2) return { sig, payloadText }
  }
  throw new Error('no signature with two special characters found')
}

/** A payload text holding both `+` and `/` (standard alphabet), for mixing in one URL-safe character. `???` and `>>>` encode to `Pz8/` and `Pj4+` when aligned. */
function payloadTextWithSpecialChars(): string {
  for (let i = 0; i < 10_000; i++) {
    const text = encodeJson(
      payload((p) => (p.context.environment.parameters = { pad: `${' '.repeat(i % 3)}???>>>???>>>`, i })),
    )
    if (text.includes('+') && text.includes('/')) return text
  }
  throw new Error('no payload text with + and / found')
}

/** Swaps the first standard-alphabet character for its URL-safe twin, leaving the others standard. */
const mixOneChar = (text: string) => text.replace(/[+/]/, (c) => (c === '+' ? '-' : '_'))

const form = (value: string): InjectOptions => ({
  method: 'POST',
  url: '/canvas',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: `signed_request=${encodeURIComponent(value)}`,
})
const rawForm = (body: string, contentType = 'application/x-www-form-urlencoded'): InjectOptions => ({
  method: 'POST',
  url: '/canvas',
  headers: { 'content-type': contentType },
  payload: body,
})
const session = (body: unknown, contentType = 'application/json'): InjectOptions => ({
  method: 'POST',
  url: '/canvas/session',
  headers: { 'content-type': contentType },
  payload: typeof body === 'string' ? body : JSON.stringify(body),
})

interface ForgeryCase {
  name: string
  request: InjectOptions
  /** The status docs/spec.md §4 calls for: 400 malformed/invalid, 401 bad signature, 413 too large, 415 not a form. */
  status: number
}

function forgeries(): ForgeryCase[] {
  const special = signedWithSpecialChars()
  const mixedPayload = mixOneChar(payloadTextWithSpecialChars())
  const realHmac = hmac(realPayload)
  const other = signedJson(payload((p) => (p.userId = p.context.user.userId = '005000000000009AAA')))
  const homoglyphA = '\u0410' // Cyrillic capital A
  const cases: Array<[string, string, number]> = [
    // Signatures that do not belong to the payload.
    ['valid signature over another payload', `${realSig}.${other.split('.')[1]}`, 401],
    ["another payload's valid signature on the real payload", `${other.split('.')[0]}.${realPayload}`, 401],
    ['swapped secret', signedJson(payload(), 'attacker-secret'), 401],
    ['empty secret', signedJson(payload(), ''), 401],
    ['secret with one extra character', signedJson(payload(), `${secret}x`), 401],
    [
      'HMAC over the decoded JSON instead of the Base64 text',
      `${b64(hmac(JSON.stringify(payload())))}.${encodeJson(payload())}`,
      401,
    ],
    ['signature in hex', `${realHmac.toString('hex')}.${realPayload}`, 400],
    // Alphabet and padding games (the HMAC itself is right in the first three).
    ['std and URL-safe alphabets mixed in the signature', `${mixOneChar(special.sig)}.${special.payloadText}`, 400],
    ['std and URL-safe alphabets mixed in the payload', signText(mixedPayload), 400],
    ['standard signature without its padding', `${realSig.replace(/=+$/, '')}.${realPayload}`, 400],
    ['signature with an extra "="', `${realSig}=.${realPayload}`, 400],
    ['"=" inside the signature', `${realSig.slice(0, 10)}=${realSig.slice(10)}.${realPayload}`, 400],
    ['payload padding removed (signature kept)', `${realSig}.${realPayload.replace(/=+$/, '')}`, 401],
    ['payload with "===" padding', `${realSig}.${realPayload.replace(/=+$/, '')}===`, 400],
    // Signature length.
    ['31-byte signature (truncated HMAC)', `${b64(realHmac.subarray(0, 31))}.${realPayload}`, 400],
    [
      '33-byte signature (HMAC plus one byte)',
      `${b64(Buffer.concat([realHmac, Buffer.from([0])]))}.${realPayload}`,
      400,
    ],
    ['empty signature', `.${realPayload}`, 400],
    // algorithm variants, all correctly signed.
    ['algorithm "hmacsha256"', signedJson(payload((p) => (p.algorithm = 'hmacsha256'))), 400],
    ['algorithm "HMACSHA1"', signedJson(payload((p) => (p.algorithm = 'HMACSHA1'))), 400],
    ['algorithm "none"', signedJson(payload((p) => (p.algorithm = 'none'))), 400],
    ['algorithm "none" and no signature', `.${encodeJson(payload((p) => (p.algorithm = 'none')))}`, 400],
    ['algorithm missing', signedJson(payload((p) => delete p.algorithm)), 400],
    ['algorithm as an array', signedJson(payload((p) => (p.algorithm = ['HMACSHA256']))), 400],
    ['algorithm with a homoglyph', signedJson(payload((p) => (p.algorithm = `HM${homoglyphA}CSHA256`))), 400],
    // Separators, whitespace, control characters, homoglyphs.
    ['a second "."', `${real.signedRequest}.${realPayload}`, 400],
    ['".." between the parts', `${realSig}..${realPayload}`, 400],
    ['no "." at all', `${realSig}${realPayload}`, 400],
    ['leading space', ` ${real.signedRequest}`, 400],
    ['trailing newline', `${real.signedRequest}\n`, 400],
    ['tab inside the payload', `${realSig}.${realPayload.slice(0, 20)}\t${realPayload.slice(20)}`, 400],
    ['NUL byte appended', `${real.signedRequest}\u0000`, 400],
    ['NUL byte inside the signature', `${realSig.slice(0, 5)}\u0000${realSig.slice(5)}.${realPayload}`, 400],
    ['Cyrillic homoglyph in the signature', `${realSig.replace(/[A-Za-z]/, homoglyphA)}.${realPayload}`, 400],
    [
      'fullwidth characters in the payload',
      `${realSig}.${realPayload.replace(/[A-Za-z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).slice(0, 200)}`,
      400,
    ],
    // The payload's content, correctly signed.
    ['userId differs from context.user.userId', signedJson(payload((p) => (p.userId = '005000000000009AAA'))), 400],
    ['userId missing', signedJson(payload((p) => delete p.userId)), 400],
    [
      'userId that is not a Salesforce user ID',
      signedJson(payload((p) => (p.userId = p.context.user.userId = '001000000000009AAA'))),
      400,
    ],
    ['organizationId missing', signedJson(payload((p) => delete p.context.organization.organizationId)), 400],
    [
      'http instanceUrl',
      signedJson(payload((p) => (p.client.instanceUrl = 'http://idpp-demo-dev-ed.my.salesforce.com'))),
      400,
    ],
    [
      'instanceUrl with credentials',
      signedJson(payload((p) => (p.client.instanceUrl = 'https://evil@idpp-demo-dev-ed.my.salesforce.com'))),
      400,
    ],
    [
      'instanceUrl with a path',
      signedJson(payload((p) => (p.client.instanceUrl = 'https://idpp-demo-dev-ed.my.salesforce.com/evil'))),
      400,
    ],
    ['javascript: instanceUrl', signedJson(payload((p) => (p.client.instanceUrl = 'javascript:alert(1)'))), 400],
    ['oauthToken missing', signedJson(payload((p) => delete p.client.oauthToken)), 400],
    ['JSON array payload', signText(encodeJson([real.payload])), 400],
    ['JSON string payload', signText(encodeJson('HMACSHA256')), 400],
    ['JSON null payload', signText(encodeJson(null)), 400],
    ['JSON number payload', signText(encodeJson(42)), 400],
    ['not JSON', signText(Buffer.from('{"algorithm":"HMACSHA256",').toString('base64')), 400],
    ['invalid UTF-8', signText(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64')), 400],
  ]
  const list: ForgeryCase[] = cases.map(([name, value, status]) => ({ name, request: form(value), status }))
  list.push(
    { name: '1 MB body', request: form(`${real.signedRequest}${'A'.repeat(1024 * 1024)}`), status: 413 },
    {
      name: 'JSON instead of a form',
      request: { method: 'POST', url: '/canvas', payload: { signed_request: real.signedRequest } },
      status: 415,
    },
    {
      name: 'multipart form',
      request: rawForm(
        `--b\r\nContent-Disposition: form-data; name="signed_request"\r\n\r\n${real.signedRequest}\r\n--b--\r\n`,
        'multipart/form-data; boundary=b',
      ),
      status: 415,
    },
    { name: 'text/plain', request: rawForm(`signed_request=${real.signedRequest}`, 'text/plain'), status: 415 },
    {
      name: 'no content type',
      request: { method: 'POST', url: '/canvas', payload: `signed_request=${encodeURIComponent(real.signedRequest)}` },
      status: 415,
    },
    { name: 'field missing', request: rawForm('other=1'), status: 400 },
    { name: 'field empty', request: rawForm('signed_request='), status: 400 },
    {
      name: 'field repeated (same value twice)',
      request: rawForm(
        `signed_request=${encodeURIComponent(real.signedRequest)}&signed_request=${encodeURIComponent(real.signedRequest)}`,
      ),
      status: 400,
    },
    {
      name: 'field repeated (forged, then real)',
      request: rawForm(
        `signed_request=${encodeURIComponent(signedJson(payload(), 'attacker'))}&signed_request=${encodeURIComponent(real.signedRequest)}`,
      ),
      status: 400,
    },
    {
      name: 'field name with array brackets',
      request: rawForm(`signed_request[]=${encodeURIComponent(real.signedRequest)}`),
      status: 400,
    },
    // Renewal takes the same signed request in JSON.
    {
      name: 'session: swapped secret',
      request: session({ signedRequest: signedJson(payload(), 'attacker-secret') }),
      status: 401,
    },
    {
      name: 'session: algorithm none',
      request: session({ signedRequest: signedJson(payload((p) => (p.algorithm = 'none'))) }),
      status: 400,
    },
    {
      name: 'session: 31-byte signature',
      request: session({ signedRequest: `${b64(realHmac.subarray(0, 31))}.${realPayload}` }),
      status: 400,
    },
    {
      name: 'session: signedRequest as an array',
      request: session({ signedRequest: [real.signedRequest] }),
      status: 400,
    },
    { name: 'session: signedRequest missing', request: session({ signed_request: real.signedRequest }), status: 400 },
    { name: 'session: JSON array body', request: session([real.signedRequest]), status: 400 },
    { name: 'session: 1 MB body', request: session({ signedRequest: 'A'.repeat(1024 * 1024) }), status: 413 },
    {
      name: 'session: forged, as a form',
      request: session(
        `signedRequest=${encodeURIComponent(signedJson(payload(), 'attacker'))}`,
        'application/x-www-form-urlencoded',
      ),
      status: 401,
    },
    { name: 'session: random bytes', request: session(randomBytes(300).toString('latin1')), status: 400 },
  )
  return list
}

/** The signed request a case carries, if any (form field or JSON property). */
function valueOf(request: InjectOptions): string | null {
  const body = typeof request.payload === 'string' ? request.payload : ''
  const type = String((request.headers as Record<string, string> | undefined)?.['content-type'] ?? '')
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const params = new URLSearchParams(body)
    return params.get('signed_request') ?? params.get('signedRequest')
  }
  try {
    const parsed = JSON.parse(body)
    return typeof parsed?.signedRequest === 'string' ? parsed.signedRequest : null
  } catch {
    return null
  }
}

/** Text of the request that must never come back: payload text, signature, decoded values. */
function secretsOf(request: InjectOptions): string[] {
  const out = [
    'FORGED-MARKER',
    real.payload.client.oauthToken,
    realPayload.slice(0, 40),
    realSig.slice(0, 20),
    'mheisterberg',
  ]
  const [sig, text] = (valueOf(request) ?? '').split('.')
  if (sig && sig.length >= 16) out.push(sig.slice(0, 16))
  if (text && text.length >= 24) out.push(text.slice(0, 24))
  return out
}

describe('forged canvas signed requests', () => {
  let t: TestApp
  const cases = forgeries()

  beforeAll(async () => {
    t = await createTestApp({ env: { SALESFORCE_CONSUMER_SECRET: `rotated-other-secret,${secret}` } })
  })
  afterAll(async () => {
    await t?.close()
  })

  it(`${cases.length} crafted requests: 0 accepted, 0 5xx, the status docs/spec.md §4 names, no echo`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(25)
    let accepted = 0
    let serverErrors = 0
    const wrong: string[] = []
    for (const c of cases) {
      const res = await t.app.inject(c.request)
      if (res.statusCode < 300) accepted++
      if (res.statusCode >= 500) serverErrors++
      if (res.statusCode !== c.status)
        wrong.push(`${c.name}: ${res.statusCode} (expected ${c.status}) ${res.body.slice(0, 120)}`)
      for (const s of secretsOf(c.request)) expect(res.body.includes(s), `${c.name} echoes "${s}"`).toBe(false)
      expect(res.body, c.name).not.toMatch(/\bat .+\.(ts|js):\d+/)
      if (res.statusCode < 500) expect(res.body, c.name).toMatch(/"code"|id="error-code"/)
    }
    expect(wrong).toEqual([])
    expect({ accepted, serverErrors }).toEqual({ accepted: 0, serverErrors: 0 })
    // Nothing was written: no session, no link, no secret, no canvas visit.
    const { rows } = await t.db.pool.query(
      `SELECT (SELECT count(*) FROM sessions)::int AS sessions, (SELECT count(*) FROM salesforce_links)::int AS links,
              (SELECT count(*) FROM encrypted_secrets)::int AS secrets, (SELECT count(*) FROM audit_log WHERE event = 'canvas.visit')::int AS visits`,
    )
    expect(rows[0]).toEqual({ sessions: 0, links: 0, secrets: 0, visits: 0 })
  })

  it('controls: the real request, and its URL-safe spelling, are accepted (the checks above are not blanket refusals)', async () => {
    const ok = await t.app.inject(form(real.signedRequest))
    expect(ok.statusCode).toBe(200)
    expect(bootstrapOf(ok.body)).toMatchObject({ salesforceUserId: real.payload.userId, linked: false })
    const urlSafe = (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_')
    const safe = await t.app.inject(form(`${urlSafe(realSig)}.${urlSafe(realPayload)}`))
    expect(safe.statusCode).toBe(200)
    const renewed = await t.app.inject(session({ signedRequest: real.signedRequest }))
    expect(renewed.statusCode).toBe(200)
  })
})
