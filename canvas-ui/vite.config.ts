// Vite config for the canvas UI. Run from the repository root:
//   npm run build:ui  → canvas-ui/dist (served by the server: index.html at `/` and, with the
//                       Canvas bootstrap filled in, at `POST /canvas`; files under /assets/)
//   npm run dev:ui    → dev server with hot reload, proxying the API to a server on :3000
import { fileURLToPath } from 'node:url'
import preact from '@preact/preset-vite'
import purgeCssModule from '@fullhuman/postcss-purgecss'
import type { Plugin as PostcssPlugin } from 'postcss'
import { defineConfig, type Plugin } from 'vite'
import { compression } from 'vite-plugin-compression2'
import { clearUiBuildHash, computeUiBuildHash, writeUiBuildHash } from './build-hash.js'

// The package's CommonJS build exports the plugin itself; its types describe an ES default export.
type PurgeCss = typeof purgeCssModule.default
const purgeCss: PurgeCss =
  (purgeCssModule as unknown as { default?: PurgeCss }).default ?? (purgeCssModule as unknown as PurgeCss)

const root = fileURLToPath(new URL('.', import.meta.url))
const server = process.env.SF_LINK_SERVER_URL ?? 'http://127.0.0.1:3000'

// Everything that is not the UI itself belongs to the Fastify server. Patterns starting
// with ^ are regular expressions (so `/canvas` does not also catch, say, `/canvas-x`).
const proxied = ['^/api/', '^/canvas(/|$)', '^/oauth/', '^/demo\\.json$', '^/healthz$', '^/readyz$', '^/docs(/|$)']

/**
 * The SLDS stylesheet is ~890 kB; the UI uses a small part of it. PurgeCSS keeps the rules
 * whose classes, ids, tags and attributes appear in the UI's sources (the page and every
 * .ts/.tsx file), so components write SLDS class names out in full, never as
 * `slds-alert_${tone}` (test/canvas/build-output.test.ts checks both). Only the SLDS file is
 * purged: src/styles.css is ours and small.
 *
 * Custom properties all stay: PurgeCSS's `variables` option misses those read only inside
 * another var()'s fallback (`var(--lwc-brandAccessible, var(--slds-r-color-brand-50))`), which
 * drops SLDS's brand palette, to save about 3 kB compressed.
 */
function purgeSlds(): PostcssPlugin {
  const purge = purgeCss({
    content: [`${root}index.html`, `${root}src/**/*.ts`, `${root}src/**/*.tsx`],
    // Animations that no kept rule runs (SLDS components we don't use).
    keyframes: true,
  }) as PostcssPlugin
  return {
    postcssPlugin: 'sf-link-purge-slds',
    OnceExit(css, helpers) {
      const file = css.source?.input.file ?? ''
      if (file.includes('@salesforce-ux/design-system')) return purge.OnceExit?.(css, helpers)
    },
  }
}

/** Records which sources this build came from (see build-hash.ts): `npm start` rebuilds only when they change. */
function recordSourceHash(): Plugin {
  let hash: string | null = null
  return {
    name: 'sf-link-source-hash',
    apply: 'build',
    // Hashed before bundling: a source edited during the build makes the next start rebuild.
    buildStart() {
      clearUiBuildHash()
      hash = computeUiBuildHash()
    },
    closeBundle() {
      if (hash) writeUiBuildHash(hash)
    },
  }
}

export default defineConfig(({ command }) => ({
  root,
  // Absolute asset URLs (/assets/…): the same index.html is served at `/` and at `/canvas`.
  base: '/',
  plugins: [
    preact(),
    // Brotli and gzip copies beside each asset (x.js.br, x.js.gz), made once here so the
    // server only picks a file (@fastify/static `preCompressed`) and never compresses per request.
    compression({
      algorithms: ['brotliCompress', 'gzip'],
      include: /\.(js|css|svg)$/,
      threshold: 1024,
      skipIfLargerOrEqual: true,
      logLevel: 'silent',
    }),
    recordSourceHash(),
  ],
  // Only when building: the dev server would otherwise need a restart for each newly used class.
  css: { postcss: { plugins: command === 'build' ? [purgeSlds()] : [] } },
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // Purging the SLDS stylesheet takes a couple of seconds; that is expected, not a warning.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: Object.fromEntries(proxied.map((pattern) => [pattern, { target: server, changeOrigin: false }])),
  },
  preview: {
    host: '127.0.0.1',
    port: 4173,
  },
}))
