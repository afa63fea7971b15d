/**
 * Secrets never reach the database in clear or the log (docs/spec.md §9). A whole journey runs
 * against the simulator with pino at `trace` writing into memory: canvas entry carrying a
 * refresh token, signup, PUT credentials (password + token), a wrong attempt, PATCH after
 * a token reset, Connect with Salesforce, a password change, API keys, and Salesforce
 * operations (service and HTTP) with sessions expiring in between. Every secret that
 * existed along the way is collected: the simulator's passwords and tokens, the canvas
 * tokens from the signed request, and every access/refresh token and PKCE verifier the app
 * held (decrypted from encrypted_secrets after each step). Then every text, JSON and bytea
 * column of every table, and every log line, is searched for each of them.
 */
import { Writable } from 'node:stream'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSimApp, type SimApp } from '../helpers/simulator-app.js'
import { bootstrapOf } from '../helpers/canvas.js'
import { authorizeWithForms } from '@sf-link/simulator/testing'
import { loggerOptions } from '../../server/src/logger.js'
import { associatedData } from '../../server/src/crypto/secret-store.js'

/** Shorter values (or common words) would match by chance; every real secret here is longer. */
const MIN_SECRET_LENGTH = 8

/** Forms a leaked secret could take in text: as is, JSON-escaped, URL-encoded, Base64, hex. */
function spellings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8')
  return [
    ...new Set([
      secret,
      JSON.stringify(secret).slice(1, -1),
      encodeURIComponent(secret),
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64url'),
      bytes.toString('hex'),
    ]),
  ]
}

