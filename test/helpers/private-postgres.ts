/**
 * A Postgres cluster of the test's own (initdb in a temporary directory, its own port and
 * socket directory), so a test can stop and restart it without touching the shared server
 * other test files use. As root, the binaries run as the `postgres` OS user (Postgres
 * refuses to run as root).
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './child-server.js'

const run = promisify(execFile)

export interface PrivatePostgres {
  url: string
  port: number
  /** `pg_ctl stop -m fast`: sessions are ended, open transactions rolled back. */
  stop(): Promise<void>
  start(): Promise<void>
  /** `pg_ctl restart -m fast`. */
  restart(): Promise<void>
  /** Stops it and deletes its files. */
  destroy(): Promise<void>
}

/** The newest installed server's bin directory, or null (the caller skips). */
export function findPostgresBinaries(): string | null {
  const root = '/usr/lib/postgresql'
  if (!fs.existsSync(root)) return null
  const versions = fs
    .readdirSync(root)
    .filter(
      (v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')) && fs.existsSync(path.join(root, v, 'bin', 'pg_ctl')),
    )
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] ? path.join(root, versions[0], 'bin') : null
}

/** Why a private cluster cannot run here, or null when it can. */
export function privatePostgresUnavailable(): string | null {
  if (!findPostgresBinaries())
    return 'no Postgres server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)'
  if (process.getuid?.() === 0 && !postgresUser())
    return 'running as root and there is no postgres OS user to run the server as'
  return null
}

function postgresUser(): { uid: number; gid: number } | null {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'))
  if (!line) return null
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = findPostgresBinaries()
  if (!bin) throw new Error('no Postgres binaries')
  const asRoot = process.getuid?.() === 0
  const owner = asRoot ? postgresUser() : null
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sflink-pg-'))
  const data = path.join(dir, 'data')
  if (owner) fs.chownSync(dir, owner.uid, owner.gid)
  const exec = (tool: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args], { cwd: dir })
      : run(path.join(bin, tool), args, { cwd: dir })
  await exec('initdb', [
    '-D',
    data,
    '--auth=trust',
    '--username=postgres',
    '--encoding=UTF8',
    '--no-sync',
    '--no-instructions',
  ])
  const port = await freePort()
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=40`
  const ctl = (...args: string[]) =>
    exec('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', ...args])
  await ctl('-o', options, 'start')
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: async () => void (await ctl('-m', 'fast', 'stop')),
    start: async () => void (await ctl('-o', options, 'start')),
    restart: async () => void (await ctl('-m', 'fast', '-o', options, 'restart')),
    async destroy() {
      await ctl('-m', 'immediate', 'stop').catch(() => {})
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
