/**
 * Intake of unsubscribes (normalised, idempotent, durable before the 202) and API keys
 * (created once, listed by prefix, accepted where the contract says, revoked at once).
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  bearer,
  createLinkedAccount,
  reportUnsubscribes,
  startUnsubscribeEnv,
  syncStatus,
  type TestAccount,
  type UnsubscribeEnv,
} from '../helpers/unsubscribes.js'

let env: UnsubscribeEnv
let ada: TestAccount
let grace: TestAccount

beforeAll(async () => {
  // No job queue here: intake must not depend on it (the sweep finds pending rows).
  env = await startUnsubscribeEnv({ sim: { data: { contacts: 20, leads: 10, campaigns: 0 } } })
  const users = env.sim.control.users()
  ada = await createLinkedAccount(env, users[0]!.id, 'ada@mailer.test')
  grace = await createLinkedAccount(env, users[1]!.id, 'grace@mailer.test')
})

afterAll(async () => {
  await env?.close()
})

async function createKey(
  token: string,
  name = 'Mailer',
): Promise<{ id: string; key: string; prefix: string; name: string; createdAt: string }> {
  const res = await env.app.inject({
    method: 'POST',
    url: '/api/api-keys',
    headers: bearer(token),
    payload: { name, password: 'a long app password' },
  })
  expect(res.statusCode).toBe(201)
  return res.json()
}

describe('POST /api/unsubscribes', () => {
  it('normalises addresses, counts duplicates and invalid entries, and keeps each address once', async () => {
    const result = await reportUnsubscribes(env.app, ada.token, [
      '  Ada.Lovelace@Example.COM ',
      'ada.lovelace@example.com',
      'ｂｏｂ@ｅｘａｍｐｌｅ.com', // full-width letters: NFKC makes them ASCII
      'carol@example.org',
      'not-an-email',
      '',
      'x@localhost',
      'two words@example.com',
      'a@@example.com',
    ])
    expect(result).toEqual({ accepted: 3, duplicates: 1, invalid: 5 })

    const list = await env.app.inject({ method: 'GET', url: '/api/suppressions', headers: bearer(ada.token) })
    expect(list.statusCode).toBe(200)
    const body = list.json()
    expect(body.total).toBe(3)
    expect(body.items.map((i: any) => i.email).sort()).toEqual([
      'ada.lovelace@example.com',
      'bob@example.com',
      'carol@example.org',
    ])
    expect(body.items.every((i: any) => i.source === 'app' && !Number.isNaN(Date.parse(i.createdAt)))).toBe(true)
  })

  it('is idempotent: the same report again adds nothing and pushes nothing twice', async () => {
    const before = await env.db.pool.query(`SELECT count(*)::int AS n FROM unsubscribe_sync WHERE account_id = $1`, [
      ada.accountId,
    ])
    const again = await reportUnsubscribes(env.app, ada.token, [
      'ADA.LOVELACE@example.com',
      'bob@example.com',
      'carol@example.org',
      'carol@example.org',
    ])
    expect(again).toEqual({ accepted: 0, duplicates: 4, invalid: 0 })
    const after = await env.db.pool.query(`SELECT count(*)::int AS n FROM unsubscribe_sync WHERE account_id = $1`, [
      ada.accountId,
    ])
    expect(after.rows[0].n).toBe(before.rows[0].n)
    const status = await syncStatus(env.app, ada.token)
    expect(status).toMatchObject({
      pending: 3,
      synced: 0,
      failed: 0,
      noMatch: 0,
      total: 3,
      lastPushAt: null,
      lastPullAt: null,
      recentFailures: [],
    })
  })

  it('has the rows committed when it answers 202 (seen from another connection at once)', async () => {
    const emails = Array.from({ length: 500 }, (_, i) => `durable-${i}@example.net`)
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/unsubscribes',
      headers: bearer(ada.token),
      payload: { emails },
    })
    expect(res.statusCode).toBe(202)
    const other = new pg.Client({ connectionString: env.db.url })
    await other.connect()
    try {
      const suppressed = await other.query(
        `SELECT count(*)::int AS n FROM suppressions WHERE account_id = $1 AND email LIKE 'durable-%'`,
        [ada.accountId],
      )
      const pending = await other.query(
        `SELECT count(*)::int AS n FROM unsubscribe_sync WHERE link_id = $1 AND email LIKE 'durable-%' AND status = 'pending'`,
        [ada.linkId],
      )
      expect(suppressed.rows[0].n).toBe(500)
      expect(pending.rows[0].n).toBe(500)
    } finally {
      await other.end()
    }
  })

  it('refuses more than 10,000 addresses and oversized bodies, and needs authentication', async () => {
    const tooMany = await env.app.inject({
      method: 'POST',
      url: '/api/unsubscribes',
      headers: bearer(ada.token),
      payload: { emails: Array.from({ length: 10_001 }, (_, i) => `u${i}@example.com`) },
    })
    expect(tooMany.statusCode).toBe(400)
    expect(tooMany.json().code).toBe('VALIDATION_FAILED')
    const huge = await env.app.inject({
      method: 'POST',
      url: '/api/unsubscribes',
      headers: bearer(ada.token),
      payload: { emails: Array.from({ length: 9_000 }, (_, i) => `${'x'.repeat(240)}${i}@example.com`) },
    })
    expect(huge.statusCode).toBe(413)
    expect(huge.json().code).toBe('BODY_TOO_LARGE')
    const anonymous = await env.app.inject({
      method: 'POST',
      url: '/api/unsubscribes',
      payload: { emails: ['a@example.com'] },
    })
    expect(anonymous.statusCode).toBe(401)
    const notJson = await env.app.inject({
      method: 'POST',
      url: '/api/unsubscribes',
      headers: bearer(ada.token),
      payload: { emails: [42] },
    })
    expect(notJson.statusCode).toBe(400)
  })

  it("keeps each account's list to itself", async () => {
    await reportUnsubscribes(env.app, grace.token, ['grace-only@example.com'])
    const mine = (
      await env.app.inject({ method: 'GET', url: '/api/suppressions?limit=1000', headers: bearer(grace.token) })
    ).json()
    expect(mine.items.map((i: any) => i.email)).toEqual(['grace-only@example.com'])
    const status = await syncStatus(env.app, grace.token)
    expect(status.total).toBe(1)
  })

  it('pages the suppression list', async () => {
    const first = (
      await env.app.inject({ method: 'GET', url: '/api/suppressions?limit=2&offset=0', headers: bearer(ada.token) })
    ).json()
    const second = (
      await env.app.inject({ method: 'GET', url: '/api/suppressions?limit=2&offset=2', headers: bearer(ada.token) })
    ).json()
    expect(first.items).toHaveLength(2)
    expect(second.items).toHaveLength(2)
    expect(first.total).toBe(503)
    expect(new Set([...first.items, ...second.items].map((i: any) => i.email)).size).toBe(4)
    const bad = await env.app.inject({ method: 'GET', url: '/api/suppressions?limit=abc', headers: bearer(ada.token) })
    expect(bad.statusCode).toBe(400)
  })
})

describe('API keys', () => {
  it('shows the key once, lists only its prefix, and audits its creation', async () => {
    const created = await createKey(ada.token, '  Newsletter sender ')
    expect(created.key).toMatch(/^sfl_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/)
    expect(created.key.startsWith(`sfl_${created.prefix}_`)).toBe(true)
    expect(created.name).toBe('Newsletter sender')

    const list = await env.app.inject({ method: 'GET', url: '/api/api-keys', headers: bearer(ada.token) })
    expect(list.statusCode).toBe(200)
    const item = list.json().items.find((i: any) => i.id === created.id)
    expect(item).toEqual({
      id: created.id,
      name: 'Newsletter sender',
      prefix: created.prefix,
      createdAt: created.createdAt,
      lastUsedAt: null,
      revokedAt: null,
    })
    expect(list.body).not.toContain(created.key)

    const stored = await env.db.pool.query(`SELECT key_hash FROM api_keys WHERE id = $1`, [created.id])
    expect(stored.rows[0].key_hash).toHaveLength(32)
    expect(stored.rows[0].key_hash.toString('utf8')).not.toContain(created.key.slice(13))
    const audit = await env.db.pool.query(
      `SELECT event FROM audit_log WHERE account_id = $1 AND event = 'api_key.created'`,
      [ada.accountId],
    )
    expect(audit.rowCount).toBeGreaterThanOrEqual(1)
  })

  it('works for intake and status, not for session-only routes; a revoked or altered key answers 401', async () => {
    const { id, key } = await createKey(ada.token)
    const intake = await env.app.inject({
      method: 'POST',
      url: '/api/unsubscribes',
      headers: bearer(key),
      payload: { emails: ['by-key@example.com'] },
    })
    expect(intake.statusCode).toBe(202)
    expect(intake.json()).toEqual({ accepted: 1, duplicates: 0, invalid: 0 })
    const status = await env.app.inject({ method: 'GET', url: '/api/unsubscribes/status', headers: bearer(key) })
    expect(status.statusCode).toBe(200)
    expect(status.json().total).toBe(504)

    const used = await env.app.inject({ method: 'GET', url: '/api/api-keys', headers: bearer(ada.token) })
    expect(used.json().items.find((i: any) => i.id === id).lastUsedAt).not.toBeNull()

    // A key cannot manage keys or read the list.
    expect((await env.app.inject({ method: 'GET', url: '/api/api-keys', headers: bearer(key) })).statusCode).toBe(401)
    expect((await env.app.inject({ method: 'GET', url: '/api/suppressions', headers: bearer(key) })).statusCode).toBe(
      401,
    )

    const altered = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA')
    const bad = await env.app.inject({ method: 'GET', url: '/api/unsubscribes/status', headers: bearer(altered) })
    expect(bad.statusCode).toBe(401)
    expect(bad.json().code).toBe('API_KEY_INVALID')

    // Another account cannot revoke it.
    expect(
      (await env.app.inject({ method: 'DELETE', url: `/api/api-keys/${id}`, headers: bearer(grace.token) })).statusCode,
    ).toBe(404)

    const revoke = await env.app.inject({ method: 'DELETE', url: `/api/api-keys/${id}`, headers: bearer(ada.token) })
    expect(revoke.statusCode).toBe(204)
    const after = await env.app.inject({
      method: 'POST',
      url: '/api/unsubscribes',
      headers: bearer(key),
      payload: { emails: ['late@example.com'] },
    })
    expect(after.statusCode).toBe(401)
    expect(after.json().code).toBe('API_KEY_INVALID')
    expect(
      (await env.app.inject({ method: 'GET', url: '/api/unsubscribes/status', headers: bearer(key) })).statusCode,
    ).toBe(401)

    const listed = (await env.app.inject({ method: 'GET', url: '/api/api-keys', headers: bearer(ada.token) }))
      .json()
      .items.find((i: any) => i.id === id)
    expect(listed.revokedAt).not.toBeNull()
    // Revoking again is harmless and audits once.
    expect(
      (await env.app.inject({ method: 'DELETE', url: `/api/api-keys/${id}`, headers: bearer(ada.token) })).statusCode,
    ).toBe(204)
    const audit = await env.db.pool.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE event = 'api_key.revoked' AND detail->>'keyId' = $1`,
      [id],
    )
    expect(audit.rows[0].n).toBe(1)
  })

  it('validates names and ids', async () => {
    expect(
      (
        await env.app.inject({
          method: 'POST',
          url: '/api/api-keys',
          headers: bearer(ada.token),
          payload: { name: '   ', password: 'a long app password' },
        })
      ).statusCode,
    ).toBe(400)
    expect(
      (await env.app.inject({ method: 'POST', url: '/api/api-keys', headers: bearer(ada.token), payload: {} }))
        .statusCode,
    ).toBe(400)
    expect(
      (await env.app.inject({ method: 'DELETE', url: '/api/api-keys/not-a-uuid', headers: bearer(ada.token) }))
        .statusCode,
    ).toBe(400)
    expect(
      (
        await env.app.inject({
          method: 'DELETE',
          url: '/api/api-keys/00000000-0000-4000-8000-000000000000',
          headers: bearer(ada.token),
        })
      ).statusCode,
    ).toBe(404)
  })
})