describe('no secret in the database or the log', () => {
  let t: SimApp
  const logLines: string[] = []
  const secrets = new Map<string, string>()

  function keep(label: string, value: unknown): void {
    if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH && !secrets.has(value)) secrets.set(value, label)
  }
  function keepSimulatorUsers(step: string): void {
    for (const u of t.sim.control.users()) {
      keep(`${step}: Salesforce password of ${u.username}`, u.password)
      keep(`${step}: security token of ${u.username}`, u.securityToken)
      keep(`${step}: password + token of ${u.username}`, u.password + u.securityToken)
    }
  }
  /** Every value the app holds encrypted right now (access and refresh tokens, verifiers, canvas tokens). */
  async function keepStoredSecrets(step: string): Promise<void> {
    const { rows } = await t.db.pool.query(
      `SELECT owner_kind, owner_id, name, key_id, ciphertext FROM encrypted_secrets`,
    )
    for (const r of rows)
      keep(
        `${step}: ${r.owner_kind}/${r.name}`,
        t.app.services.box.open(
          { keyId: r.key_id, ciphertext: r.ciphertext },
          associatedData(r.owner_kind, r.owner_id, r.name),
        ),
      )
  }

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...String(chunk).split('\n').filter(Boolean))
        done()
      },
    })
    t = await createSimApp({
      logger: pino(loggerOptions('trace'), destination),
      sim: { canvasRefreshToken: true, data: { contacts: 25, leads: 5, campaigns: 1 } },
    })
    keep('consumer secret', t.sim.consumerSecret)
    keep('session secret', t.config.sessionSecret)
    for (const k of t.config.encryptionKeys ?? []) keep(`encryption key ${k.id}`, k.key.toString('base64'))
  })
  afterAll(async () => {
    await t?.close()
  })

  it('runs the whole journey, then finds none of its secrets in any column of any table or in any log line', async () => {
    const { app, sim } = t
    const ada = sim.control.users()[0]!
    keepSimulatorUsers('start')

    // 1. First visit inside Salesforce: the signed request carries an OAuth token and a refresh token.
    const signedRequest = sim.control.signedRequest(ada.id)
    const canvasPayload = JSON.parse(Buffer.from(signedRequest.split('.')[1]!, 'base64').toString('utf8'))
    keep('canvas oauthToken', canvasPayload.client.oauthToken)
    keep('canvas refreshToken', canvasPayload.client.refreshToken)
    expect(canvasPayload.client.refreshToken).toEqual(expect.any(String))
    const entry = await app.inject({
      method: 'POST',
      url: '/canvas',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `signed_request=${encodeURIComponent(signedRequest)}`,
    })
    expect(entry.statusCode).toBe(200)
    const pending = bootstrapOf(entry.body).token
    keep('pending-link session token', pending)
    await keepStoredSecrets('canvas entry')

    // 2. Signup inside the iframe (links), then a standalone login.
    const appPassword = 'App-Password-Never-Logged-42'
    keep('app password', appPassword)
    const signup = await app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { authorization: `Bearer ${pending}` },
      payload: { email: 'secrets@app.test', password: appPassword },
    })
    expect(signup.statusCode).toBe(201)
    const canvasToken = signup.json().token
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'secrets@app.test', password: appPassword },
    })
    expect(login.statusCode).toBe(200)
    const bearer = { authorization: `Bearer ${login.json().token}` }
    const cookie = login.cookies.find((c) => c.name === 'sfl_session')!.value
    keep('canvas session token', canvasToken)
    keep('standalone session token', login.json().token)
    keep('session cookie', cookie)
    const wrongLogin = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'secrets@app.test', password: 'Wrong-App-Password-Typo-43' },
    })
    expect(wrongLogin.statusCode).toBe(401)
    keep('mistyped app password', 'Wrong-App-Password-Typo-43')
    const accountId = (await app.inject({ url: '/api/me', headers: bearer })).json().id
    await keepStoredSecrets('signup')

    // 3. Username + password + token, after a wrong attempt.
    const wrong = await app.inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: bearer,
      payload: {
        username: ada.username,
        password: `${ada.password}-typo`,
        securityToken: ada.securityToken,
        environment: 'production',
      },
    })
    expect(wrong.json().code).toBe('SF_INVALID_LOGIN')
    keep('mistyped Salesforce password', `${ada.password}-typo`)
    const put = await app.inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: bearer,
      payload: {
        username: ada.username,
        password: ada.password,
        securityToken: ada.securityToken,
        environment: 'production',
      },
    })
    expect(put.statusCode).toBe(200)
    await keepStoredSecrets('PUT credentials')

    // 4. Token reset in Salesforce; the next login fails; PATCH the new token.
    const newToken = sim.control.resetToken(ada.id)
    keepSimulatorUsers('token reset')
    sim.control.expireSessions()
    const patch = await app.inject({
      method: 'PATCH',
      url: '/api/salesforce/credentials',
      headers: bearer,
      payload: { securityToken: newToken },
    })
    expect(patch.statusCode).toBe(200)
    await keepStoredSecrets('PATCH token')

    // 5. Connect with Salesforce (web-server flow with PKCE).
    const start = await app.inject({ url: '/oauth/salesforce/start', cookies: { sfl_session: cookie } })
    expect(start.statusCode).toBe(302)
    await keepStoredSecrets('OAuth start') // the PKCE code verifier
    const back = await authorizeWithForms(start.headers.location as string, {
      username: ada.username,
      password: ada.password,
    })
    keep('OAuth authorization code', back.searchParams.get('code'))
    const nonce = start.cookies.find((c) => c.name.startsWith('sfl_oauth_'))!
    keep('OAuth browser nonce', nonce.value)
    const callback = await app.inject({
      url: `/oauth/salesforce/callback${back.search}`,
      cookies: { [nonce.name]: nonce.value },
    })
    expect(callback.headers.location).toBe('/#/settings/link-accounts?connected=1')
    await keepStoredSecrets('OAuth callback')
    // Connect with Salesforce works: the password and security token stored before it are deleted.
    const kinds = await t.db.pool.query(`SELECT kind FROM salesforce_credentials ORDER BY kind`)
    expect(kinds.rows.map((r) => r.kind)).not.toContain('password_token')

    // 6. Salesforce operations, through the service and through HTTP, with sessions dying in between.
    const soql = 'SELECT Id, Email FROM Contact LIMIT 5'
    for (const canvas of [false, true, false]) {
      sim.control.expireSessions()
      await app.services.salesforce
        .withConnection({ accountId, canvas }, async (conn) => (await conn.query(soql)).records)
        .catch(() => [])
      await keepStoredSecrets(`withConnection canvas=${canvas}`)
    }
    const key = await app.inject({
      method: 'POST',
      url: '/api/api-keys',
      headers: bearer,
      payload: { name: 'mailer', password: appPassword },
    })
    expect(key.statusCode).toBe(201)
    keep('API key', key.json().key)
    const created = await app.inject({
      method: 'POST',
      url: '/api/connections',
      headers: bearer,
      payload: { name: 'Everyone', sobject: 'Contact', fields: ['Email', 'FirstName'] },
    })
    expect(created.statusCode).toBe(201)
    const id = created.json().id
    expect((await app.inject({ method: 'POST', url: `/api/connections/${id}/test`, headers: bearer })).statusCode).toBe(
      200,
    )
    sim.control.expireSessions()
    const pulled = await app.inject({
      url: `/api/connections/${id}/records?format=csv`,
      headers: { authorization: `Bearer ${key.json().key}` },
    })
    expect(pulled.statusCode).toBe(200)
    expect((await app.inject({ url: '/api/salesforce/describe/Lead', headers: bearer })).statusCode).toBe(200)
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/unsubscribes',
          headers: { authorization: `Bearer ${key.json().key}` },
          payload: { emails: ['gone@example.com'] },
        })
      ).statusCode,
    ).toBe(202)
    await keepStoredSecrets('operations')

    // 6b. Salesforce failing mid-flight: errors (with their jsforce causes) reach the log at warn.
    sim.control.addFault({ pathPrefix: '/services/Soap/u', status: 500, count: 1 })
    const soapDown = await app.inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: bearer,
      payload: { username: ada.username, password: ada.password, securityToken: newToken, environment: 'production' },
    })
    expect(soapDown.statusCode).toBeGreaterThanOrEqual(500)
    sim.control.addFault({
      pathPrefix: '/services/data',
      status: 400,
      body: [{ errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Refused' }],
      count: -1,
    })
    const restRefused = await app.inject({ method: 'POST', url: `/api/connections/${id}/test`, headers: bearer })
    expect(restRefused.statusCode).toBe(502)
    sim.control.clearFaults()
    expect(logLines.some((l) => l.includes('"level":40'))).toBe(true)

    // 7. A password change in Salesforce: the new password and token stored again (after Connect with
    // Salesforce deleted the old ones, a deliberate choice that stays); at the end the credentials are forgotten.
    const changedToken = sim.control.changePassword(ada.id, 'Brand-New-Salesforce-Pw-7')
    keepSimulatorUsers('password change')
    const patch2 = await app.inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: bearer,
      payload: {
        username: ada.username,
        password: 'Brand-New-Salesforce-Pw-7',
        securityToken: changedToken,
        environment: 'production',
      },
    })
    expect(patch2.statusCode).toBe(200)
    await keepStoredSecrets('PUT new password')
    sim.control.expireSessions()
    await app.services.salesforce.withConnection(
      { accountId, canvas: false },
      async (conn) => (await conn.query(soql)).totalSize,
    )
    await keepStoredSecrets('after password change')
    expect(
      (await app.inject({ method: 'DELETE', url: '/api/salesforce/credentials', headers: bearer })).statusCode,
    ).toBe(204)

    // What was collected is real: passwords, tokens from every source, several access tokens.
    const labels = [...secrets.values()]
    for (const kind of [
      'Salesforce password',
      'security token',
      'canvas refreshToken',
      'credential/accessToken',
      'credential/refreshToken',
      'oauth_state/codeVerifier',
      'API key',
      'app password',
    ]) {
      expect(
        labels.some((l) => l.includes(kind)),
        kind,
      ).toBe(true)
    }
    expect(labels.filter((l) => l.includes('accessToken')).length).toBeGreaterThanOrEqual(4)
    // Two lines (incoming, completed) per request at least.
    expect(logLines.filter((l) => l.includes('"msg":"request completed"')).length).toBeGreaterThanOrEqual(18)
    expect(t.app.log.level).toBe('trace')

    const hits = await scan()
    expect(hits).toEqual([])
  })

  it('the scan finds a secret when one is planted (in a column and in a log line)', async () => {
    const canary = 'CanarySecretValue-1234567890'
    keep('canary', canary)
    await t.db.pool.query(`INSERT INTO audit_log (event, outcome, detail) VALUES ('test.canary', 'success', $1)`, [
      { note: Buffer.from(canary).toString('base64') },
    ])
    t.app.log.info({ note: canary }, 'canary')
    const hits = await scan()
    expect(hits.filter((h) => h.includes('canary'))).toHaveLength(2)
    expect(hits.every((h) => h.includes('canary'))).toBe(true)
  })

  /** Every place any collected secret appears, in any spelling: `table.column` or `log line n`. */
  async function scan(): Promise<string[]> {
    const hits: string[] = []
    const needles = [...secrets].flatMap(([value, label]) =>
      spellings(value).map((s) => ({ s, bytes: Buffer.from(value, 'utf8'), label })),
    )
    const { rows: columns } = await t.db.pool.query(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE')
         AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY', 'USER-DEFINED')
       ORDER BY table_name, column_name`,
    )
    expect(columns.map((c) => `${c.table_name}.${c.column_name}`)).toEqual(
      expect.arrayContaining([
        'encrypted_secrets.ciphertext',
        'audit_log.detail',
        'salesforce_credentials.username',
        'sessions.pending_identity',
      ]),
    )
    for (const c of columns) {
      const bytea = c.data_type === 'bytea'
      const { rows } = await t.db.pool.query(
        `SELECT ${bytea ? `"${c.column_name}"` : `"${c.column_name}"::text`} AS v FROM "${c.table_name}" WHERE "${c.column_name}" IS NOT NULL`,
      )
      for (const { v } of rows) {
        for (const n of needles) {
          const found = bytea
            ? (v as Buffer).includes(n.bytes) || (v as Buffer).toString('latin1').includes(n.s)
            : String(v).includes(n.s)
          if (found) hits.push(`${c.table_name}.${c.column_name} holds ${n.label}`)
        }
      }
    }
    logLines.forEach((line, i) => {
      for (const n of needles)
        if (line.includes(n.s)) hits.push(`log line ${i} holds ${n.label}: ${line.slice(0, 200)}`)
    })
    return [...new Set(hits)]
  }
})
