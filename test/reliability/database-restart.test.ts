/**
 * Postgres restarts under light load (a private cluster: the shared one on 5432 serves the
 * other test files). A stream of signups and readiness probes runs while the database is
 * restarted, then stopped and started again: /readyz turns 503 while it is away and 200 by
 * itself once it is back, the app takes writes again without any help, and every signup
 * acknowledged with a 2xx is in the database afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.js'
import { createPool } from '../../server/src/db/pool.js'
import { runMigrations } from '../../server/src/db/migrate.js'
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js'

const unavailable = privatePostgresUnavailable()

describe.skipIf(unavailable !== null)(
  `database restart under load${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let pg: PrivatePostgres
    let t: TestApp

    beforeAll(async () => {
      pg = await startPrivatePostgres()
      const pool = createPool({ connectionString: pg.url, max: 6 })
      const client = await pool.connect()
      try {
        await runMigrations(client)
      } finally {
        client.release()
      }
      t = await createTestApp({ db: { url: pg.url, pool, embedded: false, close: () => pool.end() } })
    })
    afterAll(async () => {
      await t?.close()
      await t?.db.close()
      await pg?.destroy()
    })

    it('/readyz goes 503 and back to 200 by itself; every acknowledged write survives', async () => {
      const acked: string[] = []
      const failed: number[] = []
      const readiness: Array<{ at: number; status: number }> = []
      let stop = false
      let n = 0

      // About ten signups a second (argon2 sets the pace), each from its own address (the per-IP limit is not under test).
      const writer = (async () => {
        while (!stop) {
          const i = n++
          const email = `restart-${i}@app.test`
          const res = await t.app.inject({
            method: 'POST',
            url: '/api/auth/signup',
            payload: { email, password: 'a long enough password' },
            remoteAddress: `10.9.${i >> 8}.${i & 255}`,
          })
          if (res.statusCode >= 200 && res.statusCode < 300) acked.push(email)
          else failed.push(res.statusCode)
          await new Promise((r) => setTimeout(r, 50))
        }
      })()
      const prober = (async () => {
        while (!stop) {
          const res = await t.app.inject({ url: '/readyz' })
          readiness.push({ at: Date.now(), status: res.statusCode })
          await new Promise((r) => setTimeout(r, 50))
        }
      })()
      const ackedBy = async (count: number) => {
        const deadline = Date.now() + 20_000
        while (acked.length < count) {
          if (Date.now() > deadline)
            throw new Error(
              `only ${acked.length} writes acknowledged (wanted ${count}); failures: ${failed.slice(-5).join(',')}`,
            )
          await new Promise((r) => setTimeout(r, 50))
        }
      }
      const readyIs = async (status: number, since: number) => {
        const deadline = Date.now() + 20_000
        while (!readiness.some((r) => r.at >= since && r.status === status)) {
          if (Date.now() > deadline) throw new Error(`/readyz never answered ${status}`)
          await new Promise((r) => setTimeout(r, 25))
        }
      }

      try {
        await ackedBy(3)
        // A quick restart: the pool's connections die under it.
        await pg.restart()
        const afterRestart = acked.length
        await ackedBy(afterRestart + 3)

        // A longer outage: stop, let the app notice, start again.
        const stoppedAt = Date.now()
        await pg.stop()
        await readyIs(503, stoppedAt)
        const ackedWhileDown = acked.length
        await new Promise((r) => setTimeout(r, 500))
        const startedAt = Date.now()
        await pg.start()
        await readyIs(200, startedAt)
        await ackedBy(Math.max(ackedWhileDown, acked.length) + 3)
      } finally {
        stop = true
        await Promise.all([writer, prober])
      }

      // Readiness followed the database: ready, unavailable while it was away, ready again.
      const statuses = readiness.map((r) => r.status)
      expect(statuses[0]).toBe(200)
      expect(statuses).toContain(503)
      expect(statuses.at(-1)).toBe(200)
      expect(new Set(statuses)).toEqual(new Set([200, 503]))
      // Writes failed while it was away (the app did not pretend), but never with a 2xx.
      expect(failed.length).toBeGreaterThan(0)
      // Every acknowledged signup is there.
      const { rows } = await t.db.pool.query(`SELECT email FROM accounts`)
      const stored = new Set(rows.map((r) => r.email))
      const lost = acked.filter((e) => !stored.has(e))
      expect(lost).toEqual([])
      expect(acked.length).toBeGreaterThanOrEqual(9)
    })
  },
)
