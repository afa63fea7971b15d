/**
 * Creates every service once, with its dependencies passed explicitly. Route plugins
 * and the worker receive this object; nothing else holds module-level state.
 */
import type { ResolvedConfig } from './config.js'
import type { Pool } from './db/pool.js'
import { createSecretBox, type SecretBox } from './crypto/secret-box.js'
import { createSecretStore, type SecretStore } from './crypto/secret-store.js'
import { createAuditLog, type AuditLog } from './audit/audit-log.js'
import { createSessionService, type SessionService } from './http/session-service.js'
import { createAccountService, type AccountService } from './accounts/service.js'
import { createCredentialStore, type CredentialStore } from './links/credential-store.js'
import { createLinkService, type LinkService } from './links/service.js'
import { createCanvasService, type CanvasService } from './canvas/service.js'
import { createSalesforceAccess, type SalesforceAccessInternals } from './salesforce/access.js'
import { createCredentialsService, type CredentialsService } from './salesforce/credentials-service.js'
import { createConnectionService, type ConnectionService } from './connections/service.js'
import { createApiKeyService, type ApiKeyService } from './api-keys/service.js'
import { createUnsubscribeService, type UnsubscribeService } from './unsubscribes/service.js'
import { createRateLimits, type RateLimits } from './rate-limits/service.js'
import { createNotificationService, type NotificationService } from './notifications/service.js'
import { createMailer, type Mailer } from './notifications/mailer.js'
import { createUnsubscribeTokens } from './notifications/unsubscribe-token.js'
import { checkAccessToken } from './salesforce/strategies.js'
import { isAllowedInstanceUrl } from './salesforce/hosts.js'
import type { JobSender } from './jobs/sender.js'
import { createApiUsage, type ApiUsage, type CapReachedHook } from './salesforce/api-usage.js'
import { createBounceService, type BounceService } from './bounces/service.js'
import { createSyncHealthService, type SyncHealthService } from './sync-health/service.js'
import { capReachedNotice } from './sync-health/cap-notice.js'

export interface Services {
  config: ResolvedConfig
  pool: Pool
  box: SecretBox
  secrets: SecretStore
  audit: AuditLog
  jobs: JobSender | null
  sessions: SessionService
  accounts: AccountService
  credentials: CredentialStore
  links: LinkService
  canvas: CanvasService
  salesforce: SalesforceAccessInternals
  salesforceCredentials: CredentialsService
  connections: ConnectionService
  apiKeys: ApiKeyService
  unsubscribes: UnsubscribeService
  bounces: BounceService
  apiUsage: ApiUsage
  syncHealth: SyncHealthService
  rateLimits: RateLimits
  notifications: NotificationService
}

export interface ServiceDeps {
  config: ResolvedConfig
  pool: Pool
  jobs?: JobSender | null
  /** How notification emails leave (default: SMTP per config; null sends none). */
  mailer?: Mailer | null
  /** The clock of notifications and of API-use windows (tests move it forward). */
  now?: () => Date
  /**
   * Also told when background work meets the API cap (once per window), besides the email
   * to the owners of the accounts linked to the org.
   */
  onApiCapReached?: CapReachedHook
}

/** How long a canvas OAuth token is trusted after a visit before the UI renews it. */
const CANVAS_TOKEN_TTL_SECONDS = 60 * 60

export function createServices(deps: ServiceDeps): Services {
  const { config, pool } = deps
  const rateLimits = createRateLimits({ db: pool })
  const box = createSecretBox(config.encryptionKeys)
  const secrets = createSecretStore(box)
  const audit = createAuditLog({ db: pool })
  const sessions = createSessionService({
    secret: config.sessionSecret,
    canvasMinutes: config.canvasSessionMinutes,
    cookieHours: config.cookieSessionHours,
  })
  const credentials = createCredentialStore({ secrets })
  const links = createLinkService({ pool, credentials })
  const accounts = createAccountService({
    pool,
    sessions,
    links,
    credentials,
    secrets,
    audit,
    canvasTokenTtlSeconds: CANVAS_TOKEN_TTL_SECONDS,
  })
  const canvas = createCanvasService({
    pool,
    consumerSecrets: () => config.salesforce.consumerSecrets,
    // Only https Salesforce instance URLs, except the configured extra hosts (the simulator): the
    // canvas OAuth token is sent there, so never in clear text nor to any other host.
    isAllowedInstanceHost: (host) => config.salesforce.extraHosts.includes(host.toLowerCase()),
    checkToken: (instanceUrl, accessToken) =>
      isAllowedInstanceUrl(instanceUrl, config.salesforce.extraHosts)
        ? checkAccessToken({ instanceUrl, accessToken })
        : Promise.resolve({ live: false, reason: 'rejected' as const }),
    sessions,
    credentials,
    secrets,
    audit,
    canvasTokenTtlSeconds: CANVAS_TOKEN_TTL_SECONDS,
  })
  // The notification service is made below; the hook reaches it only when the cap is met.
  let notifications: NotificationService | null = null
  const apiUsage = createApiUsage({
    pool,
    now: deps.now,
    onCapReached: capReachedNotice({ pool, notifications: () => notifications!, also: deps.onApiCapReached }),
  })
  const salesforce = createSalesforceAccess({ config, pool, links, credentials, audit, usage: apiUsage })
  const salesforceCredentials = createCredentialsService({
    config,
    pool,
    links,
    credentials,
    access: salesforce,
    secrets,
    sessions,
    audit,
    limits: rateLimits,
  })
  const connections = createConnectionService({
    pool,
    salesforce,
    bulk: {
      threshold: config.pullBulkThreshold,
      pageRecords: config.pullBulkPageRecords,
      extraHosts: config.salesforce.extraHosts,
    },
  })
  const apiKeys = createApiKeyService({ pool, audit })
  const unsubscribes = createUnsubscribeService({ pool, salesforce, jobs: deps.jobs ?? null })
  const bounces = createBounceService({ pool, jobs: deps.jobs ?? null })
  const syncHealth = createSyncHealthService({
    pool,
    links,
    usage: apiUsage,
    jobs: deps.jobs ?? null,
    audit,
  })
  notifications = createNotificationService({
    config,
    pool,
    mailer: deps.mailer === undefined ? createMailer(config.notifications) : deps.mailer,
    tokens: createUnsubscribeTokens(config.sessionSecret),
    now: deps.now,
  })
  return {
    config,
    pool,
    box,
    secrets,
    audit,
    jobs: deps.jobs ?? null,
    sessions,
    accounts,
    credentials,
    links,
    canvas,
    salesforce,
    salesforceCredentials,
    connections,
    apiKeys,
    unsubscribes,
    bounces,
    apiUsage,
    syncHealth,
    rateLimits,
    notifications,
  }
}
