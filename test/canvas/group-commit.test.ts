/**
 * Group commit (server/src/canvas/visit-batcher.ts): canvas visits that arrive together share one
 * statement and one commit, and leave exactly the rows the same visits leave one after another.
 * Two groups of users go through the same story (first visits, half of them sign up, two rounds of
 * returning visits with a re-posted signed request among them): group "seq" one visit at a time,
 * group "con" all at once; every user's rows are then compared with their twin's.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.js'
import { bootstrapOf, conformanceRequest, makeSignedRequest } from '../helpers/canvas.js'

const secret = conformanceRequest().consumerSecret
const USERS = 8
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

type Group = 'seq' | 'con'
const userId = (group: Group, k: number) => `0051t00000${group === 'seq' ? 'S' : 'C'}${String(k).padStart(4, '0')}AAK`
let n = 0
const signed = (group: Group, k: number, round: string) =>
  makeSignedRequest(secret, {
    userId: userId(group, k),
    userName: `user${k}.${round}@${group}.test`,
    fullName: `User ${k} ${round}`,
    oauthToken: `00D!token-${++n}`,
    // The same refresh token each time, as Salesforce sends until it rotates: stored once, compared after.
    refreshToken: `5Aep861-${k}`,
  })

describe('canvas entry: group commit', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({ env: { SALESFORCE_CONSUMER_SECRET: secret } })
  })
  afterAll(async () => {
    await t?.close()
  })

  /** Posts the bodies one after another, or all at once; answers the responses in order. */
  async function visit(group: Group, bodies: string[]) {
    const send = (body: string) => t.app.inject(form(body))
    if (group === 'con') return Promise.all(bodies.map(send))
    const out = []
    for (const body of bodies) out.push(await send(body))
    return out
  }

  /** Everything one user's visits left, without ids, tokens or times. */
  async function rowsOf(group: Group, k: number) {
    const q = async (sql: string, params: unknown[]) => (await t.db.pool.query(sql, params)).rows
    const id = userId(group, k)
    const link = (
      await q(`SELECT id, username, name, email FROM salesforce_links WHERE salesforce_user_id = $1`, [id])
    )[0]
    const pending = await q(
      `SELECT s.ip, s.user_agent, s.expires_at - s.created_at AS ttl,
         (SELECT array_agg(name ORDER BY name) FROM encrypted_secrets e WHERE e.owner_kind = 'canvas' AND e.owner_id = s.id) AS secrets
       FROM sessions s WHERE s.kind = 'pending_link' AND s.pending_identity->>'salesforceUserId' = $1 ORDER BY secrets, s.created_at`,
      [id],
    )
    const pendingAudit = await q(
      `SELECT outcome, detail - 'salesforceUserId' AS detail FROM audit_log WHERE event = 'canvas.visit' AND detail->>'salesforceUserId' = $1 ORDER BY id`,
      [id],
    )
    if (!link) return { link: null, pending, pendingAudit }
    const linkId = link.id
    delete link.id
    return {
      link: { ...link, username: link.username.replace(group, 'G'), email: link.email },
      pending,
      pendingAudit,
      canvasSessions: await q(
        `SELECT ip, expires_at - created_at AS ttl FROM sessions WHERE link_id = $1 AND kind = 'canvas'`,
        [linkId],
      ),
      credentials: await q(
        `SELECT c.kind, c.version, c.status, c.username LIKE '%.' || $2 || '@%' AS current_username,
           (SELECT array_agg(name ORDER BY name) FROM encrypted_secrets e WHERE e.owner_kind = 'credential' AND e.owner_id = c.id) AS secrets
         FROM salesforce_credentials c WHERE c.link_id = $1 ORDER BY c.kind`,
        [linkId, 'r2'],
      ),
      audit: await q(
        `SELECT outcome, detail FROM audit_log WHERE link_id = $1 AND event = 'canvas.visit' ORDER BY id`,
        [linkId],
      ),
      refreshToken: await t.app.services.credentials.secret(
        t.db.pool,
        (await q(`SELECT id FROM salesforce_credentials WHERE link_id = $1 AND kind = 'oauth_refresh'`, [linkId]))[0]
          ?.id,
        'refreshToken',
      ),
    }
  }

  it('concurrent visits share statements and leave the same rows as the same visits one at a time', async () => {
    const users = [...Array(USERS).keys()]
    const statements: Record<Group, number[]> = { seq: [], con: [] }
    const seenCounts: Record<Group, number[]> = { seq: [], con: [] }
    for (const group of ['seq', 'con'] as const) {
      // First visits, one of them re-posted at once (a reload): the same signed request twice.
      const first = users.map((k) => signed(group, k, 'r0'))
      const bodies = [...first, first[0]!]
      const r0 = await countStatements(() => visit(group, bodies))
      statements[group].push(r0.statements)
      for (const res of r0.result) expect(res.statusCode).toBe(200)
      // Half of them sign up from their pending session.
      for (const k of users.slice(0, USERS / 2)) {
        const signup = await t.app.inject({
          method: 'POST',
          url: '/api/auth/signup',
          headers: { authorization: `Bearer ${bootstrapOf(r0.result[k]!.body).token}` },
          payload: { email: `user${k}@${group}.signup.test`, password: 'correct horse battery' },
        })
        expect(signup.statusCode).toBe(201)
      }
      // Two rounds of returning visits: the first teaches the process the canvas credentials.
      for (const round of ['r1', 'r2']) {
        const again = users.map((k) => signed(group, k, round))
        const r = await countStatements(() => visit(group, [...again, again[1]!]))
        statements[group].push(r.statements)
        r.result.forEach((res, i) => {
          expect(res.statusCode).toBe(200)
          expect(bootstrapOf(res.body).linked).toBe((i === USERS ? 1 : i) < USERS / 2)
        })
      }
      seenCounts[group] = (
        await t.db.pool.query(`SELECT seen_count FROM canvas_signed_requests ORDER BY seen_count`)
      ).rows.map((r) => r.seen_count)
      await t.db.pool.query(`DELETE FROM canvas_signed_requests`)
    }

    // One at a time, every visit is at least one statement; together, visits shared statements.
    const visits = USERS + 1
    for (const count of statements.seq) expect(count).toBeGreaterThanOrEqual(visits)
    expect(statements.con[2]!).toBeLessThan(visits)
    expect(statements.con[0]!).toBeLessThan(visits)
    expect(seenCounts.con).toEqual(seenCounts.seq)

    for (const k of users) {
      const seq = await rowsOf('seq', k)
      const con = await rowsOf('con', k)
      if (k < USERS / 2) {
        expect(seq.link).not.toBeNull()
        expect(seq.canvasSessions).toHaveLength(k === 1 ? 5 : 3) // sign-up, two visits (and two re-posts)
        expect(seq.refreshToken).toBe(`5Aep861-${k}`)
      } else {
        expect(seq.link).toBeNull()
        expect(seq.pending).toHaveLength(3)
      }
      expect(con).toEqual(seq)
    }
  })
})
