/**
 * The one door to Salesforce (docs/spec.md §3). Picks a strategy, shares one cached access token
 * per credential across requests, jobs and instances, refreshes once on a 401, and keeps
 * lockout safety: after a credential error the credential's circuit is open and no login
 * is attempted with it until the person changes it (its `version` changes).
 */
import crypto from 'node:crypto'
import jsforce, { type Connection } from 'jsforce'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Pool } from '../db/pool.js'
import { withTransaction } from '../db/pool.js'
import { AppError } from '../errors.js'
import type { AuditLog } from '../audit/audit-log.js'
import type { LinkService, LinkRow } from '../links/service.js'
import * as policy from '../links/credential-policy.js'
import type { CredentialStore } from '../links/credential-store.js'
import * as repo from '../links/credentials-repository.js'
import type { CredentialRow } from '../links/credentials-repository.js'
import { translateSalesforceError } from './error-translation.js'
import { isAllowedInstanceUrl } from './hosts.js'
import { retirePasswordCredential } from '../links/retire-password.js'
import * as strategies from './strategies.js'
import type { AccessState, AccessTarget, SalesforceAccess } from './access-types.js'
import type { ApiUsage, Meter } from './api-usage.js'

export type { AccessTarget, AccessState, SalesforceAccess }

export interface SalesforceAccessInternals extends SalesforceAccess {
  oauthClient(): strategies.OAuthClientConfig
  jwtAudience(loginUrl: string): string
}

const LEASE_SECONDS = 30
const WAIT_STEP_MS = 50
/** A second refresh within this window means the fresh session is rejected too: stop, never loop. */
const REFRESH_LOOP_WINDOW_MS = 30_000

function backoffSeconds(failures: number): number {
  const base = Math.min(30 * 2 ** Math.max(0, failures), 30 * 60)
  return Math.round(base * (0.75 + Math.random() * 0.5)) // jitter
}

