/**
 * SF Link run as a real child process (`node --import tsx server/src/server.ts`), for tests
 * that kill it. Node runs the server itself (no tsx wrapper process), so SIGKILL hits the
 * server and nothing survives it but what Postgres committed.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export interface ChildServer {
  url: string
  port: number
  process: ChildProcess
  /** Sends SIGKILL and resolves once the process is gone. */
  kill(): Promise<void>
  /** SIGTERM (graceful), then SIGKILL if it lingers. */
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * Starts the server with exactly `env` (plus PATH/HOME) and waits until /readyz answers 200.
 * Without a fixed `port` it takes a free one; another test file may grab that port before the
 * child binds it, so an EADDRINUSE start is tried again on a fresh port.
 */
export async function startChildServer(
  env: Record<string, string>,
  options: { port?: number; timeoutMs?: number } = {},
): Promise<ChildServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(env, options.port ?? (await freePort()), options.timeoutMs)
    } catch (err) {
      const taken = err instanceof Error && err.message.includes('EADDRINUSE')
      if (!taken || options.port !== undefined || attempt >= 5) throw err
    }
  }
}

async function startOnce(env: Record<string, string>, port: number, timeoutMs?: number): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'server/src/server.ts'], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d) => (output = (output + String(d)).slice(-4000)))
  child.stderr!.on('data', (d) => (output = (output + String(d)).slice(-4000)))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + (timeoutMs ?? 45_000)
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the server exited while starting (${child.exitCode ?? child.signalCode}):\n${output}`)
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) })
      if (res.status === 200) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`the server did not become ready:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    port,
    process: child,
    async kill() {
      child.kill('SIGKILL')
      await exited(child)
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited(child)
      clearTimeout(timer)
    },
  }
}
