/**
 * What a UI build is made of, as one hash: every file of canvas-ui/ (sources, page, build
 * config; not dist/ and not the READMEs), the root tsconfig.json (Vite's TypeScript/JSX
 * transform reads it) and the package-lock.json entries of every package the UI or its build
 * config imports, with all their dependencies; for a workspace package of this repository
 * (a lockfile link), the files of its folder instead of a version. `vite build` writes the hash of what it built
 * to canvas-ui/dist.hash (vite.config.ts); `npm start` and the test setup rebuild only when
 * the hash of the working tree differs (build-if-changed.ts).
 *
 * Content, not modification times: a checkout, `git stash` or a copied tree keeps its
 * timestamps meaningless, and an `npm ci` that changed no UI package must not cost a build.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const UI_DIR = path.dirname(fileURLToPath(import.meta.url))
const REPO_DIR = path.dirname(UI_DIR)
export const UI_DIST_DIR = path.join(UI_DIR, 'dist')
/** Beside dist/ rather than in it: Vite empties dist/ when a build starts. */
export const UI_BUILD_HASH_FILE = path.join(UI_DIR, 'dist.hash')

const SKIPPED = new Set(['dist', 'node_modules', path.basename(UI_BUILD_HASH_FILE)])

function sourceFiles(dir: string, skipped: ReadonlySet<string> = SKIPPED): string[] {
  const files: string[] = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (skipped.has(entry.name) || entry.name.endsWith('.md')) continue
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) files.push(...sourceFiles(full, skipped))
    else if (entry.isFile()) files.push(full)
  }
  return files.sort()
}

const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*['"]([^'".][^'"]*)['"]/g

/** Package names imported by these files (`@scope/name` or `name`), builtins left out. */
export function importedPackages(contents: readonly string[]): string[] {
  const names = new Set<string>()
  for (const text of contents) {
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1]!.split('?')[0]!
      if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue
      const parts = specifier.split('/')
      names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!)
    }
  }
  return [...names].sort()
}

interface LockEntry {
  version?: string
  resolved?: string
  integrity?: string
  link?: boolean
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

/**
 * The lockfile entries of `roots` and everything they depend on, found the way Node resolves
 * them: `a/node_modules/b` first, then each parent's node_modules, then the top level.
 */
export function lockfileClosure(packages: Record<string, LockEntry>, roots: readonly string[]): string[] {
  const seen = new Set<string>()
  const resolve = (from: string, name: string): string | null => {
    let base = from
    for (;;) {
      const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`
      if (packages[candidate]) return candidate
      if (!base) return null
      const cut = base.lastIndexOf('/node_modules/')
      base = cut >= 0 ? base.slice(0, cut) : ''
    }
  }
  const visit = (key: string): void => {
    if (seen.has(key)) return
    seen.add(key)
    const entry = packages[key]!
    // A workspace link: its own entry (the folder) carries the dependencies.
    if (entry.link && entry.resolved && packages[entry.resolved]) visit(entry.resolved)
    const deps = { ...entry.peerDependencies, ...entry.optionalDependencies, ...entry.dependencies }
    for (const name of Object.keys(deps)) {
      const found = resolve(key, name)
      if (found) visit(found)
    }
  }
  for (const name of roots) {
    const found = resolve('', name)
    if (found) visit(found)
  }
  return [...seen].sort()
}

/** A workspace package's tests do not reach the UI's bundle. */
const WORKSPACE_SKIPPED = new Set([...SKIPPED, 'test'])

/** `dirs` lets tests hash a copy of the tree. */
export function computeUiBuildHash(dirs: { ui: string; repo: string } = { ui: UI_DIR, repo: REPO_DIR }): string {
  const hash = crypto.createHash('sha256')
  const files = sourceFiles(dirs.ui)
  const contents = files.map((file) => fs.readFileSync(file, 'utf8'))
  files.forEach((file, i) => hash.update(`file ${path.relative(dirs.ui, file)}\n${contents[i]}\n`))
  hash.update(`file tsconfig.json\n${fs.readFileSync(path.join(dirs.repo, 'tsconfig.json'), 'utf8')}\n`)
  const lock = JSON.parse(fs.readFileSync(path.join(dirs.repo, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>
  }
  for (const key of lockfileClosure(lock.packages, importedPackages(contents))) {
    const { version, resolved, integrity } = lock.packages[key]!
    hash.update(`package ${key} ${version ?? ''} ${integrity ?? resolved ?? ''}\n`)
    // A workspace folder (its key has no node_modules/): what the UI gets from it is its files.
    const folder = path.join(dirs.repo, key)
    if (!key.includes('node_modules/') && folder !== dirs.ui && fs.existsSync(folder)) {
      for (const file of sourceFiles(folder, WORKSPACE_SKIPPED))
        hash.update(`file ${path.relative(dirs.repo, file)}\n${fs.readFileSync(file, 'utf8')}\n`)
    }
  }
  return hash.digest('hex')
}

export function readUiBuildHash(): string | null {
  try {
    return fs.readFileSync(UI_BUILD_HASH_FILE, 'utf8').trim() || null
  } catch {
    return null
  }
}

export function writeUiBuildHash(hash: string): void {
  fs.writeFileSync(UI_BUILD_HASH_FILE, `${hash}\n`)
}

/** A build under way or failed vouches for nothing. */
export function clearUiBuildHash(): void {
  fs.rmSync(UI_BUILD_HASH_FILE, { force: true })
}

/** The hash of the working tree, and whether dist/ was built from exactly that. */
export function uiBuildStatus(): { hash: string; current: boolean } {
  const hash = computeUiBuildHash()
  const built = fs.existsSync(path.join(UI_DIST_DIR, 'index.html')) && readUiBuildHash() === hash
  return { hash, current: built }
}
