/**
 * The production image, read statically (CI has no Docker daemon): what it builds, what the
 * runtime stage keeps, how it starts, and that the compiled entry really lands where CMD
 * points.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const REPO_DIR = path.resolve(import.meta.dirname, '../..')
const ENTRY = 'dist/server/src/server.js'

type Instruction = { keyword: string; args: string }
type Stage = { from: string; name?: string; instructions: Instruction[] }

/** Just enough Dockerfile parsing: line continuations, comments, stages. */
function parseDockerfile(text: string): Stage[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
  const stages: Stage[] = []
  for (const line of logical) {
    const [, keyword, args] = /^(\S+)\s+(.*)$/.exec(line) ?? []
    if (!keyword) continue
    if (keyword.toUpperCase() === 'FROM') {
      const [, image, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args.trim()) ?? []
      stages.push({ from: image, name, instructions: [] })
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args: args.trim() })
    }
  }
  return stages
}

function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {}
  for (const { args } of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const [, key, value] of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g))
      env[key] = value.replace(/^"|"$/g, '')
  }
  return env
}

const stages = parseDockerfile(readFileSync(path.join(REPO_DIR, 'Dockerfile'), 'utf8'))
const build = stages.find((stage) => stage.name === 'build')!
const runtime = stages.at(-1)!
const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args)
const last = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).at(-1)

describe('Dockerfile', () => {
  it('builds in a node:24-slim stage with dev dependencies, server and UI', () => {
    expect(stages.map((s) => s.from)).toEqual(['node:24-slim', 'node:24-slim'])
    expect(runs(build).some((r) => /\bnpm ci\b/.test(r) && !r.includes('--omit'))).toBe(true)
    expect(runs(build).some((r) => /\bnpm run build\b/.test(r))).toBe(true)
    const scripts = JSON.parse(readFileSync(path.join(REPO_DIR, 'package.json'), 'utf8')).scripts
    expect(scripts.build).toMatch(/build:ui/)
    expect(scripts.build).toMatch(/build:server/)
  })

  it('keeps only production dependencies and the built output in the runtime stage', () => {
    expect(runtime).not.toBe(build)
    expect(runs(runtime).some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true)
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args)
    for (const dir of ['dist', 'canvas-ui/dist', 'server/migrations']) {
      expect(
        copies.some((c) => new RegExp(`--from=build\\s+/app/${dir}\\s+\\./${dir}$`).test(c)),
        dir,
      ).toBe(true)
    }
    // Nothing in the runtime stage may need tsx or vite: both are dev tools here.
    const pkg = JSON.parse(readFileSync(path.join(REPO_DIR, 'package.json'), 'utf8'))
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(['vite', 'typescript']))
    for (const instruction of runtime.instructions) expect(instruction.args).not.toMatch(/\b(tsx|vite|tsc)\b/)
  })

  it('starts the compiled server with node, not npm start', () => {
    const cmd = last(runtime, 'CMD')!
    expect(JSON.parse(cmd.args)).toEqual(['node', ENTRY])
    expect(cmd.args).not.toMatch(/npm/)
    expect(last(runtime, 'ENTRYPOINT')).toBeUndefined()
  })

  it('runs in production mode as the non-root node user', () => {
    expect(envOf(runtime).APP_MODE).toBe('production')
    const user = last(runtime, 'USER')?.args
    expect(user).toBe('node')
    // USER must come after everything that needs root (npm ci, chown).
    const index = runtime.instructions.findIndex((i) => i.keyword === 'USER')
    expect(runtime.instructions.slice(index).some((i) => i.keyword === 'RUN')).toBe(false)
  })

  it('has a HEALTHCHECK on /readyz done with node (slim has no curl)', () => {
    const healthcheck = last(runtime, 'HEALTHCHECK')!.args
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim())
    expect(command[0]).toBe('node')
    expect(command.join(' ')).toContain('/readyz')
    expect(healthcheck).not.toMatch(/curl|wget/)
  })
})

describe('tsconfig.build.json', () => {
  it(`emits server/src/server.ts to ${ENTRY}, the file the image starts`, () => {
    const configPath = path.join(REPO_DIR, 'tsconfig.build.json')
    const parsed = ts.getParsedCommandLineOfConfigFile(
      configPath,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'))
        },
      },
    )!
    expect(parsed.errors).toEqual([])
    expect(parsed.options.rootDir).toBe(REPO_DIR)
    expect(parsed.options.outDir).toBe(path.join(REPO_DIR, 'dist'))
    expect(parsed.options.noEmit).toBeFalsy()
    const source = path.join(REPO_DIR, 'server/src/server.ts')
    expect(parsed.fileNames).toContain(source)
    expect(ts.getOutputFileNames(parsed, source, false)).toContain(path.join(REPO_DIR, ENTRY))
  })
})

/** Packages a compiled file loads at run time (type-only imports are erased by tsc). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const specifiers: string[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
      const bindings = node.importClause?.namedBindings
      const onlyTypes =
        bindings &&
        ts.isNamedImports(bindings) &&
        bindings.elements.length > 0 &&
        bindings.elements.every((e) => e.isTypeOnly) &&
        !node.importClause?.name
      if (!onlyTypes) specifiers.push(node.moduleSpecifier.text)
    } else if (
      ts.isExportDeclaration(node) &&
      !node.isTypeOnly &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      specifiers.push(node.moduleSpecifier.text)
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      specifiers.push(node.arguments[0].text)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]))
}

describe('production dependencies', () => {
  it('server/src loads only packages that `npm ci --omit=dev` installs', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_DIR, 'package.json'), 'utf8'))
    const serverDir = path.join(REPO_DIR, 'server/src')
    const files = readdirSync(serverDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !e.name.endsWith('.test.ts'))
      .map((e) => path.join(e.parentPath, e.name))
    expect(files).toContain(path.join(serverDir, 'server.ts'))
    expect(files.flatMap(runtimeImports)).toContain('fastify') // the scan sees real imports
    const missing = files.flatMap((file) =>
      runtimeImports(file)
        .filter((name) => !(name in pkg.dependencies))
        .map((name) => `${path.relative(REPO_DIR, file)} imports ${name}`),
    )
    expect(missing).toEqual([])
  })
})

describe('.dockerignore', () => {
  const entries = readFileSync(path.join(REPO_DIR, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))

  it('keeps local state, build output and secrets out of the build context', () => {
    expect(entries).toEqual(expect.arrayContaining(['node_modules', 'data', 'dist', '.git', 'test-results', '.env']))
  })

  it('does not exclude what the build needs', () => {
    for (const needed of [
      'package-lock.json',
      'server',
      'server/migrations',
      'canvas-ui',
      'tsconfig.json',
      'tsconfig.build.json',
    ])
      expect(entries).not.toContain(needed)
  })
})