export function createSalesforceAccess(deps: {
  config: Config
  pool: Pool
  links: LinkService
  credentials: CredentialStore
  audit: AuditLog
  /** Counts each API call per org and stops background calls at the cap. */
  usage?: ApiUsage
  log?: Logger
}): SalesforceAccessInternals {
  const { config, pool, links, credentials, audit, log, usage } = deps
  const instanceId = crypto.randomUUID()
  const inFlight = new Map<string, Promise<{ accessToken: string; instanceUrl: string; obtainedAt: number }>>()
  /** The refresh token each credential's last login of this instance used (to tell a rotation race from a revocation). */
  const usedRefreshToken = new Map<string, string>()

  const oauthClient = (): strategies.OAuthClientConfig => ({
    consumerKey: config.salesforce.consumerKey,
    consumerSecret: config.salesforce.consumerSecrets[0] ?? null,
    redirectUri: `${config.publicUrl}/oauth/salesforce/callback`,
  })

  function jwtAudience(loginUrl: string): string {
    const host = new URL(loginUrl).host
    if (config.salesforce.extraHosts.includes(host)) return new URL(loginUrl).origin
    if (host === 'test.salesforce.com' || host.includes('.sandbox.')) return 'https://test.salesforce.com'
    return 'https://login.salesforce.com'
  }

  /** Performs the strategy's login. No caching, no guards: callers hold the lease. */
  async function performLogin(cred: CredentialRow, link: LinkRow | null): Promise<strategies.LoginResult> {
    const loginUrl = cred.loginUrl ?? config.salesforce.loginUrl
    switch (cred.kind) {
      case 'password_token': {
        const password = await credentials.secret(pool, cred.id, 'password')
        const securityToken = await credentials.secret(pool, cred.id, 'securityToken')
        if (!password || !cred.username) throw new AppError('SF_CREDENTIALS_REQUIRED')
        return strategies.loginWithPassword({
          loginUrl,
          username: cred.username,
          password,
          securityToken,
          extraHosts: config.salesforce.extraHosts,
        })
      }
      case 'oauth_refresh': {
        const refreshToken = await credentials.secret(pool, cred.id, 'refreshToken')
        if (!refreshToken) throw new AppError('SF_AUTHORIZATION_REVOKED')
        usedRefreshToken.set(cred.id, refreshToken)
        return strategies.loginWithRefreshToken({
          loginUrl,
          refreshToken,
          client: oauthClient(),
          extraHosts: config.salesforce.extraHosts,
        })
      }
      case 'jwt_bearer': {
        const username = cred.username ?? link?.username
        if (!username) throw new AppError('SF_CREDENTIALS_REQUIRED')
        return strategies.loginWithJwt({
          loginUrl,
          audience: jwtAudience(loginUrl),
          username,
          privateKey: config.salesforce.jwtPrivateKey,
          client: oauthClient(),
          extraHosts: config.salesforce.extraHosts,
        })
      }
      case 'canvas':
        // A canvas token cannot be renewed server-side: the page renews the signed request.
        throw new AppError(
          'SESSION_EXPIRED',
          'Your Salesforce session inside SF Link has expired. Reload SF Link in Salesforce.',
        )
    }
  }

  async function recordFailure(cred: CredentialRow, err: AppError): Promise<void> {
    if (policy.isCredentialError(err.code)) {
      await repo.recordLoginFailure(pool, cred.id, cred.version, {
        status: 'needs_attention',
        reason: err.code,
        retryAfterSeconds: null,
      })
    } else if (err.code === 'SF_RATE_LIMITED') {
      await repo.recordLoginFailure(pool, cred.id, cred.version, {
        status: 'rate_limited',
        reason: err.code,
        retryAfterSeconds: backoffSeconds(cred.failureCount),
      })
    } else if (err.code === 'SF_UNAVAILABLE') {
      await repo.recordLoginFailure(pool, cred.id, cred.version, {
        status: cred.status === 'needs_attention' ? 'needs_attention' : 'ok',
        reason: err.code,
        retryAfterSeconds: null,
      })
    }
  }

  /** The guarded login: one at a time per credential version, across instances (lease row). */
  async function loginGuarded(
    cred: CredentialRow,
    staleObtainedAt: Date | null,
  ): Promise<{ accessToken: string; instanceUrl: string; obtainedAt: number }> {
    const deadline = Date.now() + LEASE_SECONDS * 1000 + 5_000
    for (;;) {
      const current = await repo.findCredentialById(pool, cred.id)
      if (!current || current.version !== cred.version)
        throw new AppError('SF_CREDENTIALS_REQUIRED', 'The Salesforce credential changed meanwhile. Try again.')
      guardCircuit(current)
      // Someone else (another request, job or instance) already logged in after the stale token.
      if (
        current.accessVersion === current.version &&
        current.accessObtainedAt &&
        (!staleObtainedAt || current.accessObtainedAt > staleObtainedAt)
      ) {
        const token = await credentials.secret(pool, current.id, 'accessToken')
        if (token)
          return {
            accessToken: token,
            instanceUrl: current.accessInstanceUrl!,
            obtainedAt: current.accessObtainedAt.getTime(),
          }
      }
      if (await repo.tryTakeLoginLease(pool, current.id, current.version, instanceId, LEASE_SECONDS)) {
        try {
          // Another caller may have logged in between our read and taking the lease: use its token.
          const fresh = await repo.findCredentialById(pool, current.id)
          if (
            fresh &&
            fresh.accessVersion === fresh.version &&
            fresh.accessObtainedAt &&
            (!staleObtainedAt || fresh.accessObtainedAt > staleObtainedAt)
          ) {
            const token = await credentials.secret(pool, fresh.id, 'accessToken')
            if (token)
              return {
                accessToken: token,
                instanceUrl: fresh.accessInstanceUrl!,
                obtainedAt: fresh.accessObtainedAt.getTime(),
              }
          }
          const link = await links.byId(current.linkId)
          let result: strategies.LoginResult
          try {
            result = await performLogin(current, link)
          } catch (raw) {
            const err = translateSalesforceError(raw)
            // With refresh-token rotation a refresh token dies when used. If the stored one is no
            // longer the one we sent, someone else (a canvas visit, or an instance whose lease
            // outlived ours) refreshed meanwhile: not a revocation. Read again and use theirs.
            if (current.kind === 'oauth_refresh' && err.code === 'SF_AUTHORIZATION_REVOKED') {
              const now = await credentials.secret(pool, current.id, 'refreshToken').catch(() => null)
              if (now && now !== usedRefreshToken.get(current.id)) {
                log?.info({ credentialId: current.id }, 'refresh token rotated meanwhile: using the new one')
                continue
              }
            }
            await audit.record({
              event: 'salesforce.login',
              outcome: 'failure',
              accountId: link?.accountId,
              linkId: current.linkId,
              detail: { kind: current.kind, code: err.code },
            })
            await recordFailure(current, err)
            throw err
          }
          // The rotated refresh token replaces the used one in the same statement that stores it,
          // together with the access token and the success: never a moment without a live token.
          await withTransaction(pool, async (client) => {
            await credentials.cacheAccessToken(client, current, result)
            await audit.record(
              {
                event: 'salesforce.login',
                outcome: 'success',
                accountId: link?.accountId,
                linkId: current.linkId,
                detail: { kind: current.kind, ...(result.refreshToken ? { rotated: true } : {}) },
              },
              client,
            )
            if (current.kind === 'oauth_refresh' && link)
              await retirePasswordCredential(client, { credentials, audit }, link, {
                kind: 'oauth_refresh',
                savedAt: current.savedAt,
              })
          })
          const after = await repo.findCredentialById(pool, current.id)
          return {
            accessToken: result.accessToken,
            instanceUrl: result.instanceUrl,
            obtainedAt: after?.accessObtainedAt?.getTime() ?? Date.now(),
          }
        } finally {
          await repo.releaseLoginLease(pool, cred.id, instanceId)
        }
      }
      if (Date.now() > deadline) throw new AppError('SF_UNAVAILABLE', 'Salesforce login is taking too long. Try again.')
      await new Promise((r) => setTimeout(r, WAIT_STEP_MS))
    }
  }

  /** Refuses to touch a credential whose circuit is open or that is backing off. */
  function guardCircuit(cred: CredentialRow): void {
    if (!policy.isUsable(cred)) throw new AppError(policy.reasonCode(cred.reason))
    if (cred.retryAfter && cred.retryAfter > new Date()) {
      throw new AppError(cred.reason === 'SF_UNAVAILABLE' ? 'SF_UNAVAILABLE' : 'SF_RATE_LIMITED')
    }
  }

  /** A valid access token for the credential: the cached one, or one shared login. */
  async function sessionFor(
    cred: CredentialRow,
    staleObtainedAt: Date | null,
  ): Promise<{ accessToken: string; instanceUrl: string; obtainedAt: number }> {
    guardCircuit(cred)
    if (cred.kind === 'canvas') {
      const token = await credentials.secret(pool, cred.id, 'accessToken')
      if (!token || staleObtainedAt || (cred.expiresAt && cred.expiresAt < new Date())) {
        throw new AppError(
          'SESSION_EXPIRED',
          'Your Salesforce session inside SF Link has expired. Reload SF Link in Salesforce.',
        )
      }
      return { accessToken: token, instanceUrl: cred.instanceUrl!, obtainedAt: cred.updatedAt.getTime() }
    }
    if (!staleObtainedAt && cred.accessVersion === cred.version && cred.accessObtainedAt) {
      const token = await credentials.secret(pool, cred.id, 'accessToken')
      if (token)
        return { accessToken: token, instanceUrl: cred.accessInstanceUrl!, obtainedAt: cred.accessObtainedAt.getTime() }
    }
    const key = `${cred.id}:${cred.version}:${staleObtainedAt?.getTime() ?? 'none'}`
    let pending = inFlight.get(key)
    if (!pending) {
      pending = loginGuarded(cred, staleObtainedAt).finally(() => inFlight.delete(key))
      inFlight.set(key, pending)
    }
    return pending
  }

  async function resolveLink(target: AccessTarget): Promise<LinkRow | null> {
    return links.currentLink(target.accountId, target.linkId ?? null)
  }

  /** The credentials to try for this target, in order. */
  async function candidates(target: AccessTarget, link: LinkRow): Promise<CredentialRow[]> {
    return policy.orderCredentials(await credentials.list(pool, link.id), { canvas: target.canvas, now: new Date() })
  }

  function requiredError(link: LinkRow | null): AppError {
    const decision = policy.decideAccess({ linked: Boolean(link), credentials: [], canvas: false, now: new Date() })
    return new AppError('SF_CREDENTIALS_REQUIRED', decision.message ?? undefined)
  }

  const access: SalesforceAccessInternals = {
    oauthClient,
    jwtAudience,

    async state(target) {
      const link = await resolveLink(target)
      const decision = policy.decideAccess({
        linked: Boolean(link),
        credentials: link ? await credentials.list(pool, link.id) : [],
        canvas: target.canvas,
        now: new Date(),
      })
      return {
        canConnect: decision.canConnect,
        code: decision.code,
        message: decision.message,
        linkId: link?.id ?? null,
        organizationId: link?.organizationId ?? null,
      }
    },

    async withConnection(target, fn) {
      const link = await resolveLink(target)
      if (!link) throw requiredError(null)
      const list = await candidates(target, link)
      if (list.length === 0) throw requiredError(link)
      let lastError: AppError | null = null
      for (const cred of list) {
        // A credential needing attention is skipped (never tried). When nothing was tried, the
        // answer is the failure that happened last (the policy's choice), not the first in order.
        if (!policy.isUsable(cred)) {
          lastError ??= new AppError(policy.reasonCode(policy.primaryCredential(list)?.reason ?? cred.reason))
          continue
        }
        try {
          return await runWith(cred, fn, () =>
            usage && link.organizationId
              ? usage.meter(link.organizationId, { background: target.background === true })
              : Promise.resolve(null),
          )
        } catch (err) {
          const appErr = err instanceof AppError ? err : translateSalesforceError(err)
          // Fall through to the next credential only when this one cannot log in at all.
          if (policy.fallsThrough(appErr.code)) {
            lastError = appErr
            continue
          }
          throw appErr
        }
      }
      throw lastError ?? requiredError(link)
    },
  }

  /** Checked again at use: a row stored before instance URLs were checked must not send a token elsewhere. */
  function trusted(session: { instanceUrl: string }): void {
    if (!isAllowedInstanceUrl(session.instanceUrl, config.salesforce.extraHosts)) throw new AppError('SF_UNTRUSTED_URL')
  }

  /**
   * Every request the connection sends to the API goes through the meter: counted when
   * answered, refused before it leaves when background work is at its cap.
   */
  function metered(conn: Connection, meter: Meter): void {
    const transport = (conn as unknown as { _transport: { httpRequest: (...args: any[]) => any } })._transport
    const send = transport.httpRequest.bind(transport)
    transport.httpRequest = (req: { url: string }, options?: unknown) => {
      if (!/\/services\/(data|async)\//.test(req.url)) return send(req, options)
      meter.beforeCall()
      const pending = send(req, options)
      pending.then(
        (res: { statusCode: number; headers: Record<string, string>; body: unknown }) =>
          meter.afterResponse(res.statusCode, res.headers ?? {}, res.body),
        () => meter.failed(),
      )
      return pending
    }
  }

  async function runWith<T>(
    cred: CredentialRow,
    fn: (conn: Connection) => Promise<T>,
    openMeter: () => Promise<Meter | null> = () => Promise.resolve(null),
  ): Promise<T> {
    let session = await sessionFor(cred, null)
    trusted(session)
    let lastRefreshAt = 0
    let refreshError: AppError | null = null
    const conn = new jsforce.Connection({
      instanceUrl: session.instanceUrl,
      accessToken: session.accessToken,
      version: config.salesforce.apiVersion,
      refreshFn: (c: Connection, callback: (err: Error | null | undefined, accessToken?: string) => void) => {
        void (async () => {
          try {
            if (Date.now() - lastRefreshAt < REFRESH_LOOP_WINDOW_MS) {
              throw new AppError('SF_UNAVAILABLE', 'Salesforce rejected a freshly obtained session. Try again later.')
            }
            lastRefreshAt = Date.now()
            await repo.invalidateAccess(pool, cred.id, new Date(session.obtainedAt))
            const fresh = await repo.findCredentialById(pool, cred.id)
            if (!fresh) throw new AppError('SF_CREDENTIALS_REQUIRED')
            session = await sessionFor(fresh, new Date(session.obtainedAt))
            trusted(session)
            c.instanceUrl = session.instanceUrl
            callback(null, session.accessToken)
          } catch (err) {
            refreshError = err instanceof AppError ? err : translateSalesforceError(err)
            callback(refreshError)
          }
        })()
      },
    } as any)
    const meter = await openMeter()
    if (meter) metered(conn, meter)
    try {
      const result = await fn(conn)
      void repo.touchSuccess(pool, cred.id).catch(() => {})
      return result
    } catch (err) {
      // jsforce wraps refresh failures in a plain Error: answer with what actually happened.
      if (refreshError) throw refreshError
      const appErr = translateSalesforceError(err)
      if (appErr.code === 'SF_RATE_LIMITED') {
        await repo.markRateLimited(pool, cred.id, backoffSeconds(cred.failureCount))
      }
      throw appErr
    } finally {
      await meter?.close()
    }
  }

  return access
}
