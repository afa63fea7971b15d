/**
 * No import cycles, type-only imports included (lint's `import-x/no-cycle` skips those).
 * Under server/src each folder is one node, so a folder may not depend on another that
 * depends back on it (e.g. accounts → http → accounts); the top-level files (app.ts,
 * routes.ts, services.ts, runtime.ts …) are nodes of their own. The simulator package, the
 * canvas UI, test/ and bench/ are checked file by file.
 */
import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '../..')

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...sourceFiles(full))
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full)
  }
  return out
}

/** Relative imports of each file (static, dynamic and `import type`), resolved to files. */
function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files)
  const graph = new Map<string, string[]>()
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true)
    const targets: string[] = []
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue
      const base = path.resolve(path.dirname(file), fileName).replace(/\.js$/, '')
      const hit = [`${base}.ts`, `${base}.tsx`, base, path.join(base, 'index.ts')].find((c) => known.has(c))
      if (hit) targets.push(hit)
    }
    graph.set(file, targets)
  }
  return graph
}

/** Strongly connected components with more than one node (Tarjan). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (v: string): void => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1) found.push(component.sort())
    }
  }
  for (const v of graph.keys()) if (!index.has(v)) visit(v)
  return found
}

function collapse(graph: Map<string, string[]>, node: (file: string) => string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>()
  for (const [file, targets] of graph) {
    const from = node(file)
    if (!out.has(from)) out.set(from, new Set())
    for (const target of targets) if (node(target) !== from) out.get(from)!.add(node(target))
  }
  return out
}

describe('import structure', () => {
  it('server/src has no cycle between its folders (or top-level files), type imports included', () => {
    const src = path.join(root, 'server/src')
    const graph = importGraph(sourceFiles(src))
    const folderOf = (file: string) => {
      const rel = path.relative(src, file)
      return rel.includes(path.sep) ? `${rel.split(path.sep)[0]}/` : rel
    }
    expect(cycles(collapse(graph, folderOf))).toEqual([])
  })

  it('server, simulator, canvas-ui, test and bench have no file-level cycle, type imports included', () => {
    const files = ['server', 'simulator', 'canvas-ui', 'test', 'bench'].flatMap((d) => sourceFiles(path.join(root, d)))
    const graph = importGraph(files)
    const rel = (file: string) => path.relative(root, file)
    expect(cycles(collapse(graph, rel))).toEqual([])
  })

  it('finds a cycle when there is one (the check itself works)', () => {
    const graph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['a'])],
    ])
    expect(cycles(graph)).toEqual([['a', 'b', 'c']])
  })
})
