/**
 * SIGKILL in the middle of credential updates (and unsubscribe intake), then a restart:
 * nothing acknowledged is lost and nothing is half-written.
 *
 * The server runs as a child process on its own database; the Salesforce simulator runs in
 * this test process (SALESFORCE_EXTRA_HOSTS lets the server accept it outside demo mode).
 *
 * 1. Deterministic: this test holds a row lock that a PATCH (new token) and a PUT (new
 *    password and token) must wait for *inside their transactions*: the PATCH has already
 *    replaced the token's ciphertext when it waits on the credential row; the PUT has
 *    already bumped the credential row when it waits to replace the secrets. The server is
 *    killed right there. After the restart each credential is exactly as last acknowledged.
 * 2. Random: token resets and PATCHes for two users and unsubscribe intake for a third run
 *    flat out; the server is killed at a seeded random moment. After the restart every
 *    acknowledged value is stored (or the one in flight, never anything else), every
 *    acknowledged address is on the suppression list with its push pending, and the
 *    restarted worker pushes them to Salesforce.
 *
 * After every restart: every secret row's key ID is a configured key and it decrypts for
 * its row; no credential lacks its secrets; no secret belongs to a missing credential.
 * Needs DATABASE_URL: the embedded Postgres would die with the killed process.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, realDatabaseUrl, type TestDatabase } from '../helpers/database.js'
import { testKeys } from '../helpers/config.js'
import { bootstrapOf } from '../helpers/canvas.js'
import { createSalesforceSimulator, type SalesforceSimulator } from '@sf-link/simulator'
import { parseEncryptionKeys } from '../../server/src/config.js'
import { createSecretBox } from '../../server/src/crypto/secret-box.js'
import { associatedData } from '../../server/src/crypto/secret-store.js'
import { createPool, type Pool, type PoolClient } from '../../server/src/db/pool.js'
import { freePort, startChildServer, type ChildServer } from '../helpers/child-server.js'

const SEED = 9_411
const REASON = 'crash tests need DATABASE_URL (a real Postgres): the embedded one lives inside the process they kill'

interface Party {
  user: { id: string; username: string; password: string; securityToken: string }
  token: string
  accountId: string
  linkId: string
  credentialId: string
  /** Last acknowledged password and security token. */
  acked: { password: string; securityToken: string }
}

