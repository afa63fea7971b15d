/**
 * Runs once before the suite: builds the canvas UI when its sources are newer than the
 * build, so browser tests always exercise the current UI.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue
    const p = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs)
  }
  return newest
}

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '..')
  const ui = path.join(root, 'canvas-ui')
  const built = path.join(ui, 'dist', 'index.html')
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= newestMtime(ui)) return
  execFileSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      'canvas-ui/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    {
      cwd: root,
      stdio: 'inherit',
    },
  )
}
