/**
 * Every reference leads somewhere in the repository: source files cite no spec or issue
 * tracker outside it (the spec is docs/spec.md), every `docs/spec.md §n` they cite is a
 * section of it, every repository path they name exists, and every relative link in the
 * Markdown files points at a file that is there.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const REPO_DIR = path.resolve(import.meta.dirname, '../..')

/** Tracked files (so nothing generated or installed), as paths relative to the repository. */
function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_DIR,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f && existsSync(path.join(REPO_DIR, f)))
}

const SOURCE = /\.(ts|tsx|js|mjs|cjs|sql|css|html|ya?ml|sh)$|(^|\/)(Dockerfile|\.env\.example|run)$/
const FIXTURES = /^(test\/fixtures|sfdx-project\/force-app|sfdx-project\/connected-app)\//
const files = trackedFiles()
const sources = files.filter((f) => SOURCE.test(f) && !FIXTURES.test(f))
const markdown = files.filter((f) => f.endsWith('.md') && !FIXTURES.test(f))

/** `## 4. Canvas signed request` → 4 */
const specSections = new Set(
  [...readFileSync(path.join(REPO_DIR, 'docs/spec.md'), 'utf8').matchAll(/^## (\d+)\. /gm)].map((m) => m[1]),
)

function lines(file: string): Array<{ where: string; text: string }> {
  return readFileSync(path.join(REPO_DIR, file), 'utf8')
    .split('\n')
    .map((text, i) => ({ where: `${file}:${i + 1}`, text }))
}

describe('references in the source', () => {
  it('finds the files to check', () => {
    expect(sources.length).toBeGreaterThan(100)
    expect(sources).toContain('server/src/app.ts')
    expect(sources).toContain('Dockerfile')
    expect(specSections.size).toBeGreaterThanOrEqual(10)
  })

  it('cite no spec outside the repository and no issue numbers', () => {
    const found = sources.flatMap((file) =>
      lines(file)
        .filter(({ text }) => /\bSPEC\s*(§|:|section)|\.\.\/shared\/SPEC|\b[Ii]ssues? #?\d+\b/.test(text))
        .map(({ where, text }) => `${where}: ${text.trim()}`),
    )
    expect(found).toEqual([])
  })

  it('cite only sections docs/spec.md has', () => {
    const found = sources.flatMap((file) =>
      lines(file).flatMap(({ where, text }) =>
        [...text.matchAll(/docs\/spec\.md,? §(\d+)((?:[,–-]| and) ?§?\d+)*/g)].flatMap((m) =>
          [...m[0].matchAll(/(\d+)/g)]
            .map((n) => n[1])
            .filter((n) => !specSections.has(n))
            .map((n) => `${where}: §${n}`),
        ),
      ),
    )
    expect(found).toEqual([])
  })

  it('name only repository files that exist', () => {
    // Paths of another repository: the jsforce test files this script runs against the simulator.
    const elsewhere = new Set(['simulator/scripts/jsforce-suite.ts'])
    const cited =
      /(?<![\w./-])((?:server|canvas-ui|simulator|test|bench|docs|sfdx-project)\/[\w./-]+\.(?:ts|tsx|md|sql|json|html|css))\b/g
    const found = sources
      .filter((file) => !elsewhere.has(file))
      .flatMap((file) =>
        lines(file).flatMap(({ where, text }) =>
          [...text.matchAll(cited)]
            .map((m) => m[1])
            // Patterns, not paths: server/migrations/NNN_name.sql, test/**/*.test.ts
            .filter((p) => !/\*|NNN/.test(p) && !existsSync(path.join(REPO_DIR, p)))
            .map((p) => `${where}: ${p}`),
        ),
      )
    expect(found).toEqual([])
  })
})

describe('links in the Markdown files', () => {
  it('point at files that exist', () => {
    const found = markdown.flatMap((file) =>
      lines(file).flatMap(({ where, text }) =>
        [...text.matchAll(/\]\(([^)\s]+)\)/g)]
          .map((m) => m[1])
          .filter((target) => !/^(https?:|mailto:|#)/.test(target))
          .map((target) => target.split('#')[0])
          .filter((target) => target && !existsSync(path.resolve(REPO_DIR, path.dirname(file), target)))
          .map((target) => `${where}: ${target}`),
      ),
    )
    expect(found).toEqual([])
  })

  it('the Dockerfile and the Compose file point at the deployment guide, which exists', () => {
    for (const file of ['Dockerfile', 'docker-compose.yml'])
      expect(readFileSync(path.join(REPO_DIR, file), 'utf8'), file).toContain('docs/deployment.md')
    expect(existsSync(path.join(REPO_DIR, 'docs/deployment.md'))).toBe(true)
  })
})
