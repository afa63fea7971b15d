/**
 * `GET /canvas`. A self-authorizing canvas app ("All users may self-authorize") is loaded by
 * GET with `_sfdc_canvas_authvalue=user_approval_required` until the person approves it:
 * this page explains that, runs the approval in a popup (Connect with Salesforce's OAuth
 * web-server flow with PKCE, intent `approve`), and then calls
 * `Sfdc.canvas.client.repost(true)` so that Salesforce POSTs the signed request into the
 * iframe (the usual entry, `POST /canvas`). Without that parameter a GET explains that SF Link
 * opens from inside Salesforce. The pages' scripts are files (`/canvas/approval.js`): the
 * content security policy allows no inline script (server/src/http/security-headers.ts).
 */
import fs from 'node:fs'
import path from 'node:path'
import { escapeHtml } from '../http/html.js'

export const APPROVAL_SCRIPT_PATH = '/canvas/approval.js'

/** The Canvas SDK as the UI build copied it (`/assets/canvas-all-<hash>.js`), or null before a build. */
export function findCanvasSdkUrl(uiDir: string): string | null {
  const assets = path.join(uiDir, 'assets')
  if (!fs.existsSync(assets)) return null
  const file = fs.readdirSync(assets).find((f) => /^canvas-all-[\w-]+\.js$/.test(f))
  return file ? `/assets/${file}` : null
}

const STYLE = `<style>
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;background:#f3f3f3;color:#181818;margin:0;padding:2rem}
.card{background:#fff;border:1px solid #c9c9c9;border-radius:.25rem;max-width:40rem;margin:0 auto;padding:1.5rem;box-shadow:0 2px 2px rgba(0,0,0,.1)}
h1{font-size:1.25rem;margin:0 0 .75rem} p{line-height:1.45}
button{background:#0176d3;color:#fff;border:0;border-radius:.25rem;padding:.5rem 1rem;font-size:1rem;cursor:pointer}
button[disabled]{background:#c9c9c9;cursor:default}
.status{margin-top:1rem;color:#444} .error{color:#ba0517}
</style>`

function page(title: string, body: string, scripts: string[] = []): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">${STYLE}</head>
<body><main class="card">${body}</main>${scripts.map((s) => `<script src="${escapeHtml(s)}"></script>`).join('')}</body></html>`
}

/** The approval step of a self-authorizing canvas app, inside the iframe. */
export function approvalPage(opts: { startUrl: string; sdkUrl: string | null }): string {
  return page(
    'Approve SF Link',
    `<h1>Approve SF Link to continue</h1>
<p>Your Salesforce admin lets each person approve SF Link themselves. Approve it once in Salesforce:
a Salesforce window opens where you choose <strong>Allow</strong>. SF Link then opens here.</p>
<p>SF Link uses this approval to read the records you choose and to record unsubscribes. You can
revoke it any time in Salesforce (your settings → Connected Apps OAuth Usage).</p>
<button type="button" id="approve" data-start-url="${escapeHtml(opts.startUrl)}">Approve SF Link in Salesforce</button>
<p class="status" id="approval-status" role="status" aria-live="polite"></p>`,
    [...(opts.sdkUrl ? [opts.sdkUrl] : []), APPROVAL_SCRIPT_PATH],
  )
}

/** A GET without the approval parameter: SF Link is opened from inside Salesforce (or at /). */
export function outsideSalesforcePage(): string {
  return page(
    'SF Link opens inside Salesforce',
    `<h1>SF Link opens from inside Salesforce</h1>
<p>This address is where Salesforce opens SF Link in your org: Salesforce sends it your signed
request, so it is not meant to be opened directly.</p>
<p>Open the <strong>SF Link</strong> tab in Salesforce (App Launcher → SF Link), or use SF Link
outside Salesforce at <a href="/">its own page</a>.</p>`,
  )
}

/**
 * Runs in the iframe: opens the approval popup inside the click (popup blockers allow that),
 * waits for the popup's "approved" message (`/oauth/salesforce/done`, same origin), then asks
 * Salesforce for the signed request with `Sfdc.canvas.client.repost(true)`.
 */
export const APPROVAL_SCRIPT = `(function () {
  'use strict';
  var button = document.getElementById('approve');
  var status = document.getElementById('approval-status');
  if (!button || !status) return;
  var popup = null;
  var watch = null;
  function say(text, error) {
    status.textContent = text;
    status.className = error ? 'status error' : 'status';
  }
  function repost() {
    var sdk = window.Sfdc && window.Sfdc.canvas && window.Sfdc.canvas.client;
    if (!sdk) {
      say('Approved. Reload this Salesforce page to open SF Link.');
      return;
    }
    say('Approved. Opening SF Link…');
    sdk.repost(true);
  }
  window.addEventListener('message', function (event) {
    if (event.origin !== location.origin || !event.data || event.data.type !== 'sflink:oauth') return;
    if (watch) clearInterval(watch);
    button.disabled = false;
    if (event.data.outcome === 'approved' || event.data.outcome === 'connected') repost();
    else say(event.data.message || 'The approval did not finish. Try again.', true);
  });
  button.addEventListener('click', function () {
    popup = window.open(button.getAttribute('data-start-url'), 'sflink-approval', 'width=640,height=720');
    if (!popup) {
      say('Your browser blocked the Salesforce window. Allow pop-ups for this page and try again.', true);
      return;
    }
    button.disabled = true;
    say('Finish in the Salesforce window that opened.');
    watch = setInterval(function () {
      if (popup && popup.closed) {
        clearInterval(watch);
        button.disabled = false;
        if (status.className === 'status') say('The Salesforce window was closed before the approval finished. Try again.', true);
      }
    }, 500);
  });
})();
`
