/**
 * Demo mode's embedded Postgres (PGlite, which has no authentication) is not open to every
 * local user: it listens on a Unix socket in the data folder, never on TCP, in a directory
 * only its owner may enter (0700), the socket itself 0600. Another local user's connection
 * is refused; the same user, given the rights, would get in (the control that shows the
 * permissions are what refuses it).
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbeddedPostgres } from '../../server/src/db/embedded.js'
import { openDatabase, type Database } from '../../server/src/db/open.js'

const run = promisify(execFile)
const mode = (file: string) => fs.statSync(file).mode & 0o777

/** Runs psql as another local user against the socket directory; resolves to its exit status and output. */
async function psqlAsNobody(socketDir: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout } = await run('runuser', [
      '-u',
      'nobody',
      '--',
      'psql',
      '-X',
      '-tA',
      `host=${socketDir} user=postgres dbname=postgres connect_timeout=5`,
      '-c',
      'SELECT 42',
    ])
    return { ok: true, output: stdout }
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    return { ok: false, output: e.stderr ?? e.message }
  }
}

const canSwitchUser =
  process.getuid?.() === 0 && fs.existsSync('/usr/sbin/runuser') && fs.existsSync('/usr/bin/psql')
    ? null
    : 'needs root, runuser and psql to connect as another local user'

describe('the embedded Postgres', () => {
  let dataDir: string
  let database: Database
  let socketPath: string

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sflink-demo-'))
    fs.chmodSync(dataDir, 0o755) // a data folder others may look into, as ./data usually is
    // As demo mode opens it (server.ts → openDatabase with no DATABASE_URL), migrations included.
    database = await openDatabase({ databaseUrl: null, dataDir }, { runMigrations: true })
    socketPath = path.join(dataDir, 'run', '.s.PGSQL.5432')
  })
  afterAll(async () => {
    await database?.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('listens on a Unix socket in the data folder, owner-only, and on no TCP port', async () => {
    const socketDir = path.join(dataDir, 'run')
    expect(fs.statSync(socketPath).isSocket()).toBe(true)
    expect(mode(socketDir)).toBe(0o700)
    expect(mode(socketPath)).toBe(0o600)
    const url = new URL(database.url)
    expect(url.searchParams.get('host')).toBe(socketDir)
    expect(url.port).toBe('')
    // The owner gets in (the app's pool already did: migrations ran over the socket).
    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    expect((await client.query('SELECT 42 AS n')).rows[0].n).toBe(42)
    await client.end()
  })

  it.skipIf(canSwitchUser)(
    'another local user is refused; with the rights loosened it would get in (control)',
    async () => {
      const socketDir = path.dirname(socketPath)
      const refused = await psqlAsNobody(socketDir)
      expect(refused.ok).toBe(false)
      expect(refused.output).toMatch(/Permission denied/i)
      fs.chmodSync(socketDir, 0o755)
      fs.chmodSync(socketPath, 0o666)
      try {
        const allowed = await psqlAsNobody(socketDir)
        expect(allowed).toEqual({ ok: true, output: '42\n' })
      } finally {
        fs.chmodSync(socketDir, 0o700)
        fs.chmodSync(socketPath, 0o600)
      }
      expect((await psqlAsNobody(socketDir)).ok).toBe(false)
    },
  )

  it('a restart after a crash works: the socket left behind is replaced, the data is kept', async () => {
    await database.pool.query(`INSERT INTO accounts (email, password_hash) VALUES ('kept@app.test', 'x')`)
    await database.close()
    // A socket file left behind by a killed process.
    fs.writeFileSync(socketPath, '')
    database = await openDatabase({ databaseUrl: null, dataDir }, { runMigrations: true })
    expect((await database.pool.query(`SELECT email FROM accounts`)).rows).toEqual([{ email: 'kept@app.test' }])
    expect(mode(socketPath)).toBe(0o600)
  })

  it('a data folder too deep for a socket path gets a private temporary directory, removed at close', async () => {
    const other = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'x'.repeat(60), 'y'.repeat(60)) })
    const socketDir = path.dirname(other.socketPath)
    try {
      expect(socketDir.startsWith(os.tmpdir())).toBe(true)
      expect(mode(socketDir)).toBe(0o700)
      expect(mode(other.socketPath)).toBe(0o600)
      const client = new pg.Client({ connectionString: other.url })
      await client.connect()
      await client.end()
    } finally {
      await other.close()
    }
    expect(fs.existsSync(socketDir)).toBe(false)
  })
})
