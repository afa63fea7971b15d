// `npm start` builds the UI only when what it is made of changed (canvas-ui/build-hash.ts).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { computeUiBuildHash, readUiBuildHash, uiBuildStatus, UI_DIST_DIR } from '../../canvas-ui/build-hash.js'
import { buildUiIfChanged } from '../../canvas-ui/build-if-changed.js'

const root = path.resolve(import.meta.dirname, '../..')

describe('the recorded build', () => {
  it('vite build records the same hash that the start-up check computes, so an unchanged UI is not rebuilt', async () => {
    // test/global-setup.ts built (or kept) canvas-ui/dist before the suite.
    expect(readUiBuildHash()).toBe(computeUiBuildHash())
    expect(uiBuildStatus().current).toBe(true)
    const index = path.join(UI_DIST_DIR, 'index.html')
    const before = fs.statSync(index).mtimeMs
    expect(await buildUiIfChanged()).toBe(false)
    expect(fs.statSync(index).mtimeMs).toBe(before)
  })
})

describe('what the hash covers', () => {
  let tmp: string
  let dirs: { ui: string; repo: string }
  let original: string
  const lockPath = () => path.join(dirs.repo, 'package-lock.json')

  /** The hash after `change`, with the copy restored afterwards. */
  function hashAfter(file: string, change: (text: string) => string): string {
    const full = path.join(dirs.repo, file)
    const saved = fs.readFileSync(full, 'utf8')
    fs.writeFileSync(full, change(saved))
    try {
      return computeUiBuildHash(dirs)
    } finally {
      fs.writeFileSync(full, saved)
    }
  }
  function bumpPackage(key: string): (text: string) => string {
    return (text) => {
      const lock = JSON.parse(text)
      expect(lock.packages[key], key).toBeDefined()
      lock.packages[key].version = '999.0.0'
      lock.packages[key].integrity = 'sha512-changed'
      return JSON.stringify(lock)
    }
  }

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ui-hash-'))
    dirs = { ui: path.join(tmp, 'canvas-ui'), repo: tmp }
    fs.cpSync(path.join(root, 'canvas-ui'), dirs.ui, {
      recursive: true,
      filter: (src) => !/[\\/]canvas-ui[\\/](dist|dist\.hash|node_modules)$/.test(src),
    })
    for (const file of ['tsconfig.json', 'package-lock.json'])
      fs.copyFileSync(path.join(root, file), path.join(tmp, file))
    original = computeUiBuildHash(dirs)
  })
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

  it('is the same for the same tree, wherever it lies', () => {
    expect(computeUiBuildHash(dirs)).toBe(original)
    expect(original).toBe(computeUiBuildHash())
  })

  it('changes with a UI source, the page, the build config or tsconfig.json', () => {
    for (const file of [
      'canvas-ui/src/app.tsx',
      'canvas-ui/src/styles.css',
      'canvas-ui/index.html',
      'canvas-ui/vite.config.ts',
      'tsconfig.json',
    ])
      expect(
        hashAfter(file, (t) => `${t}\n `),
        file,
      ).not.toBe(original)
    // A new file counts too.
    fs.writeFileSync(path.join(dirs.ui, 'src/new-page.tsx'), 'export {}\n')
    try {
      expect(computeUiBuildHash(dirs)).not.toBe(original)
    } finally {
      fs.rmSync(path.join(dirs.ui, 'src/new-page.tsx'))
    }
  })

  it('changes when a package the UI or its build uses changes, down to their dependencies', () => {
    expect(hashAfter('package-lock.json', bumpPackage('node_modules/preact'))).not.toBe(original)
    expect(hashAfter('package-lock.json', bumpPackage('node_modules/@salesforce-ux/design-system'))).not.toBe(original)
    expect(hashAfter('package-lock.json', bumpPackage('node_modules/vite'))).not.toBe(original)
    // A dependency of a dependency: PurgeCSS's selector parser.
    expect(hashAfter('package-lock.json', bumpPackage('node_modules/postcss-selector-parser'))).not.toBe(original)
  })

  it('changes with the sources of a workspace package the UI imports', () => {
    // A package of this repository, linked in the lockfile the way npm workspaces are.
    fs.mkdirSync(path.join(tmp, 'contract/src'), { recursive: true })
    fs.mkdirSync(path.join(tmp, 'contract/test'), { recursive: true })
    fs.writeFileSync(path.join(tmp, 'contract/src/index.ts'), 'export const LIMIT = 10\n')
    fs.writeFileSync(path.join(tmp, 'contract/test/index.test.ts'), '// tests\n')
    const lock = JSON.parse(fs.readFileSync(lockPath(), 'utf8'))
    lock.packages['node_modules/@sf-link/contract'] = { resolved: 'contract', link: true }
    lock.packages.contract = { name: '@sf-link/contract', version: '0.1.0' }
    fs.writeFileSync(lockPath(), JSON.stringify(lock))
    fs.writeFileSync(path.join(dirs.ui, 'src/limit.ts'), "export { LIMIT } from '@sf-link/contract'\n")
    try {
      const withContract = computeUiBuildHash(dirs)
      expect(hashAfter('contract/src/index.ts', () => 'export const LIMIT = 20\n')).not.toBe(withContract)
      expect(hashAfter('contract/test/index.test.ts', () => '// other tests\n')).toBe(withContract)
    } finally {
      fs.rmSync(path.join(dirs.ui, 'src/limit.ts'))
      fs.copyFileSync(path.join(root, 'package-lock.json'), lockPath())
    }
    expect(computeUiBuildHash(dirs)).toBe(original)
  })

  it('stays the same when only the server, the docs or the tests change', () => {
    expect(hashAfter('package-lock.json', bumpPackage('node_modules/pg'))).toBe(original)
    expect(hashAfter('package-lock.json', bumpPackage('node_modules/fastify'))).toBe(original)
    expect(hashAfter('canvas-ui/README.md', (t) => `${t}\nMore words.\n`)).toBe(original)
    expect(fs.existsSync(lockPath())).toBe(true)
  })
})
