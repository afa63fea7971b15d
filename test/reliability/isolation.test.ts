/**
 * Account isolation (docs/spec.md §9: every query is scoped to the signed-in account; another
 * account's IDs give 404). Two accounts, each linked to its own Salesforce user through
 * the simulator, each owning connections, an API key, suppressions and a credential.
 * Every `:id` route in the OpenAPI document is called by each account with the other's
 * IDs, through every way it can authenticate; every list route is read by each and must
 * hold nothing of the other's. Routes added later are covered automatically: a new `:id`
 * route must not answer 2xx for a foreign ID.
 */
import crypto from 'node:crypto'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSimApp, linkedAccount, type SimApp } from '../helpers/simulator-app.js'
import { authorizeWithForms } from '@sf-link/simulator/testing'
import { listOperations, sampleRequest, type Operation, type Parameter } from '../helpers/openapi.js'

interface Party {
  label: 'A' | 'B'
  user: { id: string; username: string; password: string; securityToken: string }
  email: string
  tokens: Awaited<ReturnType<typeof linkedAccount>>
  csrf: string
  accountId: string
  linkId: string
  credentialId: string | null
  apiKey: { id: string; key: string; prefix: string; name: string }
  connectionIds: string[]
  connectionName: string
  suppressed: string
}

/** How a party can authenticate on a route: bearer (canvas and standalone), cookie + CSRF, API key. */
type Via = 'canvas' | 'standalone' | 'cookie' | 'api-key'
const VIAS: readonly Via[] = ['canvas', 'standalone', 'cookie', 'api-key']

function authAs(p: Party, via: Via): Pick<InjectOptions, 'headers' | 'cookies'> {
  switch (via) {
    case 'canvas':
      return { headers: { authorization: `Bearer ${p.tokens.canvasToken}` } }
    case 'standalone':
      return { headers: { authorization: `Bearer ${p.tokens.standaloneToken}` } }
    case 'cookie':
      return { cookies: { sfl_session: p.tokens.cookie }, headers: { 'x-csrf-token': p.csrf } }
    case 'api-key':
      return { headers: { authorization: `Bearer ${p.apiKey.key}` } }
  }
}

const isIdParam = (p: Parameter) =>
  !p.schema.enum && !p.schema.anyOf && !p.schema.const && (p.schema.format === 'uuid' || /id$/i.test(p.name))

/** The foreign IDs that fit a route: its own resource's IDs when known, else every ID the other party owns. */
function foreignIdsFor(op: Operation, other: Party): { ids: string[]; known: boolean } {
  if (op.path.startsWith('/api/connections/')) return { ids: other.connectionIds, known: true }
  if (op.path.startsWith('/api/api-keys/')) return { ids: [other.apiKey.id], known: true }
  const all = [
    ...other.connectionIds,
    other.apiKey.id,
    other.accountId,
    other.linkId,
    ...(other.credentialId ? [other.credentialId] : []),
  ]
  return { ids: all, known: false }
}

/** What of `p` must never appear in anything the other party reads. */
function markersOf(p: Party): string[] {
  return [
    ...p.connectionIds,
    p.connectionName,
    p.apiKey.id,
    p.apiKey.prefix,
    p.apiKey.name,
    p.email,
    p.user.id,
    p.user.id.slice(0, 15),
    p.user.username,
    p.suppressed,
    p.accountId,
    p.linkId,
  ]
}

