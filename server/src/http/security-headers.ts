/**
 * Security headers. The app is framed by Salesforce, so instead of X-Frame-Options
 * (which cannot list several origins) a CSP `frame-ancestors` allows only Salesforce
 * origins, configured extras and, in demo mode, the simulator.
 */
import type { FastifyInstance } from 'fastify'

export const SALESFORCE_FRAME_ANCESTORS = [
  'https://*.salesforce.com',
  'https://*.force.com',
  'https://*.visualforce.com',
  'https://*.my.salesforce.com',
  'https://*.lightning.force.com',
  'https://*.salesforce-setup.com',
]

export function contentSecurityPolicy(extraFrameAncestors: readonly string[]): string {
  const ancestors = ["'self'", ...SALESFORCE_FRAME_ANCESTORS, ...extraFrameAncestors].join(' ')
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    `frame-ancestors ${ancestors}`,
  ].join('; ')
}

export function registerSecurityHeaders(app: FastifyInstance, options: { frameAncestors: readonly string[] }): void {
  const csp = contentSecurityPolicy(options.frameAncestors)
  app.addHook('onSend', async (_request, reply, payload) => {
    // Routes with their own policy (the OpenAPI UI) keep it.
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', csp)
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'strict-origin-when-cross-origin')
    reply.removeHeader('x-frame-options')
    return payload
  })
}
