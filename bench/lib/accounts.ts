/**
 * Setting up linked accounts through the app's own routes (canvas entry, then signup with
 * the pending-link token), as a person would. Each simulated person gets their own client
 * address: signup is rate-limited per IP, and the setup is not what is being measured.
 */
import type { FastifyInstance } from 'fastify'
import type { SalesforceSimulator } from '@sf-link/simulator'

export const FORM = 'application/x-www-form-urlencoded'

export function canvasForm(signedRequest: string): string {
  return `signed_request=${encodeURIComponent(signedRequest)}`
}

/** The JSON the canvas page carries for the UI (the page's `canvas-bootstrap` script). */
export function bootstrapOf(html: string): any {
  const m = /<script type="application\/json" id="canvas-bootstrap">([\s\S]*?)<\/script>/.exec(html)
  if (!m) throw new Error('no canvas bootstrap in page')
  return JSON.parse(m[1]!)
}

/** A distinct private address per index (10.x.y.z), for per-IP rate limits during setup. */
export function addressFor(index: number): string {
  return `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`
}

/** First visit + signup: returns the linked (canvas) session token and the account ID. */
export async function linkThroughCanvas(
  app: FastifyInstance,
  signedRequest: string,
  email: string,
  remoteAddress: string,
): Promise<{ token: string; accountId: string }> {
  const entry = await app.inject({
    method: 'POST',
    url: '/canvas',
    headers: { 'content-type': FORM },
    payload: canvasForm(signedRequest),
    remoteAddress,
  })
  if (entry.statusCode !== 200) throw new Error(`canvas entry answered ${entry.statusCode}`)
  const boot = bootstrapOf(entry.body)
  if (boot.linked) throw new Error(`${email}: this Salesforce user is already linked`)
  const signup = await app.inject({
    method: 'POST',
    url: '/api/auth/signup',
    headers: { authorization: `Bearer ${boot.token}` },
    payload: { email, password: 'a long benchmark password' },
    remoteAddress,
  })
  if (signup.statusCode !== 201) throw new Error(`signup answered ${signup.statusCode}: ${signup.body.slice(0, 200)}`)
  const token = signup.json().token as string
  const me = await app.inject({ url: '/api/me', headers: { authorization: `Bearer ${token}` }, remoteAddress })
  if (me.statusCode !== 200) throw new Error(`/api/me answered ${me.statusCode}`)
  return { token, accountId: me.json().id as string }
}

/** Runs `fn` over `items` with at most `concurrency` at once. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    for (;;) {
      const i = next++
      if (i >= items.length) return
      out[i] = await fn(items[i]!, i)
    }
  })
  await Promise.all(workers)
  return out
}

/**
 * First visit inside Salesforce as `user`, account creation, then a standalone login:
 * the canvas and standalone bearer tokens of the same account.
 */
export async function linkedAccount(
  app: FastifyInstance,
  sim: SalesforceSimulator,
  user: string,
  email: string,
): Promise<{ canvasToken: string; standaloneToken: string }> {
  const entry = await app.inject({
    method: 'POST',
    url: '/canvas',
    headers: { 'content-type': FORM },
    payload: canvasForm(sim.control.signedRequest(user)),
  })
  if (entry.statusCode !== 200) throw new Error(`canvas entry answered ${entry.statusCode}`)
  const password = 'a long benchmark password'
  const signup = await app.inject({
    method: 'POST',
    url: '/api/auth/signup',
    headers: { authorization: `Bearer ${bootstrapOf(entry.body).token}` },
    payload: { email, password },
  })
  if (signup.statusCode !== 201) throw new Error(`signup answered ${signup.statusCode}: ${signup.body.slice(0, 200)}`)
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } })
  if (login.statusCode !== 200) throw new Error(`login answered ${login.statusCode}`)
  return { canvasToken: signup.json().token, standaloneToken: login.json().token }
}
