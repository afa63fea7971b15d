import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.js'
import pino from 'pino'
import { createRuntime } from '../../server/src/runtime.js'
import { startEmbeddedPostgres } from '../../server/src/db/embedded.js'
import { createPool } from '../../server/src/db/pool.js'
import { runMigrations } from '../../server/src/db/migrate.js'
import { testConfig } from '../helpers/config.js'

describe('health, docs and errors', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp()
  })
  afterAll(async () => {
    await t.close()
  })

  it('/healthz and /readyz answer while the database is up', async () => {
    expect((await t.app.inject('/healthz')).json()).toEqual({ status: 'ok' })
    const ready = await t.app.inject('/readyz')
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toEqual({ status: 'ready', database: 'ok' })
  })

  it('an unknown route gets a JSON 404 with a stable code', async () => {
    const res = await t.app.inject('/nope')
    expect(res.statusCode).toBe(404)
    expect(res.headers['content-type']).toMatch(/application\/json/)
    expect(res.json().code).toBe('ROUTE_NOT_FOUND')
  })

  it('/docs serves the OpenAPI document generated from the route schemas', async () => {
    const res = await t.app.inject('/docs/json')
    expect(res.statusCode).toBe(200)
    const doc = res.json()
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz']))
    expect((await t.app.inject('/docs')).statusCode).toBeLessThan(400)
  })

  it('every response carries the CSP frame-ancestors rule and no X-Frame-Options', async () => {
    const res = await t.app.inject('/healthz')
    expect(res.headers['content-security-policy']).toContain('frame-ancestors')
    expect(res.headers['content-security-policy']).toContain('https://*.force.com')
    expect(res.headers['x-frame-options']).toBeUndefined()
  })
})

describe('readiness follows the database for real', () => {
  it('/readyz is 503 while the database is unreachable', async () => {
    const pg = await startEmbeddedPostgres({ dataDir: null })
    const pool = createPool({ connectionString: pg.url, max: 2 })
    const c = await pool.connect()
    await runMigrations(c)
    c.release()
    const runtime = await createRuntime(testConfig(), {
      database: { url: pg.url, pool, embedded: true },
      logger: pino({ level: 'silent' }),
      appLogger: false,
      demo: null,
      jobs: false,
    })
    const app = runtime.app!
    expect((await app.inject('/readyz')).statusCode).toBe(200)
    await pg.close() // the database goes away
    const res = await app.inject('/readyz')
    expect(res.statusCode).toBe(503)
    expect(res.json().code).toBe('SERVICE_UNAVAILABLE')
    expect((await app.inject('/healthz')).statusCode).toBe(200)
    await runtime.close()
    await pool.end().catch(() => {})
  })
})
