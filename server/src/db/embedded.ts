/**
 * Embedded Postgres for demo mode and for tests without DATABASE_URL: PGlite (Postgres
 * compiled to WASM) served over the Postgres wire protocol by pglite-socket, so the app
 * reaches it through the very same `pg` code and SQL as a real server.
 *
 * PGlite has no authentication, so it is served on a Unix socket, never on TCP (where every
 * local user, and every process in a shared network namespace, could connect): the socket
 * lives in a directory only the owner may enter (0700) and is itself 0600. Unix sockets need
 * a short path (about 100 bytes): when the data folder's is too long, or there is no data
 * folder (in-memory), a private temporary directory is used instead.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

export interface EmbeddedPostgres {
  url: string
  /** The socket file (`.s.PGSQL.5432` in a 0700 directory). */
  socketPath: string
  close(): Promise<void>
}

/** Where `pg` looks for a Unix socket: `<host>/.s.PGSQL.<port>`, port 5432 by default. */
const SOCKET_NAME = '.s.PGSQL.5432'
/** sockaddr_un holds 108 bytes on Linux, 104 on macOS, terminator included. */
const MAX_SOCKET_PATH = 100

function privateDirectory(dataDir: string | null): { dir: string; temporary: boolean } {
  if (dataDir) {
    const dir = path.join(dataDir, 'run')
    if (path.join(dir, SOCKET_NAME).length <= MAX_SOCKET_PATH) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
      fs.chmodSync(dir, 0o700) // also when it already existed with wider rights
      return { dir, temporary: false }
    }
  }
  // mkdtemp creates the directory with mode 0700.
  return { dir: fs.mkdtempSync(path.join(os.tmpdir(), 'sflink-pg-')), temporary: true }
}

/** `dataDir` null keeps everything in memory (tests). */
export async function startEmbeddedPostgres(options: { dataDir: string | null }): Promise<EmbeddedPostgres> {
  let dataDir: string | undefined
  if (options.dataDir) {
    dataDir = path.join(options.dataDir, 'pglite')
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  }
  const db = await PGlite.create(dataDir ? { dataDir } : {})
  keepExtendedQueriesTogether(db)
  const socketDir = privateDirectory(options.dataDir)
  const socketPath = path.join(socketDir.dir, SOCKET_NAME)
  // A socket left behind by a process that was killed would make listen() fail.
  fs.rmSync(socketPath, { force: true })
  // PGlite is a single session; the socket server queues queries from several client
  // connections and keeps a transaction's queries together.
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 32 })
  await server.start()
  fs.chmodSync(socketPath, 0o600)
  return {
    url: `postgres://postgres@localhost/postgres?host=${encodeURIComponent(socketDir.dir)}`,
    socketPath,
    async close() {
      await server.stop()
      await db.close()
      fs.rmSync(socketPath, { force: true })
      if (socketDir.temporary) fs.rmSync(socketDir.dir, { recursive: true, force: true })
    },
  }
}

/**
 * pglite-socket (0.2.x) queues every wire-protocol message on its own and keeps one
 * connection's messages together only inside a transaction. Outside one, two connections'
 * parameterised queries interleave (Parse₁ Parse₂ Bind₁ …) and fail with "bind message
 * supplies 2 parameters, but prepared statement requires 1": a 500 on concurrent requests.
 * Its queue asks `isInTransaction()` to decide; answering true from a connection's Parse
 * until its Sync keeps each query's messages together too. (Only that queue calls it.)
 */
function keepExtendedQueriesTogether(db: PGlite): void {
  const inTransaction = db.isInTransaction.bind(db)
  const exec = db.execProtocolRawStream.bind(db)
  let queryOpen = false
  db.isInTransaction = () => queryOpen || inTransaction()
  db.execProtocolRawStream = async (message, options) => {
    // Parse, Bind, Describe, Execute, Close, Flush open (or continue) a query; Sync, Query and the rest end it.
    const opens = 'PBDECH'.includes(String.fromCharCode(message[0] ?? 0))
    try {
      return await exec(message, options)
    } finally {
      queryOpen = opens
    }
  }
}