/** mulberry32: a tiny seeded PRNG, so the kill moment replays. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe.skipIf(!realDatabaseUrl())(
  `SIGKILL during credential updates${realDatabaseUrl() ? '' : ` (skipped: ${REASON})`}`,
  () => {
    const keys = testKeys()
    const box = createSecretBox(parseEncryptionKeys(keys.ENCRYPTION_KEYS, []))
    const random = prng(SEED)
    let sim: SalesforceSimulator
    let db: TestDatabase
    /** The test's own connections, named apart from the server's in pg_stat_activity. */
    let inspect: Pool
    let server: ChildServer | null = null
    let port: number
    let dataDir: string
    let ip = 0
    const parties: Party[] = []

    const env = (): Record<string, string> => ({
      APP_MODE: 'development',
      DATABASE_URL: db.url,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      SALESFORCE_LOGIN_URL: sim.url,
      SALESFORCE_CONSUMER_KEY: sim.consumerKey,
      SALESFORCE_CONSUMER_SECRET: sim.consumerSecret,
      SALESFORCE_EXTRA_HOSTS: new URL(sim.url).host,
      ENCRYPTION_KEYS: keys.ENCRYPTION_KEYS,
      SESSION_SECRET: keys.SESSION_SECRET,
      LOG_LEVEL: 'silent',
      // Each request names its own client address, so the per-IP limit on credential routes stays out of the way.
      TRUST_PROXY: 'true',
      DATA_DIR: dataDir,
    })

    async function call(
      method: string,
      url: string,
      opts: { token?: string; body?: unknown; form?: string } = {},
    ): Promise<{ status: number; json: any; text: string }> {
      const headers: Record<string, string> = { 'x-forwarded-for': `10.1.${(ip >> 8) & 255}.${ip++ & 255}` }
      if (opts.token) headers.authorization = `Bearer ${opts.token}`
      let body: string | undefined
      if (opts.form !== undefined) {
        headers['content-type'] = 'application/x-www-form-urlencoded'
        body = opts.form
      } else if (opts.body !== undefined) {
        headers['content-type'] = 'application/json'
        body = JSON.stringify(opts.body)
      }
      const res = await fetch(`${server!.url}${url}`, { method, headers, body })
      const text = await res.text()
      let json: any = null
      try {
        json = JSON.parse(text)
      } catch {
        // HTML (the canvas page)
      }
      return { status: res.status, json, text }
    }

    async function credential(
      p: Party,
    ): Promise<{ version: number; status: string; password: string | null; securityToken: string | null }> {
      const { rows } = await inspect.query(
        `SELECT id, version, status FROM salesforce_credentials WHERE link_id = $1 AND kind = 'password_token'`,
        [p.linkId],
      )
      expect(rows, `the acknowledged credential of ${p.user.username} is there`).toHaveLength(1)
      const secret = async (name: string) => {
        const r = await inspect.query(
          `SELECT key_id, ciphertext FROM encrypted_secrets WHERE owner_kind = 'credential' AND owner_id = $1 AND name = $2`,
          [rows[0].id, name],
        )
        return r.rows[0]
          ? box.open(
              { keyId: r.rows[0].key_id, ciphertext: r.rows[0].ciphertext },
              associatedData('credential', rows[0].id, name),
            )
          : null
      }
      return {
        version: rows[0].version,
        status: rows[0].status,
        password: await secret('password'),
        securityToken: await secret('securityToken'),
      }
    }

    async function forgetProvingLimits(): Promise<void> {
      await inspect.query(`DELETE FROM rate_limit_hits WHERE key LIKE 'prove:%'`)
    }

    /** What must hold after any crash, for every row, not only the ones this test touched. */
    async function halfWritten(): Promise<string[]> {
      const problems: string[] = []
      const secrets = await inspect.query(
        `SELECT owner_kind, owner_id, name, key_id, ciphertext FROM encrypted_secrets`,
      )
      for (const s of secrets.rows) {
        if (!box.hasKey(s.key_id))
          problems.push(`secret ${s.owner_kind}/${s.owner_id}/${s.name} has unknown key_id ${s.key_id}`)
        else {
          try {
            box.open({ keyId: s.key_id, ciphertext: s.ciphertext }, associatedData(s.owner_kind, s.owner_id, s.name))
          } catch {
            problems.push(`secret ${s.owner_kind}/${s.owner_id}/${s.name} does not decrypt`)
          }
        }
      }
      const orphans = await inspect.query(
        `SELECT s.owner_id, s.name FROM encrypted_secrets s WHERE s.owner_kind = 'credential' AND NOT EXISTS (SELECT 1 FROM salesforce_credentials c WHERE c.id = s.owner_id)`,
      )
      for (const o of orphans.rows) problems.push(`secret ${o.name} of missing credential ${o.owner_id}`)
      const bare = await inspect.query(
        `SELECT c.id, c.kind FROM salesforce_credentials c WHERE NOT EXISTS (
         SELECT 1 FROM encrypted_secrets s WHERE s.owner_kind = 'credential' AND s.owner_id = c.id
           AND s.name = CASE c.kind WHEN 'password_token' THEN 'password' WHEN 'oauth_refresh' THEN 'refreshToken' WHEN 'canvas' THEN 'accessToken' ELSE s.name END)`,
      )
      for (const b of bare.rows)
        if (b.kind !== 'jwt_bearer') problems.push(`${b.kind} credential ${b.id} has no secret`)
      const unlinked = await inspect.query(
        `SELECT count(*)::int AS n FROM salesforce_links l WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = l.account_id)`,
      )
      if (unlinked.rows[0].n > 0) problems.push(`${unlinked.rows[0].n} links without an account`)
      for (const p of parties) {
        const link = await inspect.query(`SELECT 1 FROM salesforce_links WHERE id = $1 AND account_id = $2`, [
          p.linkId,
          p.accountId,
        ])
        if (link.rowCount !== 1) problems.push(`the acknowledged link of ${p.user.username} is gone`)
      }
      return problems
    }

    /** Once the server is dead, its backends end (a blocked one as soon as it runs into the closed socket). */
    async function waitForServerBackendsGone(): Promise<void> {
      const deadline = Date.now() + 10_000
      for (;;) {
        const { rows } = await inspect.query(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name IN ('sf-link', 'sf-link-jobs')`,
        )
        if (rows.length === 0) return
        if (Date.now() > deadline) {
          // Postgres notices dead clients late (keepalive); ending them is what it would do.
          await inspect.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name IN ('sf-link', 'sf-link-jobs')`,
          )
          return
        }
        await new Promise((r) => setTimeout(r, 50))
      }
    }

    async function waitForBlockedServerQuery(pattern: RegExp, what: string): Promise<void> {
      const deadline = Date.now() + 20_000
      for (;;) {
        const { rows } = await inspect.query(
          `SELECT query FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'sf-link' AND wait_event_type = 'Lock'`,
        )
        if (rows.some((r) => pattern.test(r.query))) return
        if (Date.now() > deadline)
          throw new Error(
            `${what} never reached the locked row: has its transaction changed? (waiting: ${JSON.stringify(rows)})`,
          )
        await new Promise((r) => setTimeout(r, 20))
      }
    }

    async function restart(): Promise<void> {
      await waitForServerBackendsGone()
      server = await startChildServer(env(), { port })
    }

    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sflink-crash-'))
      sim = await createSalesforceSimulator({
        canvasRefreshToken: false,
        data: { contacts: 80, leads: 5, campaigns: 1, optedOutFraction: 0 },
      })
      sim.control.createUser({
        username: 'linus@demo.sflink.test',
        password: 'Torvalds-1969!',
        firstName: 'Linus',
        lastName: 'Torvalds',
      })
      db = await createTestDatabase({ migrate: false })
      inspect = createPool({ connectionString: db.url, max: 4, applicationName: 'crash-test' })
      port = await freePort()
      server = await startChildServer(env(), { port })
      for (const [i, user] of sim.control.users().entries()) {
        const entry = await call('POST', '/canvas', {
          form: `signed_request=${encodeURIComponent(sim.control.signedRequest(user.id))}`,
        })
        expect(entry.status).toBe(200)
        const signup = await call('POST', '/api/auth/signup', {
          token: bootstrapOf(entry.text).token,
          body: { email: `crash${i}@app.test`, password: 'a long app password' },
        })
        expect(signup.status).toBe(201)
        const token = signup.json.token
        const put = await call('PUT', '/api/salesforce/credentials', {
          token,
          body: {
            username: user.username,
            password: user.password,
            securityToken: user.securityToken,
            environment: 'production',
          },
        })
        expect(put.status).toBe(200)
        const accountId = (await call('GET', '/api/me', { token })).json.id
        const link = await inspect.query(`SELECT id FROM salesforce_links WHERE account_id = $1`, [accountId])
        const cred = await inspect.query(
          `SELECT id FROM salesforce_credentials WHERE link_id = $1 AND kind = 'password_token'`,
          [link.rows[0].id],
        )
        parties.push({
          user,
          token,
          accountId,
          linkId: link.rows[0].id,
          credentialId: cred.rows[0].id,
          acked: { password: user.password, securityToken: user.securityToken },
        })
      }
      expect(parties).toHaveLength(3)
    })

    afterAll(async () => {
      await server?.stop()
      await inspect?.end()
      await db?.close()
      await sim?.close()
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
    })

    it('killed while a PATCH and a PUT wait inside their transactions: after the restart both credentials are exactly as last acknowledged', async () => {
      const [ada, grace] = parties as [Party, Party]
      const adaBefore = await credential(ada)
      const graceBefore = await credential(grace)
      expect(adaBefore).toMatchObject(ada.acked)
      expect(graceBefore).toMatchObject(grace.acked)

      const adaToken = sim.control.resetToken(ada.user.id)
      const gracePassword = 'Grace-New-Password-2026'
      const graceToken = sim.control.changePassword(grace.user.id, gracePassword)
      const locks: PoolClient[] = [await inspect.connect(), await inspect.connect()]
      await locks[0]!.query('BEGIN')
      await locks[0]!.query(`SELECT 1 FROM salesforce_credentials WHERE id = $1 FOR UPDATE`, [ada.credentialId])
      await locks[1]!.query('BEGIN')
      await locks[1]!.query(
        `SELECT 1 FROM encrypted_secrets WHERE owner_kind = 'credential' AND owner_id = $1 FOR UPDATE`,
        [grace.credentialId],
      )

      let acknowledged = 0
      const patch = call('PATCH', '/api/salesforce/credentials', {
        token: ada.token,
        body: { securityToken: adaToken },
      }).then(
        () => acknowledged++,
        () => {},
      )
      const put = call('PUT', '/api/salesforce/credentials', {
        token: grace.token,
        body: {
          username: grace.user.username,
          password: gracePassword,
          securityToken: graceToken,
          environment: 'production',
        },
      }).then(
        () => acknowledged++,
        () => {},
      )
      // The PATCH has replaced the token's ciphertext and waits to bump the credential's version;
      // the PUT has bumped the credential row and waits to replace its secrets.
      await waitForBlockedServerQuery(/version = version \+ 1/, 'the PATCH')
      await waitForBlockedServerQuery(/DELETE FROM encrypted_secrets/i, 'the PUT')
      await server!.kill()
      await Promise.all([patch, put])
      expect(acknowledged).toBe(0)
      for (const lock of locks) {
        await lock.query('ROLLBACK')
        lock.release()
      }

      await restart()
      expect(await halfWritten()).toEqual([])
      expect(await credential(ada)).toEqual(adaBefore)
      expect(await credential(grace)).toEqual(graceBefore)

      // The client tries again: now it is acknowledged, and stored.
      expect(
        (await call('PATCH', '/api/salesforce/credentials', { token: ada.token, body: { securityToken: adaToken } }))
          .status,
      ).toBe(200)
      ada.acked = { password: ada.user.password, securityToken: adaToken }
      const again = await call('PUT', '/api/salesforce/credentials', {
        token: grace.token,
        body: {
          username: grace.user.username,
          password: gracePassword,
          securityToken: graceToken,
          environment: 'production',
        },
      })
      expect(again.status).toBe(200)
      grace.acked = { password: gracePassword, securityToken: graceToken }
      expect(await credential(ada)).toMatchObject({ ...ada.acked, version: adaBefore.version + 1, status: 'ok' })
      expect(await credential(grace)).toMatchObject({ ...grace.acked, status: 'ok' })
      expect(await halfWritten()).toEqual([])
    })

    it('killed at a random moment amid token updates and unsubscribe intake: every acknowledged value survives, and the restarted worker pushes the addresses', async () => {
      const [ada, grace, linus] = parties as [Party, Party, Party]
      const inFlight = new Map<Party, string>()
      const acks = new Map<Party, number>([
        [ada, 0],
        [grace, 0],
      ])
      const ackedEmails: string[] = []
      let sentEmails: string[] = []
      let dead = false

      /** Answers other than the expected one, while the server was alive (a network error is the kill). */
      const refused: string[] = []
      async function tokenLoop(p: Party): Promise<void> {
        while (!dead) {
          const token = sim.control.resetToken(p.user.id)
          inFlight.set(p, token)
          let res: Awaited<ReturnType<typeof call>>
          try {
            res = await call('PATCH', '/api/salesforce/credentials', { token: p.token, body: { securityToken: token } })
          } catch {
            return // the server is gone: this one was never acknowledged
          }
          if (res.status !== 200) {
            refused.push(`PATCH ${res.status} ${res.text.slice(0, 100)}`)
            return
          }
          p.acked = { ...p.acked, securityToken: token }
          acks.set(p, acks.get(p)! + 1)
        }
      }
      const contactEmails = [...new Set(sim.control.records('Contact').map((r) => String(r.Email)))]
      async function intakeLoop(): Promise<void> {
        for (let i = 0; !dead && i < contactEmails.length; i += 4) {
          const batch = contactEmails.slice(i, i + 4)
          sentEmails = [...sentEmails, ...batch]
          let res: Awaited<ReturnType<typeof call>>
          try {
            res = await call('POST', '/api/unsubscribes', { token: linus.token, body: { emails: batch } })
          } catch {
            return
          }
          if (res.status !== 202) {
            refused.push(`intake ${res.status} ${res.text.slice(0, 100)}`)
            return
          }
          ackedEmails.push(...batch)
        }
      }
      // Proving is limited to 5 logins per 15 minutes per username (test/reliability/credential-proving.test.ts);
      // these loops prove tokens as fast as they can on purpose, so the counters are kept empty meanwhile.
      const limitsOff = setInterval(() => void forgetProvingLimits().catch(() => {}), 20)
      const loops = [tokenLoop(ada), tokenLoop(grace), intakeLoop()]
      // Once every loop has been acknowledged at least once, kill at a seeded random moment.
      while (
        refused.length === 0 &&
        ((acks.get(ada) ?? 0) < 1 || (acks.get(grace) ?? 0) < 1 || ackedEmails.length === 0)
      )
        await new Promise((r) => setTimeout(r, 10))
      await new Promise((r) => setTimeout(r, Math.floor(random() * 400)))
      dead = true
      await server!.kill()
      await Promise.all(loops)
      clearInterval(limitsOff)
      expect(refused).toEqual([])

      await restart()
      expect(await halfWritten()).toEqual([])
      for (const p of [ada, grace]) {
        const stored = await credential(p)
        expect(stored.status).toBe('ok')
        expect(stored.password).toBe(p.acked.password)
        // The last acknowledged token, or the one whose answer the kill cut off; nothing older.
        expect([p.acked.securityToken, inFlight.get(p)]).toContain(stored.securityToken)
      }
      const { rows } = await inspect.query(
        `SELECT s.email, u.status FROM suppressions s LEFT JOIN unsubscribe_sync u ON u.account_id = s.account_id AND u.email = s.email AND u.link_id = $2
       WHERE s.account_id = $1`,
        [linus.accountId, linus.linkId],
      )
      const onList = new Map(rows.map((r) => [r.email, r.status]))
      for (const email of ackedEmails) expect(onList.has(email), `${email} was acknowledged`).toBe(true)
      for (const email of ackedEmails) expect(onList.get(email), `${email} has its push`).not.toBeNull()
      // Only what was sent can be there (an unacknowledged batch may or may not have committed).
      for (const email of onList.keys()) expect(sentEmails).toContain(email)

      // The restarted worker pushes every acknowledged address to Salesforce ("Sync now" saves waiting for the sweep).
      expect((await call('POST', '/api/unsubscribes/sync', { token: linus.token })).status).toBe(202)
      const deadline = Date.now() + 40_000
      for (;;) {
        const pending = await inspect.query(
          `SELECT count(*)::int AS n FROM unsubscribe_sync WHERE link_id = $1 AND status = 'pending'`,
          [linus.linkId],
        )
        if (pending.rows[0].n === 0) break
        if (Date.now() > deadline) throw new Error(`${pending.rows[0].n} addresses still pending after the restart`)
        await new Promise((r) => setTimeout(r, 250))
      }
      for (const email of ackedEmails) {
        const records = sim.control.records('Contact', { email })
        expect(records.length, email).toBeGreaterThan(0)
        expect(
          records.every((r) => r.HasOptedOutOfEmail === true),
          `${email} opted out in Salesforce`,
        ).toBe(true)
      }
      // The credentials still work after the crash: each party saves its current token once more.
      await forgetProvingLimits()
      for (const p of [ada, grace]) {
        const res = await call('PATCH', '/api/salesforce/credentials', {
          token: p.token,
          body: { securityToken: sim.control.user(p.user.id).securityToken },
        })
        expect(res.status).toBe(200)
      }
      expect(await halfWritten()).toEqual([])
    })
  },
)
