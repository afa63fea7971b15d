// The canvas UI as `vite build` leaves it in canvas-ui/dist (test/global-setup.ts builds it when
// its sources changed): SLDS cut down to what the UI uses, every asset precompressed.
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import postcss from 'postcss'
import { describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '../..')
const dist = path.join(root, 'canvas-ui/dist')
const assets = path.join(dist, 'assets')
const sldsSource = fs.readFileSync(
  path.join(root, 'node_modules/@salesforce-ux/design-system/assets/styles/salesforce-lightning-design-system.css'),
  'utf8',
)
const builtCss = fs
  .readdirSync(assets)
  .filter((f) => f.endsWith('.css'))
  .map((f) => fs.readFileSync(path.join(assets, f), 'utf8'))
  .join('\n')

function uiSources(): { file: string; text: string }[] {
  const dir = path.join(root, 'canvas-ui/src')
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(tsx?|html)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .concat(path.join(root, 'canvas-ui/index.html'))
    .map((file) => ({ file: path.relative(root, file), text: fs.readFileSync(file, 'utf8') }))
}

/**
 * Classes that a stylesheet styles on their own (`.slds-button`, `.slds-button:hover`), as
 * opposed to in combination with others (`.slds-has-error .slds-input`), which the purge
 * rightly drops when the UI never uses the other part.
 */
function classesStyledAlone(css: string): Set<string> {
  const names = new Set<string>()
  postcss.parse(css).walkRules((rule) => {
    if (!rule.nodes.some((node) => node.type === 'decl')) return // empty rules are minified away
    for (const selector of rule.selectors) {
      const alone = selector.trim().match(/^\.([\w-]+)((::?[\w-]+)(\([^)]*\))?)*$/)
      if (alone) names.add(alone[1]!)
    }
  })
  return names
}
const sldsAlone = classesStyledAlone(sldsSource)
const builtAlone = classesStyledAlone(builtCss)

describe('the SLDS stylesheet in the build', () => {
  it('keeps the rules of every SLDS class the UI names', () => {
    const named = new Set(uiSources().flatMap(({ text }) => text.match(/\bslds-[a-z0-9_-]*[a-z0-9]/g) ?? []))
    const styled = [...named].filter((name) => sldsAlone.has(name))
    expect(styled.length).toBeGreaterThan(100) // the scan sees the UI's real classes
    expect(styled.filter((name) => !builtAlone.has(name))).toEqual([])
  })

  it('drops the rules of components the UI does not use', () => {
    for (const unused of ['slds-carousel', 'slds-map', 'slds-icon-standard-account', 'slds-datepicker', 'slds-modal'])
      expect.soft(sldsAlone.has(unused) && !builtAlone.has(unused), unused).toBe(true)
    expect(builtCss.length).toBeLessThan(sldsSource.length / 5)
  })

  it('keeps every design token SLDS sets on the page root (custom properties that rules read)', () => {
    const rootTokens = (css: string) => {
      const names = new Set<string>()
      postcss.parse(css).walkRules((rule) => {
        if (!rule.selectors.some((s) => /^(:root|html|:where\(html\))$/.test(s.trim()))) return
        rule.walkDecls(/^--/, (decl) => void names.add(decl.prop))
      })
      return names
    }
    const source = rootTokens(sldsSource)
    const built = rootTokens(builtCss)
    expect(source.size).toBeGreaterThan(500)
    expect([...source].filter((name) => !built.has(name))).toEqual([])
  })

  it('has no SLDS class built from a prefix and a value, which the purge could not see', () => {
    const built = uiSources().flatMap(({ file, text }) =>
      [...text.matchAll(/slds-[a-z0-9_-]*\$\{/g)].map((m) => `${file}: ${m[0]}`),
    )
    expect(built).toEqual([])
  })
})

describe('precompressed assets', () => {
  const files = fs.readdirSync(assets).filter((f) => /\.(js|css|svg)$/.test(f))

  it('every script and stylesheet has brotli and gzip copies with the same content', () => {
    expect(files.some((f) => f.endsWith('.js'))).toBe(true)
    expect(files.some((f) => f.endsWith('.css'))).toBe(true)
    for (const file of files) {
      const original = fs.readFileSync(path.join(assets, file))
      if (original.length < 1024) continue
      const br = zlib.brotliDecompressSync(fs.readFileSync(path.join(assets, `${file}.br`)))
      const gz = zlib.gunzipSync(fs.readFileSync(path.join(assets, `${file}.gz`)))
      expect(br.equals(original), `${file}.br`).toBe(true)
      expect(gz.equals(original), `${file}.gz`).toBe(true)
      expect(fs.statSync(path.join(assets, `${file}.br`)).size).toBeLessThan(original.length / 2)
    }
  })
})
