import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Org, Session, User } from '../state.js'

export const JSON_TYPE = 'application/json;charset=UTF-8'

/** Salesforce's REST error body: `[{message, errorCode, fields?}]`. */
export function sendSfError(
  reply: FastifyReply,
  status: number,
  errorCode: string,
  message: string,
  fields?: string[],
): FastifyReply {
  return reply
    .code(status)
    .type(JSON_TYPE)
    .send([{ message, errorCode, ...(fields ? { fields } : {}) }])
}

/** The OAuth error body of the token endpoint: `{error, error_description}`, status 400. */
export function sendOAuthError(reply: FastifyReply, error: string, description: string, status = 400): FastifyReply {
  return reply
    .code(status)
    .type(JSON_TYPE)
    .header('cache-control', 'no-cache,must-revalidate,max-age=0,no-store,private')
    .send({ error, error_description: description })
}

/** Access token from `Authorization: Bearer|OAuth <token>` (the Canvas SDK sends "OAuth"). */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  const m = header ? /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(header) : null
  return m ? m[1] : undefined
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
}

/** JSON for a <script type="application/json"> block. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c')
}

/** Origin the browser used for this request (the page's own origin). */
export function requestOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

export function formBody(request: FastifyRequest): Record<string, string> {
  const body = request.body
  if (!body || typeof body !== 'object') return {}
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v
    else if (Array.isArray(v) && typeof v[0] === 'string') out[k] = v[0]
  }
  return out
}

export function queryParams(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v
    else if (Array.isArray(v) && typeof v[0] === 'string') out[k] = v[0]
  }
  return out
}

/** A plain page in Salesforce's login look (the OAuth pages). */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{margin:0;font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;background:#f3f3f3;color:#16325c}
main{max-width:380px;margin:48px auto;background:#fff;border:1px solid #d8dde6;border-radius:4px;padding:24px}
h1{font-size:20px;margin:0 0 16px;text-align:center}
.logo{display:block;text-align:center;color:#0070d2;font-weight:700;font-size:24px;margin-bottom:12px}
label{display:block;font-size:13px;margin:12px 0 4px}
input[type=email],input[type=text],input[type=password]{box-sizing:border-box;width:100%;padding:10px;border:1px solid #d8dde6;border-radius:4px;font-size:14px}
button{margin-top:16px;width:100%;padding:10px;border:0;border-radius:4px;background:#0070d2;color:#fff;font-size:14px;cursor:pointer}
button.secondary{background:#fff;color:#0070d2;border:1px solid #d8dde6}
.error{background:#c23934;color:#fff;padding:10px;border-radius:4px;font-size:13px}
.note{font-size:12px;color:#54698d;margin-top:16px}
</style></head><body><main><span class="logo">salesforce</span>${body}</main></body></html>`
}

/** What a data route knows of its caller (routes/rest.ts builds it from the session). */
export interface ApiContext {
  session: Session
  user: User
  org: Org
  version: string
}

export type ApiHandler = (request: FastifyRequest, reply: FastifyReply, api: ApiContext) => Promise<unknown> | unknown

/**
 * Wraps a data route: session, org switches, daily cap, counting, Sforce-Limit-Info (built in
 * routes/rest.ts, handed to the routes that register beside it: bulk2.ts, composite.ts).
 */
export type ApiRoute = (
  endpoint: string,
  handler: ApiHandler,
) => (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>
