/**
 * Embedded Postgres for demo mode and for tests without DATABASE_URL: PGlite (Postgres
 * compiled to WASM) served over the Postgres wire protocol by pglite-socket, so the app
 * reaches it through the very same `pg` code and SQL as a real server.
 */
import fs from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

export interface EmbeddedPostgres {
  url: string
  close(): Promise<void>
}

/** `dataDir` null keeps everything in memory (tests). */
export async function startEmbeddedPostgres(options: {
  dataDir: string | null
  port?: number
}): Promise<EmbeddedPostgres> {
  let dataDir: string | undefined
  if (options.dataDir) {
    dataDir = path.join(options.dataDir, 'pglite')
    fs.mkdirSync(dataDir, { recursive: true })
  }
  const db = await PGlite.create(dataDir ? { dataDir } : {})
  keepExtendedQueriesTogether(db)
  // PGlite is a single session; the socket server queues queries from several client
  // connections and keeps a transaction's queries together.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: options.port ?? 0, maxConnections: 32 })
  await server.start()
  const [host, port] = server.getServerConn().split(':')
  return {
    url: `postgres://postgres@${host}:${port}/postgres?sslmode=disable`,
    async close() {
      await server.stop()
      await db.close()
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
