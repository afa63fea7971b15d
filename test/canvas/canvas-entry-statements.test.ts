import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.js'
import { bootstrapOf, conformanceRequest, makeSignedRequest } from '../helpers/canvas.js'

const real = conformanceRequest()
const secret = real.consumerSecret
const form = (signedRequest: string) => ({
  method: 'POST' as const,
  url: '/canvas',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: `signed_request=${encodeURIComponent(signedRequest)}`,
})

/** Postgres statements sent while `fn` runs (every pg client, pooled or not). */
async function countStatements<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }
  const original = proto.query
  let statements = 0
  proto.query = function (this: unknown, ...args: unknown[]) {
    statements++
    return original.apply(this, args)
  }
  try {
    return { result: await fn(), statements }
  } finally {
    proto.query = original
  }
}

/**
 * The canvas entry is the hot path: every visit's durable writes (signed request seen, link
 * and canvas credential refreshed, token sealed, session, audit) go to Postgres in a single
 * statement, and every one of them still happens.
 */
describe('canvas entry: one statement per visit, nothing durable left out', () => {
  let t: TestApp
  const userId = '0051t000009ZzYyAAK'
  let n = 0
  const signed = (opts: { refreshToken?: string | null } = {}) =>
    makeSignedRequest(secret, {
      userId,
      userName: 'one@statement.test',
      oauthToken: `00D!token-${++n}`,
      refreshToken: opts.refreshToken ?? null,
    })
  const count = async (sql: string) => Number((await t.db.pool.query(sql)).rows[0].n)

  beforeAll(async () => {
    t = await createTestApp({ env: { SALESFORCE_CONSUMER_SECRET: secret } })
  })
  afterAll(async () => {
    await t.close()
  })

  it('a first visit: one statement stores the pending session, both tokens sealed for it, and the audit entry', async () => {
    const sessionsBefore = await count(`SELECT count(*) AS n FROM sessions WHERE kind = 'pending_link'`)
    const { result: res, statements } = await countStatements(() =>
      t.app.inject(form(signed({ refreshToken: '5Aep861-first-refresh' }))),
    )
    expect(res.statusCode).toBe(200)
    expect(statements).toBe(1)
    const boot = bootstrapOf(res.body)
    expect(boot.linked).toBe(false)
    expect(await count(`SELECT count(*) AS n FROM sessions WHERE kind = 'pending_link'`)).toBe(sessionsBefore + 1)
    const { rows } = await t.db.pool.query(
      `SELECT name FROM encrypted_secrets WHERE owner_kind = 'canvas' AND owner_id = (SELECT id FROM sessions WHERE kind = 'pending_link' ORDER BY created_at DESC LIMIT 1) ORDER BY name`,
    )
    expect(rows.map((r) => r.name)).toEqual(['oauthToken', 'refreshToken'])
    expect(
      await count(`SELECT count(*) AS n FROM audit_log WHERE event = 'canvas.visit' AND detail->>'linked' = 'false'`),
    ).toBeGreaterThan(0)

    // Sign-up from that pending session reads the sealed tokens back: the link gets its credentials.
    const signup = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { authorization: `Bearer ${boot.token}` },
      payload: { email: 'one@statement.test', password: 'correct horse battery' },
    })
    expect(signup.statusCode).toBe(201)
    expect(signup.json().linked).toBe(true)
    const kinds = await t.db.pool.query(`SELECT kind FROM salesforce_credentials ORDER BY kind`)
    expect(kinds.rows.map((r) => r.kind)).toEqual(['canvas', 'oauth_refresh'])
  })

  it('a returning linked user: one statement (after the first visit in this process), token, session and audit stored', async () => {
    // The first linked visit this process sees of the user learns the canvas credential's ID.
    const first = await countStatements(() => t.app.inject(form(signed({ refreshToken: '5Aep861-first-refresh' }))))
    expect(bootstrapOf(first.result.body).linked).toBe(true)
    expect(first.statements).toBeLessThanOrEqual(2)

    const sessionsBefore = await count(`SELECT count(*) AS n FROM sessions WHERE kind = 'canvas'`)
    const auditBefore = await count(
      `SELECT count(*) AS n FROM audit_log WHERE event = 'canvas.visit' AND detail->>'linked' = 'true'`,
    )
    const tokenBefore = await t.db.pool.query(
      `SELECT ciphertext FROM encrypted_secrets WHERE owner_kind = 'credential' AND name = 'accessToken'`,
    )
    // The same refresh token as stored: compared from what the statement read back, not saved again.
    const { result: res, statements } = await countStatements(() =>
      t.app.inject(form(signed({ refreshToken: '5Aep861-first-refresh' }))),
    )
    expect(res.statusCode).toBe(200)
    expect(statements).toBe(1)
    const boot = bootstrapOf(res.body)
    expect(boot.linked).toBe(true)
    expect(await count(`SELECT count(*) AS n FROM sessions WHERE kind = 'canvas'`)).toBe(sessionsBefore + 1)
    expect(
      await count(`SELECT count(*) AS n FROM audit_log WHERE event = 'canvas.visit' AND detail->>'linked' = 'true'`),
    ).toBe(auditBefore + 1)
    const tokenAfter = await t.db.pool.query(
      `SELECT ciphertext FROM encrypted_secrets WHERE owner_kind = 'credential' AND name = 'accessToken'`,
    )
    expect(tokenAfter.rows).toHaveLength(1)
    expect(Buffer.compare(tokenAfter.rows[0].ciphertext, tokenBefore.rows[0].ciphertext)).not.toBe(0)
    const me = await t.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${boot.token}` } })
    expect(me.statusCode).toBe(200)

    // A new refresh token is still captured (a second, rare write).
    const rotated = await t.app.inject(form(signed({ refreshToken: '5Aep861-rotated-refresh' })))
    expect(rotated.statusCode).toBe(200)
    const refresh = await t.db.pool.query(`SELECT version FROM salesforce_credentials WHERE kind = 'oauth_refresh'`)
    expect(refresh.rows).toHaveLength(1)
    const again = await countStatements(() => t.app.inject(form(signed({ refreshToken: '5Aep861-rotated-refresh' }))))
    expect(again.statements).toBe(1)
  })

  it('a remembered credential that was replaced meanwhile: the visit still stores everything, for the new row', async () => {
    await t.db.pool.query(`DELETE FROM salesforce_credentials WHERE kind = 'canvas'`)
    const { result: res, statements } = await countStatements(() => t.app.inject(form(signed())))
    expect(res.statusCode).toBe(200)
    expect(statements).toBe(2)
    const boot = bootstrapOf(res.body)
    expect(boot.linked).toBe(true)
    const { rows } = await t.db.pool.query(
      `SELECT c.id FROM salesforce_credentials c JOIN encrypted_secrets s ON s.owner_kind = 'credential' AND s.owner_id = c.id AND s.name = 'accessToken' WHERE c.kind = 'canvas'`,
    )
    expect(rows).toHaveLength(1)
    const me = await t.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${boot.token}` } })
    expect(me.statusCode).toBe(200)
    // And the next visit is one statement again.
    expect((await countStatements(() => t.app.inject(form(signed())))).statements).toBe(1)
  })

  it('a remembered user whose link is gone is a first visit again, with its pending session and tokens', async () => {
    await t.db.pool.query(`DELETE FROM salesforce_links`)
    const before = await count(`SELECT count(*) AS n FROM sessions WHERE kind = 'pending_link'`)
    const res = await t.app.inject(form(signed({ refreshToken: '5Aep861-after-unlink' })))
    expect(res.statusCode).toBe(200)
    expect(bootstrapOf(res.body).linked).toBe(false)
    expect(await count(`SELECT count(*) AS n FROM sessions WHERE kind = 'pending_link'`)).toBe(before + 1)
    const { rows } = await t.db.pool.query(
      `SELECT name FROM encrypted_secrets WHERE owner_kind = 'canvas' AND owner_id = (SELECT id FROM sessions WHERE kind = 'pending_link' ORDER BY created_at DESC LIMIT 1) ORDER BY name`,
    )
    expect(rows.map((r) => r.name)).toEqual(['oauthToken', 'refreshToken'])
    // Forgotten as linked: the next first visit is one statement again.
    expect((await countStatements(() => t.app.inject(form(signed())))).statements).toBe(1)
  })
})
