// A page that plays a Lightning page hosting the Canvas app: it POSTs a signed request into
// an iframe and answers the Canvas SDK's messages (see canvas-host-script.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { CANVAS_HOST_SCRIPT } from '../canvas-host-script.js'
import type { SimulatorContext } from '../context.js'
import { issueCanvasRequest } from '../control.js'
import { buildSignedRequest } from '../signed-request.js'
import type { User } from '../state.js'
import { escapeHtml, JSON_TYPE, queryParams, requestOrigin, scriptJson } from './http.js'

export function registerCanvasHostRoutes(app: FastifyInstance, ctx: SimulatorContext): void {
  const { state } = ctx

  /** The app URL: ?app= (tests), else the one set by option or control. */
  const canvasUrlFor = (request: FastifyRequest): string | null => {
    const q = queryParams(request)
    return q.app ?? state.defaultApp().canvasAppUrl
  }

  const userFor = (request: FastifyRequest): User | undefined => {
    const q = queryParams(request)
    return q.user ? state.userByIdOrUsername(q.user) : state.users.values().next().value
  }

  /** "All users may self-authorize" and this user has not approved the app (or the approval was revoked). */
  const approvalRequired = (user: User): boolean => {
    const app = state.defaultApp()
    return app.permittedUsers === 'self_authorize' && !app.selfAuthorizedUserIds.has(user.id)
  }

  /**
   * Where Salesforce sends a self-authorizing app's user who has not approved it: a GET to the canvas
   * URL (fragment stripped) with _sfdc_canvas_authvalue=user_approval_required, plus the loginUrl the
   * Canvas SDK's Sfdc.canvas.oauth.loginUrl() reads to build its authorize URL.
   */
  const approvalUrl = (canvasUrl: string): string => {
    const url = new URL(canvasUrl)
    url.hash = ''
    url.searchParams.set('_sfdc_canvas_authvalue', 'user_approval_required')
    url.searchParams.set('loginUrl', state.baseUrl)
    return url.toString()
  }

  const signed = (request: FastifyRequest, canvasUrl: string) => {
    const user = userFor(request)
    if (!user) return undefined
    const origin = requestOrigin(request)
    const canvasRequest = issueCanvasRequest(ctx, user.id, {
      targetOrigin: origin,
      canvasUrl,
      locationUrl: `${origin}/canvas-host?user=${user.id}`,
    })
    return { user, canvasRequest, signedRequest: buildSignedRequest(canvasRequest, state.defaultApp().consumerSecret) }
  }

  app.get('/canvas-host/signed-request', async (request, reply) => {
    const user = userFor(request)
    if (user && approvalRequired(user)) {
      return reply
        .code(403)
        .type(JSON_TYPE)
        .header('cache-control', 'no-store')
        .send({ error: 'user_approval_required', message: 'The user has not approved this self-authorizing app.' })
    }
    const result = signed(request, canvasUrlFor(request) ?? '')
    if (!result) return reply.code(404).type(JSON_TYPE).send({ error: 'unknown user' })
    return reply.type(JSON_TYPE).header('cache-control', 'no-store').send({ signedRequest: result.signedRequest })
  })

  app.get('/canvas-host/host.js', async (_request, reply) =>
    reply.type('text/javascript;charset=UTF-8').send(CANVAS_HOST_SCRIPT),
  )

  app.get('/canvas-host', async (request, reply) => {
    const canvasUrl = canvasUrlFor(request)
    if (!canvasUrl) {
      return reply
        .code(409)
        .type('text/html;charset=UTF-8')
        .send(
          '<!DOCTYPE html><title>No canvas app</title><p id="no-canvas-app">No canvas app URL is configured: start the simulator with <code>canvasAppUrl</code>, call <code>control.setCanvasAppUrl(url)</code> (PUT /_sim/canvas), or add <code>?app=URL</code>.</p>',
        )
    }
    if (!URL.canParse(canvasUrl)) {
      return reply
        .code(400)
        .type('text/html;charset=UTF-8')
        .send('<!DOCTYPE html><title>Bad canvas app URL</title><p>The canvas app URL is not an absolute URL.</p>')
    }
    const user = userFor(request)
    if (!user)
      return reply
        .code(404)
        .type('text/html;charset=UTF-8')
        .send('<!DOCTYPE html><title>Unknown user</title><p>Unknown user</p>')
    // Self-authorizing app, not approved yet: no signed request, the iframe gets the approval GET.
    const approval = approvalRequired(user)
    const signedRequest = approval ? '' : signed(request, canvasUrl)!.signedRequest
    const org = state.orgs.get(user.orgId)!
    const q = queryParams(request)
    const refreshUrl = `/canvas-host/signed-request?user=${encodeURIComponent(user.id)}${q.app ? `&app=${encodeURIComponent(q.app)}` : ''}`
    const config = {
      canvasUrl,
      signedRequestUrl: refreshUrl,
      apiVersion: ctx.apiVersion,
      userId: user.id,
      approvalUrl: approval ? approvalUrl(canvasUrl) : null,
    }
    const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(state.defaultApp().name)} | Salesforce</title>
<style>
body{margin:0;font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;background:#b0c4df;color:#080707}
header{display:flex;align-items:center;gap:16px;background:#fff;border-bottom:1px solid #dddbda;padding:8px 16px;height:32px}
header .brand{color:#0176d3;font-weight:700}
header .who{margin-left:auto;font-size:13px}
.tabs{background:#fff;border-bottom:3px solid #0176d3;padding:6px 16px;font-size:14px}
main{margin:12px;background:#fff;border-radius:4px;padding:12px;box-shadow:0 2px 2px rgba(0,0,0,.1)}
#canvas-frame{display:block;width:100%;height:600px;border:0}
.sim-note{font-size:11px;color:#706e6b;margin:4px 0 8px}
</style></head>
<body>
<header><span class="brand">salesforce</span><span>${escapeHtml(org.name)}</span><span class="who" id="current-user">${escapeHtml(`${user.firstName} ${user.lastName}`.trim())} (${escapeHtml(user.username)})</span></header>
<div class="tabs">${escapeHtml(state.defaultApp().name)}</div>
<main>
<p class="sim-note">Salesforce simulator: this page hosts the Canvas app the way a Lightning page does.</p>
<form id="canvas-form" method="post" action="${escapeHtml(canvasUrl)}" target="canvas-frame" enctype="application/x-www-form-urlencoded">
<input type="hidden" name="signed_request" value="${escapeHtml(signedRequest)}">
</form>
<iframe name="canvas-frame" id="canvas-frame" title="${escapeHtml(state.defaultApp().name)}" scrolling="no"></iframe>
</main>
<script type="application/json" id="canvas-host-config">${scriptJson(config)}</script>
<script src="/canvas-host/host.js"></script>
</body></html>`
    return reply.type('text/html;charset=UTF-8').header('cache-control', 'no-store').send(html)
  })
}
