/**
 * Where Connect with Salesforce ends when it ran in a popup window (started inside the
 * Salesforce iframe, or the approval of a self-authorizing canvas app): a page that says how
 * it went, tells the window that opened it (same origin, `postMessage`), and closes itself
 * after a success. Its script is a file: the content security policy allows no inline script.
 */
import { ERRORS, type ErrorCode } from '../errors.js'
import type { PopupOutcome } from './credentials-service.js'
import { escapeHtml } from '../http/html.js'

export const OAUTH_DONE_SCRIPT_PATH = '/oauth/salesforce/done.js'

export function oauthDoneContent(outcome: PopupOutcome, code: string | undefined): { title: string; message: string } {
  if (outcome === 'approved')
    return {
      title: 'SF Link is approved',
      message: 'SF Link now opens in Salesforce. This window closes by itself.',
    }
  if (outcome === 'connected')
    return {
      title: 'Connected with Salesforce',
      message:
        'SF Link can now reach your Salesforce data outside Salesforce, without your password or security token. This window closes by itself.',
    }
  const known: ErrorCode = code && Object.hasOwn(ERRORS, code) ? (code as ErrorCode) : 'SF_OAUTH_FAILED'
  return {
    title: known === 'SF_OAUTH_DENIED' ? 'You declined access' : 'Connect with Salesforce did not finish',
    message: ERRORS[known].message,
  }
}

export function oauthDonePage(outcome: PopupOutcome, code: string | undefined): string {
  const { title, message } = oauthDoneContent(outcome, code)
  const failed = outcome === 'failed'
  const safeCode = code && Object.hasOwn(ERRORS, code) ? code : failed ? 'SF_OAUTH_FAILED' : ''
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;background:#f3f3f3;color:#181818;margin:0;padding:2rem}
.card{background:#fff;border:1px solid #c9c9c9;border-radius:.25rem;max-width:32rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.25rem;margin:0 0 .75rem;color:${failed ? '#ba0517' : '#2e844a'}}
</style></head>
<body data-outcome="${escapeHtml(outcome)}" data-code="${escapeHtml(safeCode)}" data-message="${escapeHtml(message)}">
<main class="card" role="${failed ? 'alert' : 'status'}"><h1 id="oauth-done-title">${escapeHtml(title)}</h1>
<p id="oauth-done-message">${escapeHtml(message)}</p>
${failed ? `<p>Code: <code id="oauth-done-code">${escapeHtml(safeCode)}</code></p>` : ''}
<p><button type="button" id="oauth-done-close">Close this window</button></p></main>
<script src="${OAUTH_DONE_SCRIPT_PATH}"></script></body></html>`
}

export const OAUTH_DONE_SCRIPT = `(function () {
  'use strict';
  var b = document.body;
  var data = { type: 'sflink:oauth', outcome: b.getAttribute('data-outcome'), code: b.getAttribute('data-code') || null, message: b.getAttribute('data-message') };
  try {
    if (window.opener && !window.opener.closed) window.opener.postMessage(data, location.origin);
  } catch (e) {}
  var close = document.getElementById('oauth-done-close');
  if (close) close.addEventListener('click', function () { window.close(); });
  if (data.outcome !== 'failed' && window.opener) setTimeout(function () { window.close(); }, 1500);
})();
`
