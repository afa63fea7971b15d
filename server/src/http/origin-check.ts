/**
 * Routes that set a session cookie (sign up, sign in, sign out) refuse a request whose
 * `Origin` is another site's: a cross-site page must not be able to sign a browser in to an
 * account of the attacker's choosing (login CSRF) or out of its own. Requests without
 * `Origin` (API clients, curl) pass: browsers always send it on a cross-origin POST. A route
 * opts in with `config: { sameOrigin: true }`.
 */
import type { FastifyInstance } from 'fastify'
import { AppError } from '../errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    sameOrigin?: boolean
  }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/** The origins this app answers as: PUBLIC_URL's, plus outside production its loopback aliases. */
export function ownOrigins(publicUrl: string, allowLoopbackAliases: boolean): Set<string> {
  const own = new URL(publicUrl)
  const origins = new Set([own.origin])
  // In demo mode and development people open http://localhost:3000 or http://127.0.0.1:3000
  // alike; both are this machine, so neither is another site.
  if (allowLoopbackAliases && LOOPBACK.has(own.hostname)) {
    for (const host of LOOPBACK) origins.add(`${own.protocol}//${host}${own.port ? `:${own.port}` : ''}`)
  }
  return origins
}

export function registerOriginCheck(
  app: FastifyInstance,
  options: { publicUrl: string; allowLoopbackAliases: boolean },
): void {
  const allowed = ownOrigins(options.publicUrl, options.allowLoopbackAliases)
  app.addHook('onRequest', async (request) => {
    if (!request.routeOptions.config?.sameOrigin) return
    const origin = request.headers.origin
    if (origin === undefined) return
    if (!allowed.has(origin)) throw new AppError('ORIGIN_NOT_ALLOWED')
  })
}