describe('account isolation', () => {
  let t: SimApp
  let ops: Operation[]
  const parties = {} as Record<'A' | 'B', Party>

  async function inject(opts: InjectOptions): Promise<LightMyRequestResponse> {
    return t.app.inject(opts)
  }

  async function setUp(label: 'A' | 'B', user: Party['user']): Promise<Party> {
    const email = `${label.toLowerCase()}-${crypto.randomBytes(3).toString('hex')}@app.test`
    const tokens = await linkedAccount(t.app, t.sim, user.id, email)
    const bearer = { authorization: `Bearer ${tokens.canvasToken}` }
    const accountId = (await inject({ url: '/api/me', headers: bearer })).json().id
    const csrf = (await inject({ url: '/api/csrf', cookies: { sfl_session: tokens.cookie } })).json().csrfToken
    const connectionName = `${label}-PRIVATE-${crypto.randomBytes(4).toString('hex')}`
    const connectionIds: string[] = []
    for (const sobject of ['Contact', 'Lead']) {
      const res = await inject({
        method: 'POST',
        url: '/api/connections',
        headers: bearer,
        payload: { name: connectionName, sobject, fields: ['Email'] },
      })
      expect(res.statusCode).toBe(201)
      connectionIds.push(res.json().id)
    }
    const keyName = `${label}-KEY-${crypto.randomBytes(4).toString('hex')}`
    const key = await inject({
      method: 'POST',
      url: '/api/api-keys',
      headers: bearer,
      payload: { name: keyName, password: 'a long app password' },
    })
    expect(key.statusCode).toBe(201)
    const suppressed = `${label.toLowerCase()}-only-${crypto.randomBytes(4).toString('hex')}@example.com`
    expect(
      (await inject({ method: 'POST', url: '/api/unsubscribes', headers: bearer, payload: { emails: [suppressed] } }))
        .statusCode,
    ).toBe(202)
    const put = await inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: bearer,
      payload: {
        username: user.username,
        password: user.password,
        securityToken: user.securityToken,
        environment: 'production',
      },
    })
    expect(put.statusCode).toBe(200)
    const link = await t.db.pool.query(`SELECT id FROM salesforce_links WHERE account_id = $1`, [accountId])
    const cred = await t.db.pool.query(
      `SELECT id FROM salesforce_credentials WHERE link_id = $1 AND kind = 'password_token'`,
      [link.rows[0].id],
    )
    return {
      label,
      user,
      email,
      tokens,
      csrf,
      accountId,
      linkId: link.rows[0].id,
      credentialId: cred.rows[0]?.id ?? null,
      apiKey: { id: key.json().id, key: key.json().key, prefix: key.json().prefix, name: keyName },
      connectionIds,
      connectionName,
      suppressed,
    }
  }

  /** Everything A and B own, as the database has it, to compare before and after the attempts. */
  async function snapshot(): Promise<unknown> {
    const q = async (sql: string) => (await t.db.pool.query(sql)).rows
    return {
      connections: await q(`SELECT id, account_id, name, sobject, updated_at FROM connections ORDER BY id`),
      apiKeys: await q(`SELECT id, account_id, revoked_at FROM api_keys ORDER BY id`),
      credentials: await q(
        `SELECT id, link_id, kind, version, status FROM salesforce_credentials WHERE kind <> 'canvas' ORDER BY id`,
      ),
      links: await q(`SELECT id, account_id, salesforce_user_id FROM salesforce_links ORDER BY id`),
      suppressions: await q(`SELECT account_id, email FROM suppressions ORDER BY account_id, email`),
    }
  }

  beforeAll(async () => {
    t = await createSimApp({ sim: { canvasRefreshToken: false, data: { contacts: 20, leads: 5, campaigns: 1 } } })
    const [ada, grace] = t.sim.control.users()
    parties.A = await setUp('A', ada!)
    parties.B = await setUp('B', grace!)
    ops = await listOperations(t.app)
  })
  afterAll(async () => {
    await t?.close()
  })

  it('sees the :id routes the contract names (and any added since)', () => {
    const idRoutes = ops.filter((op) => op.pathParams.some(isIdParam)).map((op) => `${op.method} ${op.path}`)
    expect(idRoutes).toEqual(
      expect.arrayContaining([
        'GET /api/connections/{id}',
        'PATCH /api/connections/{id}',
        'DELETE /api/connections/{id}',
        'POST /api/connections/{id}/copy',
        'POST /api/connections/{id}/test',
        'GET /api/connections/{id}/records',
        'DELETE /api/api-keys/{id}',
      ]),
    )
  })

  it("every :id route answers 404 for the other account's IDs, however it authenticates, and changes nothing", async () => {
    const before = await snapshot()
    const wrong: string[] = []
    let attempts = 0
    for (const [me, other] of [
      [parties.B, parties.A],
      [parties.A, parties.B],
    ] as const) {
      for (const op of ops.filter((o) => o.pathParams.some(isIdParam))) {
        const { ids, known } = foreignIdsFor(op, other)
        for (const id of ids) {
          const values = Object.fromEntries(op.pathParams.filter(isIdParam).map((p) => [p.name, id]))
          const { url, payload } = sampleRequest(op, values)
          for (const via of VIAS) {
            const res = await inject({
              method: op.method,
              url,
              payload: payload as InjectOptions['payload'],
              ...authAs(me, via),
            })
            attempts++
            // An API key on a route that takes none is refused before any lookup (401).
            const ok = res.statusCode === 404 || (via === 'api-key' && res.statusCode === 401)
            if (res.statusCode < 300 || (known && !ok) || (!known && res.statusCode < 400)) {
              wrong.push(`${me.label} ${op.method} ${url} via ${via}: ${res.statusCode} ${res.body.slice(0, 120)}`)
            }
            for (const m of markersOf(other).filter((x) => x !== id)) {
              if (res.body.includes(m)) wrong.push(`${me.label} ${op.method} ${url} via ${via} leaks "${m}"`)
            }
          }
        }
      }
    }
    expect(wrong).toEqual([])
    expect(attempts).toBeGreaterThan(100)
    expect(await snapshot()).toEqual(before)
    // The owners still have everything: their own IDs answer 200.
    for (const p of [parties.A, parties.B]) {
      for (const id of p.connectionIds)
        expect((await inject({ url: `/api/connections/${id}`, ...authAs(p, 'standalone') })).statusCode).toBe(200)
      expect((await inject({ url: '/api/unsubscribes/status', ...authAs(p, 'api-key') })).statusCode).toBe(200)
    }
  })

  it("no list or read-only route shows anything of the other account's", async () => {
    const lists = ops.filter((op) => op.method === 'GET' && op.pathParams.length === 0 && op.path.startsWith('/api/'))
    expect(lists.map((op) => op.path)).toEqual(
      expect.arrayContaining([
        '/api/connections',
        '/api/api-keys',
        '/api/suppressions',
        '/api/salesforce/link',
        '/api/me',
      ]),
    )
    const leaks: string[] = []
    let reads = 0
    for (const [me, other] of [
      [parties.B, parties.A],
      [parties.A, parties.B],
    ] as const) {
      for (const op of lists) {
        for (const via of VIAS) {
          const res = await inject({ url: sampleRequest(op).url, ...authAs(me, via) })
          if (res.statusCode !== 200) continue
          reads++
          for (const m of markersOf(other))
            if (res.body.includes(m)) leaks.push(`${me.label} GET ${op.path} via ${via} shows "${m}"`)
        }
      }
      // Control: each sees its own things, so an empty answer would not pass for isolation.
      const mine = (await inject({ url: '/api/connections', ...authAs(me, 'standalone') })).json()
      expect(mine.items.map((c: { id: string }) => c.id).sort()).toEqual([...me.connectionIds].sort())
      const keys = (await inject({ url: '/api/api-keys', ...authAs(me, 'cookie') })).json()
      expect(keys.items.map((k: { id: string }) => k.id)).toEqual([me.apiKey.id])
      const suppressions = (await inject({ url: '/api/suppressions', ...authAs(me, 'canvas') })).json()
      expect(suppressions.items.map((s: { email: string }) => s.email)).toEqual([me.suppressed])
    }
    expect(leaks).toEqual([])
    expect(reads).toBeGreaterThan(10)
  })

  it("B can neither read nor change A's link or credential", async () => {
    const { A, B } = parties
    const before = await snapshot()
    const bView = (await inject({ url: '/api/salesforce/link', ...authAs(B, 'standalone') })).json()
    expect(bView).toMatchObject({
      salesforceUserId: B.user.id,
      credential: { kind: 'password_token', username: B.user.username },
    })
    // B's own credential goes away; A's stays.
    expect(
      (await inject({ method: 'DELETE', url: '/api/salesforce/credentials', ...authAs(B, 'cookie') })).statusCode,
    ).toBe(204)
    const patch = await inject({
      method: 'PATCH',
      url: '/api/salesforce/credentials',
      ...authAs(B, 'standalone'),
      payload: { securityToken: A.user.securityToken },
    })
    expect(patch.statusCode).toBe(404)
    expect(patch.json().code).toBe('CREDENTIAL_NOT_FOUND')
    // A's real Salesforce login, saved by B, is refused: it belongs to another Salesforce user.
    const put = await inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      ...authAs(B, 'canvas'),
      payload: {
        username: A.user.username,
        password: A.user.password,
        securityToken: A.user.securityToken,
        environment: 'production',
      },
    })
    expect(put.statusCode).toBe(422)
    expect(put.json().code).toBe('SF_USER_MISMATCH')
    expect(put.body).not.toContain(A.user.password)
    // Connect with Salesforce from B's session, logging in as A's Salesforce user: refused, nothing stored.
    const ticket = await inject({
      method: 'POST',
      url: '/api/salesforce/oauth/ticket',
      ...authAs(B, 'canvas'),
      payload: {},
    })
    const start = await inject({ url: ticket.json().url })
    const back = await authorizeWithForms(start.headers.location as string, {
      username: A.user.username,
      password: A.user.password,
    })
    // In the window that started the flow (its nonce cookie), as a browser would.
    const nonce = start.cookies.find((c) => c.name.startsWith('sfl_oauth_'))!
    const callback = await inject({
      url: `/oauth/salesforce/callback${back.search}`,
      cookies: { [nonce.name]: nonce.value },
    })
    expect(callback.headers.location).toMatch(/error=(LINK_CONFLICT|SF_USER_MISMATCH)/)
    // A's side is exactly as it was; B lost only its own credential.
    const after = (await snapshot()) as { credentials: Array<{ link_id: string }> }
    const only = (s: unknown, linkId: string) =>
      (s as { credentials: Array<{ link_id: string }> }).credentials.filter((c) => c.link_id === linkId)
    expect(only(after, A.linkId)).toEqual(only(before, A.linkId))
    expect(only(after, B.linkId)).toEqual([])
    const aView = (await inject({ url: '/api/salesforce/link', ...authAs(A, 'standalone') })).json()
    expect(aView).toMatchObject({
      salesforceUserId: A.user.id,
      canConnect: true,
      credential: { kind: 'password_token', status: 'ok' },
    })
    // A link ID from the other account is never used: B's session naming A's link still reaches B's.
    const state = await t.app.services.salesforce.state({ accountId: B.accountId, linkId: A.linkId, canvas: false })
    expect(state.linkId).toBe(B.linkId)
    const who = await t.app.services.salesforce
      .withConnection(
        { accountId: B.accountId, linkId: A.linkId, canvas: true },
        async (conn) => (await conn.identity()).user_id,
      )
      .catch((err: { code?: string }) => err.code)
    expect(who).toBe(B.user.id)
  })
})
