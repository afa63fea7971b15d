// On a Node older than 22.19, SF Link stops at once with a message that says so, instead of
// dying deep inside a dependency. The machine's own Node (/usr/bin/node) is such a Node.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { unsupportedNodeMessage } from '../../server/src/node-version.js'

const root = path.resolve(import.meta.dirname, '../..')
const OLD_NODE = '/usr/bin/node'
const oldVersion = fs.existsSync(OLD_NODE)
  ? spawnSync(OLD_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim()
  : ''
const haveOldNode = oldVersion !== '' && unsupportedNodeMessage(oldVersion) !== null
const MESSAGE = 'SF Link needs Node ≥ 22.19'

/** Runs a command with the old Node first on PATH; never listens on a real port if it got that far. */
function withOldNode(command: string, args: string[], cwd = root) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      PATH: `${path.dirname(OLD_NODE)}:${process.env.PATH}`,
      PORT: '0',
      SIMULATOR_PORT: '0',
      DATA_DIR: path.join(os.tmpdir(), 'sf-link-node-version-test'),
    },
  })
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

describe('the supported Node versions', () => {
  it('22.19 and later are supported; older ones get a message naming the minimum and this version', () => {
    for (const ok of ['22.19.0', '22.20.1', '23.0.0', '24.11.1', '26.0.0'])
      expect(unsupportedNodeMessage(ok), ok).toBeNull()
    for (const old of ['22.18.0', '20.20.2', '18.19.0']) {
      expect(unsupportedNodeMessage(old), old).toContain(MESSAGE)
      expect(unsupportedNodeMessage(old), old).toContain(old)
    }
  })
})

describe.skipIf(!haveOldNode)(`on the machine's Node ${oldVersion || '(none)'}`, () => {
  it('the server entry stops before loading anything that breaks', () => {
    const tsx = path.join(root, 'node_modules/tsx/dist/cli.mjs')
    const { status, output } = withOldNode(OLD_NODE, [tsx, '--conditions=source', 'server/src/server.ts'])
    expect(status).toBe(1)
    expect(output).toContain(MESSAGE)
    expect(output).not.toMatch(/undici|zstd|TypeError/)
  })

  it('npm start stops before building the UI or starting anything', () => {
    const npm = path.join(path.dirname(OLD_NODE), 'npm')
    const before = fs.existsSync(path.join(root, 'canvas-ui/dist.hash'))
      ? fs.statSync(path.join(root, 'canvas-ui/dist.hash')).mtimeMs
      : null
    const { status, output } = withOldNode(npm, ['start'])
    expect(status).not.toBe(0)
    expect(output).toContain(MESSAGE)
    expect(output).not.toContain('[build-if-changed]') // its log prefix: it never ran
    const after = fs.existsSync(path.join(root, 'canvas-ui/dist.hash'))
      ? fs.statSync(path.join(root, 'canvas-ui/dist.hash')).mtimeMs
      : null
    expect(after).toBe(before)
  })

  it('npm ci refuses to install (engine-strict)', () => {
    // In a copy holding only what npm reads, so nothing in the working tree can change.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-link-npm-ci-'))
    try {
      for (const file of ['package.json', 'package-lock.json', '.npmrc', 'simulator/package.json']) {
        fs.mkdirSync(path.dirname(path.join(tmp, file)), { recursive: true })
        fs.copyFileSync(path.join(root, file), path.join(tmp, file))
      }
      const npm = path.join(path.dirname(OLD_NODE), 'npm')
      const { status, output } = withOldNode(npm, ['ci', '--dry-run', '--no-audit', '--no-fund'], tmp)
      expect(status).not.toBe(0)
      expect(output).toContain('EBADENGINE')
      expect(output).toContain('>=22.19')
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  })
})
