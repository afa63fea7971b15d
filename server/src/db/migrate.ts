/**
 * Numbered SQL migrations (server/migrations/NNN_name.sql), applied by node-pg-migrate
 * at start. node-pg-migrate holds a Postgres advisory lock while it runs; with
 * `advisoryLockMode: 'wait'` a second instance starting at the same time waits for the
 * first one and then finds nothing left to do.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runner } from 'node-pg-migrate'
import type pg from 'pg'

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations')

function findMigrationsDir(): string {
  // Compiled to dist/server/src/db → ../../migrations doesn't exist there; fall back to cwd.
  return MIGRATIONS_DIR.includes(`${path.sep}dist${path.sep}`)
    ? path.resolve(process.cwd(), 'server/migrations')
    : MIGRATIONS_DIR
}

export async function runMigrations(client: pg.ClientBase, log: (msg: string) => void = () => {}): Promise<string[]> {
  const applied = await runner({
    dbClient: client,
    dir: findMigrationsDir(),
    direction: 'up',
    migrationsTable: 'pgmigrations',
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    log: () => {},
    logger: { debug: () => {}, info: () => {}, warn: (m: string) => log(m), error: (m: string) => log(m) },
  })
  return applied.map((m) => m.name)
}
