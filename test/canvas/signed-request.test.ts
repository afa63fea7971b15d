import { readFileSync } from 'node:fs'
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { signCanvasRequest, verifySignedRequest, type VerifyResult } from '../../server/src/canvas/signed-request.js'
import { conformanceFile } from '../helpers/conformance.js'

const conformance = JSON.parse(readFileSync(conformanceFile('canvas/real-signed-request-1.json'), 'utf8')) as {
  consumerSecret: string
  signedRequest: string
  expected: { algorithm: string; userId: string; organizationId: string; instanceUrl: string; userName: string }
}

const SECRET = conformance.consumerSecret
const REAL = conformance.signedRequest
const [REAL_SIG, REAL_PAYLOAD] = [REAL.slice(0, REAL.indexOf('.')), REAL.slice(REAL.indexOf('.') + 1)]
const realPayload = (): any => JSON.parse(Buffer.from(REAL_PAYLOAD, 'base64').toString('utf8'))

/** The real payload, edited by `edit`, signed with the real secret. */
function signedWith(edit: (p: any) => void, secret = SECRET): string {
  const p = realPayload()
  edit(p)
  return signCanvasRequest(JSON.stringify(p), secret)
}

function expectFailure(result: VerifyResult, reason: string): void {
  expect(result.ok).toBe(false)
  if (!result.ok) expect(result.reason).toBe(reason)
}

