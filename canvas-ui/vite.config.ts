// Vite config for the canvas UI. Run from the repository root:
//   npm run build:ui  → canvas-ui/dist (served by the server: index.html at `/` and, with the
//                       Canvas bootstrap filled in, at `POST /canvas`; files under /assets/)
//   npm run dev:ui    → dev server with hot reload, proxying the API to a server on :3000
import { fileURLToPath } from 'node:url'
import preact from '@preact/preset-vite'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))
const server = process.env.SF_LINK_SERVER_URL ?? 'http://127.0.0.1:3000'

// Everything that is not the UI itself belongs to the Fastify server. Patterns starting
// with ^ are regular expressions (so `/canvas` does not also catch, say, `/canvas-x`).
const proxied = ['^/api/', '^/canvas(/|$)', '^/oauth/', '^/demo\\.json$', '^/healthz$', '^/readyz$', '^/docs(/|$)']

export default defineConfig({
  root,
  // Absolute asset URLs (/assets/…): the same index.html is served at `/` and at `/canvas`.
  base: '/',
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // The SLDS stylesheet alone is ~850 kB minified (~110 kB gzipped); say so only above that.
    chunkSizeWarningLimit: 1000,
    // Transforming that stylesheet takes a couple of seconds; that is expected, not a warning.
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
})
