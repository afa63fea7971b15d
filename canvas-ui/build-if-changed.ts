/**
 * `npm start` (and the test suite's setup) run this: builds the UI only when what it is made
 * of changed since the last build (build-hash.ts), instead of on every start.
 *
 *   tsx canvas-ui/build-if-changed.ts          build if needed
 *   tsx canvas-ui/build-if-changed.ts --check  exit 1 when a build is needed, build nothing
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { UI_DIR, uiBuildStatus } from './build-hash.js'

/** Returns whether it built. Vite's own output (warnings, errors) goes to the terminal. */
export async function buildUiIfChanged(log: (message: string) => void = () => {}): Promise<boolean> {
  const t0 = Date.now()
  const status = uiBuildStatus()
  if (status.current) {
    log(`canvas UI is up to date (sources hashed in ${Date.now() - t0} ms)`)
    return false
  }
  log('canvas UI sources changed since the last build: building it')
  // Loaded only when needed: importing Vite alone takes a noticeable part of a second.
  const { build } = await import('vite')
  await build({ configFile: path.join(UI_DIR, 'vite.config.ts'), logLevel: 'warn' })
  log(`canvas UI built in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  return true
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const log = (message: string) => console.log(`[build-if-changed] ${message}`)
  if (process.argv.includes('--check')) {
    const { current } = uiBuildStatus()
    log(current ? 'canvas UI is up to date' : 'canvas UI needs a build')
    process.exitCode = current ? 0 : 1
  } else {
    await buildUiIfChanged(log).catch((error: unknown) => {
      console.error('The canvas UI could not be built:', error instanceof Error ? error.message : error)
      process.exitCode = 1
    })
  }
}
