/**
 * A connection the database drops while the app holds it checked out, between two queries
 * (a sync holding its advisory lock while it talks to Salesforce, say), must not crash the
 * process: pg emits 'error' on such a client, and with no listener that is an uncaught exception.
 */
import { describe, expect, it } from 'vitest'
import { withTransaction } from '../../server/src/db/pool.js'
import { createTestDatabase } from '../helpers/database.js'

describe('database pool', () => {
  it('survives a checked-out client whose connection the server terminates', async () => {
    const db = await createTestDatabase()
    const uncaught: unknown[] = []
    const onUncaught = (err: unknown) => uncaught.push(err)
    process.prependListener('uncaughtException', onUncaught)
    try {
      const held = await db.pool.connect()
      const { rows } = await held.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      await db.pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid])
      // Give the socket's close time to arrive while nobody is querying on it.
      await new Promise((r) => setTimeout(r, 300))
      await expect(held.query('SELECT 1')).rejects.toThrow()
      held.release(true)
      expect(uncaught).toEqual([])
      // The pool goes on with fresh connections.
      const result = await withTransaction(db.pool, (c) => c.query<{ one: number }>('SELECT 1 AS one'))
      expect(result.rows[0]!.one).toBe(1)
    } finally {
      process.removeListener('uncaughtException', onUncaught)
      await db.close()
    }
  })
})
