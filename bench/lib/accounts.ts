/**
 * Setting up linked accounts through the app's own routes (canvas entry, then signup with
 * the pending-link token), as a person would. Each simulated person gets their own client
 * address: signup is rate-limited per IP, and the setup is not what is being measured.
 */
import type { FastifyInstance } from 'fastify'
import { bootstrapOf } from '../../test/helpers/canvas.js'

export const FORM = 'application/x-www-form-urlencoded'

export function canvasForm(signedRequest: string): string {
  return `signed_request=${encodeURIComponent(signedRequest)}`
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
