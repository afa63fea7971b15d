/** Registers every domain's routes. Each domain's `routes.ts` stays thin and calls its service. */
import type { FastifyInstance } from 'fastify'
import type { ResolvedConfig } from './config.js'
import type { Services } from './services.js'
import type { DemoInfo } from './demo/info.js'
import { demoRoutes } from './demo/routes.js'
import { registerAuth } from './http/auth.js'
import { accountRoutes } from './accounts/routes.js'
import { canvasRoutes } from './canvas/routes.js'
import { createCanvasPageRenderer } from './canvas/page.js'
import { findCanvasSdkUrl } from './canvas/approval-page.js'
import { loginUrlFor } from './salesforce/hosts.js'
import { linkRoutes } from './links/routes.js'
import { salesforceRoutes } from './salesforce/routes.js'
import { connectionRoutes } from './connections/routes.js'
import { apiKeyRoutes } from './api-keys/routes.js'
import { unsubscribeRoutes } from './unsubscribes/routes.js'
import { bounceRoutes } from './bounces/routes.js'
import { syncHealthRoutes } from './sync-health/routes.js'
import { notificationRoutes } from './notifications/routes.js'

export async function registerRoutes(
  app: FastifyInstance,
  opts: { config: ResolvedConfig; services: Services; demo: DemoInfo | null; uiDir: string },
): Promise<void> {
  const { config, services } = opts
  registerAuth(app, {
    pool: services.pool,
    sessions: services.sessions,
    secret: config.sessionSecret,
    apiKeys: () => services.apiKeys,
  })
  let sdkUrl: string | null = null
  await app.register(canvasRoutes, {
    canvas: services.canvas,
    renderPage: createCanvasPageRenderer(opts.uiDir),
    sdkUrl: () => (sdkUrl ??= findCanvasSdkUrl(opts.uiDir)),
    // Salesforce names its login URL (My Domain, or the simulator in demo mode); anything else is production.
    environmentFor: (loginUrl) => {
      const allowed =
        loginUrl &&
        loginUrlFor(loginUrl, {
          productionLoginUrl: config.salesforce.loginUrl,
          extraHosts: config.salesforce.extraHosts,
        })
      return allowed || 'production'
    },
  })
  await app.register(accountRoutes, {
    accounts: services.accounts,
    secret: config.sessionSecret,
    secureCookies: config.publicUrl.startsWith('https:'),
  })
  await app.register(linkRoutes, { links: services.links })
  await app.register(salesforceRoutes, {
    service: services.salesforceCredentials,
    secureCookies: config.publicUrl.startsWith('https:'),
  })
  await app.register(connectionRoutes, { connections: services.connections })
  await app.register(apiKeyRoutes, { apiKeys: services.apiKeys, accounts: services.accounts })
  await app.register(unsubscribeRoutes, { unsubscribes: services.unsubscribes })
  await app.register(bounceRoutes, { bounces: services.bounces })
  await app.register(syncHealthRoutes, { health: services.syncHealth })
  await app.register(notificationRoutes, { notifications: services.notifications })
  if (opts.demo) await app.register(demoRoutes, { demo: opts.demo, publicUrl: config.publicUrl })
}
