import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../server/src/db/open.js'
import { withTransaction } from '../../server/src/db/pool.js'
import { createTestDatabase, realDatabaseUrl } from '../helpers/database.js'
import { runMigrations } from '../../server/src/db/migrate.js'

describe('embedded Postgres', () => {
  it('keeps its data in the data directory across a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sflink-data-'))
    const first = await openDatabase({ databaseUrl: null, dataDir }, { runMigrations: true })
    expect(first.embedded).toBe(true)
    await first.pool.query(`INSERT INTO accounts (email, password_hash) VALUES ('kept@example.com', 'x')`)
    await first.close()

    const second = await openDatabase({ databaseUrl: null, dataDir }, { runMigrations: true })
    const { rows } = await second.pool.query(`SELECT email FROM accounts`)
    expect(rows.map((r) => r.email)).toEqual(['kept@example.com'])
    await second.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })
})

describe('transactions and migrations', () => {
  it('withTransaction commits on success and rolls back on error', async () => {
    const db = await createTestDatabase()
    await withTransaction(db.pool, (c) =>
      c.query(`INSERT INTO accounts (email, password_hash) VALUES ('a@example.com', 'x')`),
    )
    await expect(
      withTransaction(db.pool, async (c) => {
        await c.query(`INSERT INTO accounts (email, password_hash) VALUES ('b@example.com', 'x')`)
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    const { rows } = await db.pool.query('SELECT email FROM accounts ORDER BY email')
    expect(rows.map((r) => r.email)).toEqual(['a@example.com'])
    await db.close()
  })

  it.runIf(realDatabaseUrl())('two instances migrating at the same time are safe (advisory lock)', async () => {
    const db = await createTestDatabase({ migrate: false })
    const clients = [new pg.Client({ connectionString: db.url }), new pg.Client({ connectionString: db.url })]
    await Promise.all(clients.map((c) => c.connect()))
    const results = await Promise.all(clients.map((c) => runMigrations(c)))
    await Promise.all(clients.map((c) => c.end()))
    // One applied everything, the other found nothing left.
    expect(results.map((r) => r.length).sort()).toEqual([0, expect.any(Number)].sort())
    expect(results.flat()).toContain('001_foundation')
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM pgmigrations')
    expect(rows[0].n).toBe(results.flat().length)
    await db.close()
  })
})