const toUrlSafe = (s: string): string => s.replace(/\+/g, '-').replace(/\//g, '_')
const hmacB64 = (text: string, secret: string): Buffer => createHmac('sha256', secret).update(text).digest()

describe('verifySignedRequest: the real signed request', () => {
  it('verifies with its consumer secret and exposes the expected identity', () => {
    const result = verifySignedRequest(REAL, [SECRET], {})
    expect(result.ok).toBe(true)
    if (!result.ok) return
    const { request } = result
    expect(request.algorithm).toBe(conformance.expected.algorithm)
    expect(request.userId).toBe(conformance.expected.userId)
    expect(request.context.user.userId).toBe(conformance.expected.userId)
    expect(request.context.user.userName).toBe(conformance.expected.userName)
    expect(request.context.organization.organizationId).toBe(conformance.expected.organizationId)
    expect(request.client.instanceUrl).toBe(conformance.expected.instanceUrl)
    expect(request.client.oauthToken).toMatch(/^00D/)
    // Salesforce sends refreshToken: null without the refresh_token scope.
    expect(request.client).not.toHaveProperty('refreshToken')
    expect(request.context.user.fullName).toBe('Mikkel Flindt Heisterberg')
    expect(request.context.organization.name).toBe('SFDC EMEA')
    expect(request.context.links.restUrl).toBe('/services/data/v44.0/')
    expect(request.context.environment.displayLocation).toBe('ChatterFeed')
    expect(request.context.application.authType).toBe('SIGNED_REQUEST')
    // Extra user fields pass through untouched.
    expect(request.context.user.timeZone).toBe('Europe/Paris')
  })

  it('verifies with the secret second in a rotation list', () => {
    expect(verifySignedRequest(REAL, ['new-secret-not-yet-used', SECRET], {}).ok).toBe(true)
    expect(verifySignedRequest(REAL, ['', 'a', 'b', SECRET, 'c'], {}).ok).toBe(true)
  })

  it('verifies when the signature uses the URL-safe alphabet, padded or not', () => {
    expect(REAL_SIG).toMatch(/[+/]/) // the conversion below really changes the text
    const urlSafeSig = toUrlSafe(REAL_SIG)
    expect(verifySignedRequest(`${urlSafeSig}.${REAL_PAYLOAD}`, [SECRET], {}).ok).toBe(true)
    expect(verifySignedRequest(`${urlSafeSig.replace(/=+$/, '')}.${REAL_PAYLOAD}`, [SECRET], {}).ok).toBe(true)
  })

  it('verifies a URL-safe payload signed over its URL-safe text, unpadded', () => {
    const p = realPayload()
    p.context.user.fullName = '~~~???>>>' // bytes that encode to "+" and "/"
    const payloadText = Buffer.from(JSON.stringify(p)).toString('base64url')
    expect(payloadText).toMatch(/[-_]/)
    const sig = hmacB64(payloadText, SECRET).toString('base64url')
    const result = verifySignedRequest(`${sig}.${payloadText}`, [SECRET], {})
    expect(result.ok).toBe(true)
    if (result.ok) expect(result.request.context.user.fullName).toBe('~~~???>>>')
  })

  it('signs over the Base64 text as received: re-spelling the payload breaks the signature', () => {
    const p = realPayload()
    p.context.user.fullName = '~~~???>>>'
    const signed = signCanvasRequest(JSON.stringify(p), SECRET)
    const [sig, payload] = [signed.slice(0, signed.indexOf('.')), signed.slice(signed.indexOf('.') + 1)]
    expect(verifySignedRequest(signed, [SECRET], {}).ok).toBe(true)
    expectFailure(verifySignedRequest(`${sig}.${toUrlSafe(payload)}`, [SECRET], {}), 'bad_signature')
    // Dropping the payload's padding changes the signed text too.
    expectFailure(verifySignedRequest(`${REAL_SIG}.${REAL_PAYLOAD.replace(/=+$/, '')}`, [SECRET], {}), 'bad_signature')
  })
})

describe('verifySignedRequest: signature failures', () => {
  it('rejects a wrong secret and an empty secret list', () => {
    expectFailure(verifySignedRequest(REAL, ['wrong'], {}), 'bad_signature')
    expectFailure(verifySignedRequest(REAL, [], {}), 'bad_signature')
    expectFailure(verifySignedRequest(REAL, [''], {}), 'bad_signature')
  })

  it('never accepts an empty key, even for a request signed with one', () => {
    const signed = signCanvasRequest(JSON.stringify(realPayload()), '')
    expectFailure(verifySignedRequest(signed, ['', 'x'], {}), 'bad_signature')
  })

  it('rejects a tampered payload', () => {
    const p = realPayload()
    p.userId = p.context.user.userId = '005000000000001AAA'
    const forged = Buffer.from(JSON.stringify(p)).toString('base64')
    expectFailure(verifySignedRequest(`${REAL_SIG}.${forged}`, [SECRET], {}), 'bad_signature')
    // One character changed in the middle of the payload text.
    const i = 100
    const flipped = REAL_PAYLOAD.slice(0, i) + (REAL_PAYLOAD[i] === 'A' ? 'B' : 'A') + REAL_PAYLOAD.slice(i + 1)
    expectFailure(verifySignedRequest(`${REAL_SIG}.${flipped}`, [SECRET], {}), 'bad_signature')
  })

  it('rejects a truncated signature', () => {
    expect(verifySignedRequest(`${REAL_SIG.slice(0, -2)}.${REAL_PAYLOAD}`, [SECRET], {}).ok).toBe(false)
    expectFailure(verifySignedRequest(`${REAL_SIG.slice(0, 40)}.${REAL_PAYLOAD}`, [SECRET], {}), 'malformed')
  })

  it('rejects signatures of 31 and 33 bytes, even if they start with the right MAC', () => {
    const mac = hmacB64(REAL_PAYLOAD, SECRET)
    const short = mac.subarray(0, 31).toString('base64')
    const long = Buffer.concat([mac, Buffer.from([0])]).toString('base64')
    expectFailure(verifySignedRequest(`${short}.${REAL_PAYLOAD}`, [SECRET], {}), 'malformed')
    expectFailure(verifySignedRequest(`${long}.${REAL_PAYLOAD}`, [SECRET], {}), 'malformed')
  })
})

describe('verifySignedRequest: malformed input', () => {
  it('rejects non-string input', () => {
    for (const raw of [undefined, null, 42, {}, [REAL], Buffer.from(REAL), true]) {
      expectFailure(verifySignedRequest(raw, [SECRET], {}), 'malformed')
    }
  })

  it('rejects a missing ".", empty parts and a second "."', () => {
    for (const raw of [
      '',
      REAL.replace('.', ''),
      `.${REAL_PAYLOAD}`,
      `${REAL_SIG}.`,
      '.',
      `${REAL}.`,
      `${REAL_SIG}.${REAL_PAYLOAD.slice(0, 20)}.${REAL_PAYLOAD.slice(20)}`,
      `${REAL_SIG}..${REAL_PAYLOAD}`,
    ]) {
      expectFailure(verifySignedRequest(raw, [SECRET], {}), 'malformed')
    }
  })

  it('rejects characters outside the Base64 alphabet in the signature, before decoding', () => {
    // Buffer.from(…, 'base64') would skip these and decode the right MAC.
    for (const junk of [' ', '!', '*', '\n', '%', '\u00e9', '\u0000']) {
      const sig = REAL_SIG.slice(0, 10) + junk + REAL_SIG.slice(10)
      if (junk === ' ' || junk === '!')
        expect(Buffer.from(sig, 'base64').equals(Buffer.from(REAL_SIG, 'base64'))).toBe(true)
      expectFailure(verifySignedRequest(`${sig}.${REAL_PAYLOAD}`, [SECRET], {}), 'malformed')
    }
  })

  it('rejects characters outside the Base64 alphabet in the payload', () => {
    for (const junk of [' ', '!', '\t', '\r\n', '"', '=', '\u2028']) {
      const payload = REAL_PAYLOAD.slice(0, 50) + junk + REAL_PAYLOAD.slice(50)
      expectFailure(verifySignedRequest(`${REAL_SIG}.${payload}`, [SECRET], {}), 'malformed')
    }
  })

  it('rejects mixed alphabets, bad padding and non-canonical spellings', () => {
    const mixed = `-${REAL_SIG.slice(1)}` // "-" and "/" together
    expect(mixed).toMatch(/[_-]/)
    expect(mixed).toMatch(/[+/]/)
    expectFailure(verifySignedRequest(`${mixed}.${REAL_PAYLOAD}`, [SECRET], {}), 'malformed')
    expectFailure(verifySignedRequest(`${REAL_SIG}=.${REAL_PAYLOAD}`, [SECRET], {}), 'malformed')
    expectFailure(verifySignedRequest(`${REAL_SIG.replace(/=$/, '')}.${REAL_PAYLOAD}`, [SECRET], {}), 'malformed')
    // "…gk=" and "…gl=" decode to the same bytes; only the canonical spelling is accepted.
    expect(REAL_SIG.endsWith('gk=')).toBe(true)
    const nonCanonical = REAL_SIG.replace(/gk=$/, 'gl=')
    expect(Buffer.from(nonCanonical, 'base64').equals(Buffer.from(REAL_SIG, 'base64'))).toBe(true)
    expectFailure(verifySignedRequest(`${nonCanonical}.${REAL_PAYLOAD}`, [SECRET], {}), 'malformed')
  })

  it('rejects input over 64 KiB without looking at it', () => {
    const p = realPayload()
    p.context.environment.parameters.filler = 'x'.repeat(70_000)
    const big = signCanvasRequest(JSON.stringify(p), SECRET)
    expectFailure(verifySignedRequest(big, [SECRET], {}), 'malformed')
    expectFailure(verifySignedRequest('A'.repeat(64 * 1024 + 1), [SECRET], {}), 'malformed')
  })

  it('accepts a request just under the limit', () => {
    const p = realPayload()
    const base = signCanvasRequest(JSON.stringify(p), SECRET).length
    p.context.environment.parameters.filler = 'x'.repeat(Math.floor(((64 * 1024 - base) * 3) / 4) - 40)
    const signed = signCanvasRequest(JSON.stringify(p), SECRET)
    expect(signed.length).toBeLessThanOrEqual(64 * 1024)
    expect(signed.length).toBeGreaterThan(64 * 1024 - 100)
    expect(verifySignedRequest(signed, [SECRET], {}).ok).toBe(true)
  })
})

describe('verifySignedRequest: authentic but invalid payload', () => {
  const invalid = (payloadJson: string): void =>
    expectFailure(verifySignedRequest(signCanvasRequest(payloadJson, SECRET), [SECRET], {}), 'invalid_payload')

  it('rejects non-JSON, non-UTF-8, arrays, null and scalars', () => {
    invalid('not json')
    invalid('{"algorithm":"HMACSHA256",')
    invalid('[]')
    invalid(JSON.stringify([realPayload()]))
    invalid('null')
    invalid('"HMACSHA256"')
    invalid('42')
    const bytes = Buffer.from([0xff, 0xfe, 0x7b, 0x7d]).toString('base64')
    const sig = hmacB64(bytes, SECRET).toString('base64')
    expectFailure(verifySignedRequest(`${sig}.${bytes}`, [SECRET], {}), 'invalid_payload')
  })

  it('requires algorithm to be exactly HMACSHA256', () => {
    for (const algorithm of ['hmacsha256', 'HMACSHA1', 'HMAC-SHA256', 'HMACSHA256 ', '', null, 1, undefined]) {
      const raw = signedWith((p) => {
        if (algorithm === undefined) delete p.algorithm
        else p.algorithm = algorithm
      })
      expectFailure(verifySignedRequest(raw, [SECRET], {}), 'invalid_payload')
    }
  })

  it('requires userId, equal to context.user.userId, shaped like a Salesforce user ID', () => {
    const cases: Array<(p: any) => void> = [
      (p) => delete p.userId,
      (p) => (p.userId = ''),
      (p) => (p.userId = 12345),
      (p) => (p.userId = '0051t000001qjZ7AAJ'), // differs from context.user.userId
      (p) => delete p.context.user.userId,
      (p) => (p.context.user.userId = p.userId.toLowerCase()),
      (p) => (p.userId = p.context.user.userId = '00D1t000000rXxREAU'), // an org ID
      (p) => (p.userId = p.context.user.userId = '0051t000001qjZ7AA'), // 17 chars
      (p) => (p.userId = p.context.user.userId = '0051t000001qjZ7AAI '),
      (p) => (p.userId = p.context.user.userId = "005' OR 1=1 --"),
      (p) => delete p.context.user,
      (p) => delete p.context,
    ]
    for (const edit of cases) expectFailure(verifySignedRequest(signedWith(edit), [SECRET], {}), 'invalid_payload')
  })

  it('accepts a 15-character user ID and organization ID', () => {
    const raw = signedWith((p) => {
      p.userId = p.context.user.userId = '0051t000001qjZ7'
      p.context.organization.organizationId = '00D1t000000rXxR'
    })
    expect(verifySignedRequest(raw, [SECRET], {}).ok).toBe(true)
  })

  it('requires an organization ID shaped like one', () => {
    const cases: Array<(p: any) => void> = [
      (p) => delete p.context.organization.organizationId,
      (p) => (p.context.organization.organizationId = ''),
      (p) => (p.context.organization.organizationId = null),
      (p) => (p.context.organization.organizationId = '0051t000001qjZ7AAI'),
      (p) => delete p.context.organization,
    ]
    for (const edit of cases) expectFailure(verifySignedRequest(signedWith(edit), [SECRET], {}), 'invalid_payload')
  })

  it('requires an https instance URL that is a bare origin', () => {
    const cases: unknown[] = [
      undefined,
      '',
      'http://idpp-demo-dev-ed.my.salesforce.com',
      'ftp://x.salesforce.com',
      'javascript:alert(1)',
      'not a url',
      'https://user:pw@x.my.salesforce.com',
      'https://x.my.salesforce.com/path',
      'https://x.my.salesforce.com?q=1',
      42,
    ]
    for (const url of cases) {
      const raw = signedWith((p) => {
        if (url === undefined) delete p.client.instanceUrl
        else p.client.instanceUrl = url
      })
      expectFailure(verifySignedRequest(raw, [SECRET], {}), 'invalid_payload')
    }
    // A trailing slash is the same origin.
    const slash = verifySignedRequest(
      signedWith((p) => (p.client.instanceUrl = 'https://x.my.salesforce.com/')),
      [SECRET],
      {},
    )
    expect(slash.ok && slash.request.client.instanceUrl).toBe('https://x.my.salesforce.com')
  })

  it('lets http through only when allowedInstanceHosts accepts the host', () => {
    const raw = signedWith((p) => (p.client.instanceUrl = 'http://127.0.0.1:4010'))
    const seen: Array<[string, string]> = []
    const allow = (host: string, protocol: string): boolean => {
      seen.push([host, protocol])
      return host === '127.0.0.1:4010' && protocol === 'http'
    }
    const result = verifySignedRequest(raw, [SECRET], { allowedInstanceHosts: allow })
    expect(result.ok).toBe(true)
    if (result.ok) expect(result.request.client.instanceUrl).toBe('http://127.0.0.1:4010')
    expect(seen).toEqual([['127.0.0.1:4010', 'http']])
    expectFailure(verifySignedRequest(raw, [SECRET], {}), 'invalid_payload')
    expectFailure(verifySignedRequest(raw, [SECRET], { allowedInstanceHosts: () => false }), 'invalid_payload')
    const other = signedWith((p) => (p.client.instanceUrl = 'http://127.0.0.1:4011'))
    expectFailure(verifySignedRequest(other, [SECRET], { allowedInstanceHosts: allow }), 'invalid_payload')
    // A throwing predicate is a refusal, not a crash.
    const boom = (): boolean => {
      throw new Error('boom')
    }
    expectFailure(verifySignedRequest(raw, [SECRET], { allowedInstanceHosts: boom }), 'invalid_payload')
  })

  it('requires an OAuth token string and keeps a refresh token when present', () => {
    for (const edit of [
      (p: any) => delete p.client.oauthToken,
      (p: any) => (p.client.oauthToken = 7),
      (p: any) => delete p.client,
    ]) {
      expectFailure(verifySignedRequest(signedWith(edit), [SECRET], {}), 'invalid_payload')
    }
    expectFailure(
      verifySignedRequest(
        signedWith((p) => (p.client.refreshToken = {})),
        [SECRET],
        {},
      ),
      'invalid_payload',
    )
    const result = verifySignedRequest(
      signedWith((p) => (p.client.refreshToken = '5Aep861refresh')),
      [SECRET],
      {},
    )
    expect(result.ok && result.request.client.refreshToken).toBe('5Aep861refresh')
  })

  it('does not use issuedAt for freshness', () => {
    for (const issuedAt of [0, -5, 1e15, 'yesterday', null]) {
      expect(
        verifySignedRequest(
          signedWith((p) => (p.issuedAt = issuedAt)),
          [SECRET],
          {},
        ).ok,
      ).toBe(true)
    }
  })

  it('keeps a "__proto__" key as plain data', () => {
    const json = JSON.stringify(realPayload()).replace('"userName":', '"__proto__":{"polluted":true},"userName":')
    const result = verifySignedRequest(signCanvasRequest(json, SECRET), [SECRET], {})
    expect(result.ok).toBe(true)
    expect(({} as any).polluted).toBeUndefined()
    if (result.ok) expect((result.request.context.user as any).polluted).toBeUndefined()
  })

  it('never echoes payload content in the failure detail', () => {
    const marker = 'SECRETMARKER'
    const cases: Array<(p: any) => void> = [
      (p) => (p.algorithm = marker),
      (p) => (p.userId = marker),
      (p) => (p.context.user.userId = marker),
      (p) => (p.context.organization.organizationId = marker),
      (p) => (p.client.instanceUrl = `http://${marker}.example`),
      (p) => (p.client.oauthToken = { marker }),
    ]
    for (const edit of cases) {
      const raw = signedWith(edit)
      for (const secrets of [[SECRET], ['wrong']]) {
        const result = verifySignedRequest(raw, secrets, {})
        expect(result.ok).toBe(false)
        expect(JSON.stringify(result)).not.toContain(marker)
        expect(JSON.stringify(result)).not.toContain(raw.slice(raw.indexOf('.') + 1, raw.indexOf('.') + 20))
      }
    }
    const notJson = verifySignedRequest(signCanvasRequest(`${marker}{`, SECRET), [SECRET], {})
    expect(JSON.stringify(notJson)).not.toContain(marker)
  })
})

describe('verifySignedRequest: properties', () => {
  const norm = (s: string): string => s.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')
  const base64ish = fc.constantFrom(...'ABCXYZabcxyz0189+/-_=.'.split(''))
  const anyChar = fc.oneof(base64ish, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }))

  type Mutation = { kind: 'flip' | 'insert' | 'delete'; at: number; char: string }
  const kind = fc.constantFrom<Mutation['kind']>('flip', 'insert', 'delete')
  function apply(s: string, m: Mutation): string {
    const i = m.at % (s.length + (m.kind === 'insert' ? 1 : 0))
    if (m.kind === 'insert') return s.slice(0, i) + m.char + s.slice(i)
    if (m.kind === 'delete') return s.slice(0, i) + s.slice(i + 1)
    return s.slice(0, i) + m.char + s.slice(i + 1)
  }

  it('never throws and never verifies random strings', () => {
    const strings = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: base64ish, maxLength: 200 }),
      fc
        .tuple(fc.string({ unit: base64ish, maxLength: 60 }), fc.string({ unit: base64ish, maxLength: 200 }))
        .map(([a, b]) => `${a}.${b}`),
      fc
        .uint8Array({ minLength: 32, maxLength: 32 })
        .map((sig) => `${Buffer.from(sig).toString('base64')}.${REAL_PAYLOAD}`),
    )
    fc.assert(
      fc.property(strings, (raw) => {
        const result = verifySignedRequest(raw, [SECRET, 'other'], {})
        expect(result.ok).toBe(false)
      }),
      { numRuns: 2000 },
    )
  })

  it('mutations of a valid request never verify unless they spell the same signature and payload text', () => {
    // Mutations near the '.' and the padding are the interesting ones: bias positions there.
    const position = fc.oneof(
      fc.nat({ max: REAL.length + 1 }),
      fc.integer({ min: REAL_SIG.length - 4, max: REAL_SIG.length + 4 }),
      fc.integer({ min: REAL.length - 4, max: REAL.length }),
    )
    const mutations = fc.array(fc.record({ kind, at: position, char: anyChar }), { minLength: 1, maxLength: 3 })
    fc.assert(
      fc.property(mutations, (ms) => {
        const raw = ms.reduce(apply, REAL)
        let result: VerifyResult | undefined
        expect(() => (result = verifySignedRequest(raw, [SECRET], {}))).not.toThrow()
        const dot = raw.indexOf('.')
        const equivalent = dot >= 0 && raw.slice(dot + 1) === REAL_PAYLOAD && norm(raw.slice(0, dot)) === norm(REAL_SIG)
        if (!equivalent) expect(result!.ok).toBe(false)
        if (!result!.ok) expect(JSON.stringify(result)).not.toContain('eyJhbGci')
      }),
      { numRuns: 3000 },
    )
  })

  it('accepts exactly the equivalent spellings of the signature', () => {
    // Every character swapped to the other alphabet and/or padding dropped (URL-safe only).
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), (urlSafe, dropPadding) => {
        let sig = urlSafe ? toUrlSafe(REAL_SIG) : REAL_SIG
        if (dropPadding) sig = sig.replace(/=+$/, '')
        const result = verifySignedRequest(`${sig}.${REAL_PAYLOAD}`, [SECRET], {})
        expect(result.ok).toBe(!dropPadding || urlSafe)
      }),
    )
  })

  it('verifies any payload signed with any secret of a rotation list, and only with it', () => {
    const secret = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 })
    fc.assert(
      fc.property(
        fc.uniqueArray(secret, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.string({ unit: 'binary', maxLength: 50 }),
        (secrets, k, name) => {
          const signer = secrets[k % secrets.length]
          const raw = signedWith((p) => (p.context.user.fullName = name), signer)
          const result = verifySignedRequest(raw, secrets, {})
          expect(result.ok).toBe(true)
          // Control characters in names are dropped (server/src/canvas/signed-request.ts); the rest is kept.
          // eslint-disable-next-line no-control-regex
          if (result.ok) expect(result.request.context.user.fullName).toBe(name.replace(/[\u0000-\u001f\u007f]/g, ''))
          const others = secrets.filter((s) => s !== signer)
          expectFailure(verifySignedRequest(raw, others, {}), 'bad_signature')
        },
      ),
      { numRuns: 300 },
    )
  })
})
