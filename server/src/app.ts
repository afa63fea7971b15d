/**
 * Builds the Fastify app (it does not listen: server.ts does). Every dependency comes in
 * through `AppDeps`; services are created once here and handed to the route plugins.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import cookie from '@fastify/cookie'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fastifyStatic from '@fastify/static'
import type { Config, ResolvedConfig } from './config.js'
import type { Pool } from './db/pool.js'
import { registerErrorHandler } from './http/error-handler.js'
import { registerSecurityHeaders } from './http/security-headers.js'
import { registerBodyParsers } from './http/body-parsing.js'
import { registerOriginCheck } from './http/origin-check.js'
import { registerControlCharacterCheck } from './http/control-characters.js'
import { healthRoutes } from './health/routes.js'
import { ErrorSchema } from './contract/index.js'
import { createServices, type Services } from './services.js'
import { registerRoutes } from './routes.js'
import { postgresRateLimitStore } from './rate-limits/store.js'
import type { DemoInfo } from './demo/info.js'

export interface AppDeps {
  config: ResolvedConfig
  pool: Pool
  logger?: FastifyServerOptions['logger'] | FastifyServerOptions['loggerInstance']
  demo?: DemoInfo | null
  /** Sends background jobs (pg-boss); absent in tests that don't need jobs. */
  jobs?: Services['jobs']
  /** Services already created (server.ts shares them with the worker); built here otherwise. */
  services?: Services
  /** Where the built canvas UI lives (default canvas-ui/dist). */
  uiDir?: string
}

const here = path.dirname(fileURLToPath(import.meta.url))

export function defaultUiDir(): string {
  // server/src → ../../canvas-ui/dist; compiled: dist/server/src → ../../../canvas-ui/dist
  const candidates = [
    path.resolve(here, '../../canvas-ui/dist'),
    path.resolve(here, '../../../canvas-ui/dist'),
    path.resolve('canvas-ui/dist'),
  ]
  return candidates.find((c) => fs.existsSync(path.join(c, 'index.html'))) ?? candidates[0]!
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
    config: ResolvedConfig
  }
}

/**
 * Fastify 5 answers a hop count with "trust nobody" (it cannot check the immediate peer), so a
 * count becomes proxy-addr's own rule: trust the first `hops` addresses from the socket inward.
 * With a count, the port must be reachable only through the proxies (Compose publishes it on
 * 127.0.0.1); addresses or CIDRs also check who the immediate peer is.
 */
function fastifyTrustProxy(
  trust: Config['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps
  const loggerOpt =
    deps.logger && typeof (deps.logger as { child?: unknown }).child === 'function'
      ? { loggerInstance: deps.logger as FastifyServerOptions['loggerInstance'] }
      : { logger: (deps.logger as FastifyServerOptions['logger']) ?? false }
  const app = Fastify({
    ...loggerOpt,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    bodyLimit: 1024 * 1024,
    // Sessions are rows, not memory: any instance can serve any request.
    requestIdHeader: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  const services = deps.services ?? createServices({ config, pool: deps.pool, jobs: deps.jobs })
  app.decorate('services', services)
  app.decorate('config', config)

  registerErrorHandler(app)
  const frameAncestors = [...config.frameAncestorsExtra]
  if (deps.demo) frameAncestors.push(new URL(deps.demo.simulatorUrl).origin)
  registerSecurityHeaders(app, { frameAncestors })
  registerOriginCheck(app, { publicUrl: config.publicUrl, allowLoopbackAliases: config.mode !== 'production' })

  registerBodyParsers(app)
  registerControlCharacterCheck(app)
  await app.register(cookie, { secret: config.sessionSecret })
  // Counted in Postgres: every instance behind the load balancer shares one count.
  await app.register(rateLimit, { global: false, store: postgresRateLimitStore(services.rateLimits) })
  app.addSchema(ErrorSchema)

  await app.register(swagger, {
    openapi: {
      // 3.1: its schemas are JSON Schema, so /docs shows the route schemas (server/src/contract/)
      // exactly as they validate and serialize (3.0 would rewrite every null union as `nullable`).
      openapi: '3.1.0',
      info: {
        title: 'SF Link API',
        version: '0.1.0',
        description: 'The Salesforce side of SF Link: canvas entry, accounts, credentials, connections, unsubscribes.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Session token (canvas) or API key (sfl_…)' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'sfl_session' },
        },
      },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })

  const uiDir = deps.uiDir ?? defaultUiDir()
  await app.register(healthRoutes, { pool: deps.pool })
  await registerRoutes(app, { config, services, demo: deps.demo ?? null, uiDir })

  if (fs.existsSync(path.join(uiDir, 'assets'))) {
    // Every file under /assets/ has a content hash in its name (Vite), so a browser may keep it
    // for a year without asking again; index.html (below, and POST /canvas) is never cached.
    // The build writes brotli and gzip copies beside each file: the server picks one, it never
    // compresses per request.
    await app.register(fastifyStatic, {
      root: path.join(uiDir, 'assets'),
      prefix: '/assets/',
      index: false,
      wildcard: false,
      globIgnore: ['**/*.br', '**/*.gz'],
      preCompressed: true,
      maxAge: '365d',
      immutable: true,
      decorateReply: false,
    })
  }
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const index = path.join(uiDir, 'index.html')
    if (!fs.existsSync(index)) {
      return reply.type('text/plain').send('SF Link API is running. The UI is not built: run `npm run build:ui`.')
    }
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(fs.readFileSync(index, 'utf8'))
  })

  return app
}
