/**
 * The HTML the canvas iframe receives: the built UI's index.html with the bootstrap JSON
 * in place of its placeholder, or a small error page that never echoes the request.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { CanvasBootstrap } from './service.js'
import { escapeHtml } from '../http/html.js'

export const BOOTSTRAP_PLACEHOLDER = '<!--canvas-bootstrap-->'

const SCRIPT_UNSAFE = /[<>&\u2028\u2029]/g
const SCRIPT_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
}

/** JSON inside <script> must not be able to close the element (one pass over the text). */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(SCRIPT_UNSAFE, (c) => SCRIPT_ESCAPES[c]!)
}

export function createCanvasPageRenderer(uiDir: string): (bootstrap: CanvasBootstrap) => string {
  let cached: string | null = null
  const template = () => {
    // Read once; in development a rebuilt UI is picked up after a restart.
    cached ??= fs.existsSync(path.join(uiDir, 'index.html'))
      ? fs.readFileSync(path.join(uiDir, 'index.html'), 'utf8')
      : `<!doctype html><html><head>${BOOTSTRAP_PLACEHOLDER}</head><body><p>SF Link UI is not built (npm run build:ui).</p></body></html>`
    return cached
  }
  return (bootstrap) => {
    const tag = `<script type="application/json" id="canvas-bootstrap">${scriptSafeJson(bootstrap)}</script>`
    const html = template()
    return html.includes(BOOTSTRAP_PLACEHOLDER)
      ? html.replace(BOOTSTRAP_PLACEHOLDER, tag)
      : html.replace('</head>', `${tag}</head>`)
  }
}

export function canvasErrorPage(status: number, code: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SF Link: ${status}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;background:#f3f3f3;color:#181818;margin:0;padding:2rem}
.card{background:#fff;border:1px solid #c9c9c9;border-radius:.25rem;max-width:40rem;margin:0 auto;padding:1.5rem;box-shadow:0 2px 2px rgba(0,0,0,.1)}
h1{font-size:1.25rem;margin:0 0 .75rem;color:#ba0517} code{background:#f3f3f3;padding:.1rem .3rem;border-radius:.2rem}
</style></head>
<body><main class="card" role="alert"><h1>SF Link could not open (${status})</h1>
<p>${escapeHtml(message)}</p><p>Error code: <code id="error-code">${escapeHtml(code)}</code></p>
<p>Reload the page in Salesforce. If this keeps happening, ask your Salesforce admin to check the SF Link app's consumer secret.</p></main></body></html>`
}
