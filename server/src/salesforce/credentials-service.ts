/**
 * Setting up outside access (docs/spec.md §1 journeys 3 and 5): every credential is proven by a
 * real login before anything is stored; a wrong one is never stored. Also "Connect with
 * Salesforce" and "Sign in with Salesforce" (OAuth web-server flow with PKCE).
 */
import crypto from 'node:crypto'
import type { Config } from '../config.js'
import type { Pool } from '../db/pool.js'
import { withTransaction } from '../db/pool.js'
import { AppError } from '../errors.js'
import type { AuditLog } from '../audit/audit-log.js'
import type { SecretStore } from '../crypto/secret-store.js'
import type { LinkRow, LinkService } from '../links/service.js'
import type { CredentialsBody, CredentialsPatch, LinkView } from '../contract/index.js'
import type { SessionService, IssuedSession } from '../http/session-service.js'
import type { CredentialStore } from '../links/credential-store.js'
import type { SalesforceAccessInternals } from './access.js'
import { translateSalesforceError } from './error-translation.js'
import { retirePasswordCredential } from '../links/retire-password.js'
import { loginUrlFor } from './hosts.js'
import * as strategies from './strategies.js'
import * as oauthRepo from './oauth-repository.js'
import type { RateLimits } from '../rate-limits/service.js'

export interface Actor {
  accountId: string
  linkId: string | null
  sessionId: string | null
  canvas: boolean
  ip?: string
}

/** The bodies of `PUT` and `PATCH /api/salesforce/credentials` (server/src/contract/salesforce.ts). */
export type SaveCredentialInput = CredentialsBody

export interface CredentialsService {
  save(actor: Actor, input: SaveCredentialInput): Promise<LinkView>
  update(actor: Actor, input: CredentialsPatch): Promise<LinkView>
  forget(actor: Actor): Promise<void>
  oauthTicket(actor: Actor, environment: string): Promise<string>
  /**
   * Starts the flow: the authorize URL, and a nonce for the browser that started it (an
   * HttpOnly cookie set by the route), without which the callback refuses the state.
   */
  oauthStart(opts: {
    actor: Actor | null
    intent: 'link' | 'signin' | 'approve'
    environment: string
    ticket?: string
  }): Promise<OAuthStart>
  oauthCallback(
    q: { code?: string; state?: string; error?: string },
    ctx: { ip?: string; userAgent?: string; browserNonce: string | null },
  ): Promise<OAuthOutcome>
}

/** How the OAuth flow ended; the route turns it into the page the browser lands on. */
export type OAuthOutcome =
  | { kind: 'signed_in'; session: IssuedSession }
  /** `popup`: the flow ran in a window opened inside the canvas iframe (it ends on the done page). */
  | { kind: 'connected'; popup: boolean }
  /** A self-authorizing canvas app's approval finished: the iframe asks for the signed request. */
  | { kind: 'approved' }
  | { kind: 'failed'; intent: 'link' | 'signin' | 'approve'; code: string; popup: boolean }

const failed = (intent: string | null | undefined, code: string, popup = false): OAuthOutcome => ({
  kind: 'failed',
  intent: intent === 'signin' ? 'signin' : intent === 'approve' ? 'approve' : 'link',
  code,
  popup,
})

export interface OAuthStart {
  url: string
  stateId: string
  browserNonce: string
  ttlSeconds: number
}

/** Where a flow that runs in a popup window ends: a page that says how it went and closes itself. */
export const OAUTH_DONE_PATH = '/oauth/salesforce/done'

export type PopupOutcome = 'connected' | 'approved' | 'failed'

export function doneUrl(outcome: PopupOutcome, code?: string): string {
  const q = new URLSearchParams({ outcome })
  if (code) q.set('error', code)
  return `${OAUTH_DONE_PATH}?${q.toString()}`
}

/** How long a Connect/Sign in with Salesforce flow may take, from start to callback. */
export const OAUTH_STATE_TTL_SECONDS = 600

const nonceHash = (nonce: string) => crypto.createHash('sha256').update(nonce, 'utf8').digest()

const sameUser = (a: string | null, b: string) => Boolean(a) && a!.slice(0, 15) === b.slice(0, 15)

/** Salesforce usernames are case-insensitive; people paste them with stray spaces. */
export function sameUsername(a: string | null | undefined, b: string | null | undefined): boolean {
  return Boolean(a && b) && a!.trim().toLowerCase() === b!.trim().toLowerCase()
}

/**
 * How often credentials may be proved (each proof is a real Salesforce login), counted in
 * Postgres so every instance shares the count. Per target username it stays below the
 * lockout thresholds Salesforce orgs use (3 to 10 failures), so SF Link can never lock
 * anyone out; per account it bounds an account that has several links.
 */
export const PROVING_LIMITS = {
  perUsername: { max: 5, windowSeconds: 15 * 60 },
  perAccount: { max: 8, windowSeconds: 15 * 60 },
}

export function createCredentialsService(deps: {
  config: Config
  pool: Pool
  links: LinkService
  credentials: CredentialStore
  access: SalesforceAccessInternals
  secrets: SecretStore
  sessions: SessionService
  audit: AuditLog
  limits: RateLimits
}): CredentialsService {
  const { config, pool, links, credentials, access, secrets, sessions, audit } = deps

  function resolveLoginUrl(environment: string): string {
    const url = loginUrlFor(environment, {
      productionLoginUrl: config.salesforce.loginUrl,
      extraHosts: config.salesforce.extraHosts,
    })
    if (!url) throw new AppError('SF_ENVIRONMENT_NOT_ALLOWED')
    return url
  }

  async function linkOf(actor: Actor): Promise<LinkRow> {
    const link = await links.currentLink(actor.accountId, actor.linkId)
    if (!link) throw new AppError('LINK_NOT_FOUND')
    return link
  }

  const view = (actor: Actor) =>
    links.view(actor.accountId, { preferredLinkId: actor.linkId, canvasLive: actor.canvas })

  /**
   * A login that proves a credential. Failures are audited and translated; nothing is stored.
   * Before anything reaches Salesforce: the username must be the linked user's own (else
   * anyone linked could test passwords of any Salesforce user from our servers' addresses,
   * and lock them out), and the proving limits must allow one more login.
   */
  async function prove(
    actor: Actor,
    link: LinkRow,
    kind: string,
    username: string,
    attempt: () => Promise<strategies.LoginResult>,
  ): Promise<strategies.LoginResult> {
    if (!sameUsername(username, link.username)) {
      await audit.record({
        event: 'credential.rejected',
        outcome: 'failure',
        accountId: actor.accountId,
        linkId: link.id,
        ip: actor.ip,
        detail: { kind, code: 'SF_USER_MISMATCH', beforeLogin: true },
      })
      throw new AppError(
        'SF_USER_MISMATCH',
        `Enter the Salesforce username of the linked user (${link.username}): SF Link only keeps credentials of the Salesforce user linked to your account.`,
        { details: [{ field: 'username', rule: 'linkedUser' }] },
      )
    }
    await deps.limits.consume(
      [
        { key: `prove:username:${link.username.trim().toLowerCase()}`, ...PROVING_LIMITS.perUsername },
        { key: `prove:account:${actor.accountId}`, ...PROVING_LIMITS.perAccount },
      ],
      'Too many Salesforce credential checks in a short time. Wait a few minutes and try again: Salesforce locks users out after repeated failed logins.',
    )
    let result: strategies.LoginResult
    try {
      result = await attempt()
    } catch (raw) {
      const err = translateSalesforceError(raw)
      await audit.record({
        event: 'salesforce.login',
        outcome: 'failure',
        accountId: actor.accountId,
        linkId: link.id,
        ip: actor.ip,
        detail: { kind, code: err.code, proving: true },
      })
      await audit.record({
        event: 'credential.rejected',
        outcome: 'failure',
        accountId: actor.accountId,
        linkId: link.id,
        ip: actor.ip,
        detail: { kind, code: err.code },
      })
      throw err
    }
    await audit.record({
      event: 'salesforce.login',
      outcome: 'success',
      accountId: actor.accountId,
      linkId: link.id,
      ip: actor.ip,
      detail: { kind, proving: true },
    })
    if (result.userId && !sameUser(result.userId, link.salesforceUserId)) {
      await audit.record({
        event: 'credential.rejected',
        outcome: 'failure',
        accountId: actor.accountId,
        linkId: link.id,
        ip: actor.ip,
        detail: { kind, code: 'SF_USER_MISMATCH' },
      })
      throw new AppError('SF_USER_MISMATCH')
    }
    return result
  }

  /** A state bound to a fresh browser nonce, and the authorize URL that carries it. */
  async function start(
    state: Omit<oauthRepo.OAuthStateRow, 'id' | 'popup'> & { popup?: boolean },
  ): Promise<OAuthStart> {
    const browserNonce = crypto.randomBytes(32).toString('base64url')
    const row = await oauthRepo.insertState(pool, {
      ...state,
      ttlSeconds: OAUTH_STATE_TTL_SECONDS,
      browserNonceHash: nonceHash(browserNonce),
    })
    return { url: await startUrl(row), stateId: row.id, browserNonce, ttlSeconds: OAUTH_STATE_TTL_SECONDS }
  }

  async function startUrl(state: oauthRepo.OAuthStateRow): Promise<string> {
    const verifier = crypto.randomBytes(48).toString('base64url')
    await secrets.put(pool, 'oauth_state', state.id, 'codeVerifier', verifier)
    const challenge = crypto.createHash('sha256').update(verifier).digest('base64url')
    const url = new URL('/services/oauth2/authorize', state.loginUrl)
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: config.salesforce.consumerKey ?? '',
      redirect_uri: access.oauthClient().redirectUri,
      scope: 'api refresh_token',
      state: state.id,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      prompt: 'login consent',
    }).toString()
    return url.toString()
  }

  return {
    async save(actor, input) {
      const link = await linkOf(actor)
      const loginUrl = resolveLoginUrl(input.environment)
      if (input.kind === 'jwt_bearer') {
        const result = await prove(actor, link, 'jwt_bearer', link.username, () =>
          strategies.loginWithJwt({
            loginUrl,
            audience: access.jwtAudience(loginUrl),
            username: link.username,
            privateKey: config.salesforce.jwtPrivateKey,
            client: access.oauthClient(),
            extraHosts: config.salesforce.extraHosts,
          }),
        )
        await withTransaction(pool, async (client) => {
          const row = await credentials.save(client, {
            linkId: link.id,
            kind: 'jwt_bearer',
            username: link.username,
            environment: input.environment,
            loginUrl,
            succeeded: true,
            secrets: {},
          })
          await credentials.cacheAccessToken(client, row, result)
          await audit.record(
            {
              event: 'credential.saved',
              outcome: 'success',
              accountId: actor.accountId,
              linkId: link.id,
              ip: actor.ip,
              detail: { kind: 'jwt_bearer' },
            },
            client,
          )
        })
        return view(actor)
      }
      const username = input.username.trim()
      const securityToken = input.securityToken?.trim() || null
      const result = await prove(actor, link, 'password_token', username, () =>
        strategies.loginWithPassword({
          loginUrl,
          username,
          password: input.password,
          securityToken,
          extraHosts: config.salesforce.extraHosts,
        }),
      )
      await withTransaction(pool, async (client) => {
        const row = await credentials.save(client, {
          linkId: link.id,
          kind: 'password_token',
          username,
          environment: input.environment,
          loginUrl,
          succeeded: true,
          secrets: { password: input.password, securityToken },
        })
        await credentials.cacheAccessToken(client, row, result)
        await audit.record(
          {
            event: 'credential.saved',
            outcome: 'success',
            accountId: actor.accountId,
            linkId: link.id,
            ip: actor.ip,
            detail: { kind: 'password_token', environment: input.environment },
          },
          client,
        )
      })
      return view(actor)
    },

    async update(actor, input) {
      const link = await linkOf(actor)
      const existing = await credentials.find(pool, link.id, 'password_token')
      if (!existing) throw new AppError('CREDENTIAL_NOT_FOUND')
      if (input.securityToken === undefined && input.password === undefined)
        throw new AppError('VALIDATION_FAILED', 'Enter the new security token, the new password, or both.')
      const password = input.password ?? (await credentials.secret(pool, existing.id, 'password'))
      const securityToken =
        input.securityToken !== undefined
          ? input.securityToken.trim() || null
          : await credentials.secret(pool, existing.id, 'securityToken')
      if (!password || !existing.username) throw new AppError('CREDENTIAL_NOT_FOUND')
      const result = await prove(actor, link, 'password_token', existing.username, () =>
        strategies.loginWithPassword({
          loginUrl: existing.loginUrl ?? config.salesforce.loginUrl,
          username: existing.username!,
          password,
          securityToken,
          extraHosts: config.salesforce.extraHosts,
        }),
      )
      await withTransaction(pool, async (client) => {
        const row = await credentials.update(
          client,
          existing.id,
          { securityToken, ...(input.password !== undefined ? { password } : {}) },
          true,
        )
        await credentials.cacheAccessToken(client, row, result)
        await audit.record(
          {
            event: 'credential.updated',
            outcome: 'success',
            accountId: actor.accountId,
            linkId: link.id,
            ip: actor.ip,
            detail: { kind: 'password_token', changed: Object.keys(input) },
          },
          client,
        )
      })
      return view(actor)
    },

    async forget(actor) {
      const link = await linkOf(actor)
      const oauth = await credentials.find(pool, link.id, 'oauth_refresh')
      const refreshToken = oauth ? await credentials.secret(pool, oauth.id, 'refreshToken').catch(() => null) : null
      await withTransaction(pool, async (client) => {
        await credentials.remove(client, link.id, ['password_token', 'oauth_refresh', 'jwt_bearer'])
        await audit.record(
          {
            event: 'credential.deleted',
            outcome: 'success',
            accountId: actor.accountId,
            linkId: link.id,
            ip: actor.ip,
          },
          client,
        )
      })
      // Best effort: tell Salesforce the refresh token is no longer wanted.
      if (refreshToken && oauth?.loginUrl) {
        await strategies
          .revokeToken({ loginUrl: oauth.loginUrl, token: refreshToken, client: access.oauthClient() })
          .catch(() => {})
      }
    },

    async oauthTicket(actor, environment) {
      const loginUrl = resolveLoginUrl(environment)
      const state = await oauthRepo.insertState(pool, {
        intent: 'ticket',
        accountId: actor.accountId,
        sessionId: actor.sessionId,
        linkId: actor.linkId,
        loginUrl,
        environment,
        ttlSeconds: 120,
      })
      return `/oauth/salesforce/start?ticket=${state.id}`
    },

    async oauthStart({ actor, intent, environment, ticket }) {
      if (!config.salesforce.consumerKey)
        throw new AppError(
          'SF_OAUTH_FAILED',
          'Connect with Salesforce is not configured on this server (SALESFORCE_CONSUMER_KEY).',
        )
      if (ticket) {
        const t = /^[0-9a-f-]{36}$/.test(ticket) ? await oauthRepo.consumeState(pool, ticket, ['ticket']) : null
        if (!t)
          throw new AppError(
            'SF_OAUTH_FAILED',
            'This Connect with Salesforce link has expired. Start again from Link Accounts.',
          )
        // The ticket was opened in a new top-level window (the canvas iframe cannot carry its
        // bearer token through a navigation): the nonce cookie is first-party there.
        return start({
          intent: 'link',
          popup: true,
          accountId: t.accountId,
          sessionId: t.sessionId,
          linkId: t.linkId,
          loginUrl: t.loginUrl,
          environment: t.environment,
        })
      }
      const loginUrl = resolveLoginUrl(environment)
      if (intent === 'approve')
        // A self-authorizing canvas app's first visit: nobody is signed in to SF Link yet; the
        // person approves SF Link in Salesforce, in a popup opened by the iframe.
        return start({
          intent,
          popup: true,
          accountId: null,
          sessionId: null,
          linkId: null,
          loginUrl,
          environment,
        })
      if (intent === 'link' && !actor)
        throw new AppError('UNAUTHENTICATED', 'Sign in to SF Link first, then Connect with Salesforce.')
      return start({
        intent,
        accountId: intent === 'link' ? actor!.accountId : null,
        sessionId: actor?.sessionId ?? null,
        linkId: actor?.linkId ?? null,
        loginUrl,
        environment,
      })
    },

    async oauthCallback(q, ctx) {
      const wellFormed = Boolean(q.state && /^[0-9a-f-]{36}$/.test(q.state))
      // Consumed only by the browser that started the flow (login CSRF: a callback URL made by
      // someone else, opened in a victim's browser, must not sign the victim in to their account).
      const state =
        wellFormed && ctx.browserNonce
          ? await oauthRepo.consumeState(pool, q.state!, ['link', 'signin', 'approve'], nonceHash(ctx.browserNonce))
          : null
      if (!state) {
        const foreign = wellFormed
          ? await oauthRepo.liveStateIntent(pool, q.state!, ['link', 'signin', 'approve'])
          : null
        if (foreign) {
          await audit.record({
            event: 'oauth.connected',
            outcome: 'failure',
            ip: ctx.ip,
            detail: { code: 'SF_OAUTH_OTHER_BROWSER' },
          })
        }
        return failed(foreign, foreign ? 'SF_OAUTH_OTHER_BROWSER' : 'SF_OAUTH_FAILED')
      }
      // "Deny" on Salesforce's approval page: the person declined, nothing failed.
      if (q.error === 'access_denied') {
        await audit.record({
          event: 'oauth.connected',
          outcome: 'failure',
          accountId: state.accountId,
          ip: ctx.ip,
          detail: { code: 'SF_OAUTH_DENIED', intent: state.intent },
        })
        return failed(state.intent, 'SF_OAUTH_DENIED', state.popup)
      }
      if (q.error || !q.code) return failed(state.intent, 'SF_OAUTH_FAILED', state.popup)
      const verifier = await secrets.get(pool, 'oauth_state', state.id, 'codeVerifier')
      await secrets.remove(pool, 'oauth_state', state.id)
      if (!verifier) return failed(state.intent, 'SF_OAUTH_FAILED')
      let result: Awaited<ReturnType<typeof strategies.exchangeAuthorizationCode>>
      try {
        result = await strategies.exchangeAuthorizationCode({
          loginUrl: state.loginUrl,
          code: q.code,
          codeVerifier: verifier,
          client: access.oauthClient(),
          extraHosts: config.salesforce.extraHosts,
        })
      } catch (raw) {
        const err = translateSalesforceError(raw)
        await audit.record({
          event: 'salesforce.login',
          outcome: 'failure',
          accountId: state.accountId,
          ip: ctx.ip,
          detail: { kind: 'oauth_code', code: err.code },
        })
        return failed(state.intent, err.code)
      }
      const link =
        result.organizationId && result.userId
          ? await links.findBySalesforceUser(pool, result.organizationId, result.userId)
          : null
      // The identity Salesforce returned is the proof of who this is.
      if (state.intent === 'approve') {
        // Approved in Salesforce: the iframe now asks for the signed request (repost), which
        // links the user as usual. A user already linked gets outside access right away.
        if (link)
          await withTransaction(pool, async (client) => {
            await storeRefresh(client, link, state, result)
            await audit.record(
              {
                event: 'oauth.connected',
                outcome: 'success',
                accountId: link.accountId,
                linkId: link.id,
                ip: ctx.ip,
                detail: { intent: 'approve' },
              },
              client,
            )
          })
        return { kind: 'approved' }
      }
      if (state.intent === 'signin') {
        if (!link) return failed('signin', 'SF_NOT_LINKED')
        const session = await withTransaction(pool, async (client) => {
          await storeRefresh(client, link, state, result)
          await audit.record(
            {
              event: 'app.login',
              outcome: 'success',
              accountId: link.accountId,
              linkId: link.id,
              ip: ctx.ip,
              detail: { via: 'salesforce' },
            },
            client,
          )
          return sessions.issue(client, {
            accountId: link.accountId,
            kind: 'cookie',
            ip: ctx.ip,
            userAgent: ctx.userAgent,
          })
        })
        return { kind: 'signed_in', session }
      }
      if (!link || link.accountId !== state.accountId) {
        await audit.record({
          event: 'oauth.connected',
          outcome: 'failure',
          accountId: state.accountId,
          ip: ctx.ip,
          detail: { code: 'SF_USER_MISMATCH' },
        })
        return failed('link', link ? 'LINK_CONFLICT' : 'SF_USER_MISMATCH')
      }
      await withTransaction(pool, async (client) => {
        await storeRefresh(client, link, state, result)
        await audit.record(
          { event: 'oauth.connected', outcome: 'success', accountId: link.accountId, linkId: link.id, ip: ctx.ip },
          client,
        )
      })
      return { kind: 'connected', popup: state.popup }
    },
  }

  async function storeRefresh(
    client: Parameters<CredentialStore['save']>[0],
    link: LinkRow,
    state: oauthRepo.OAuthStateRow,
    result: strategies.LoginResult,
  ): Promise<void> {
    if (!result.refreshToken) return
    const row = await credentials.save(client, {
      linkId: link.id,
      kind: 'oauth_refresh',
      username: link.username,
      environment: state.environment,
      loginUrl: state.loginUrl,
      instanceUrl: result.instanceUrl,
      succeeded: true,
      secrets: { refreshToken: result.refreshToken },
    })
    await credentials.cacheAccessToken(client, row, {
      accessToken: result.accessToken,
      instanceUrl: result.instanceUrl,
    })
    await audit.record(
      {
        event: 'credential.saved',
        outcome: 'success',
        accountId: link.accountId,
        linkId: link.id,
        detail: { kind: 'oauth_refresh' },
      },
      client,
    )
    // The refresh token works (it was just issued with a working access token): the password
    // and security token are no longer needed.
    await retirePasswordCredential(client, { credentials, audit }, link, {
      kind: 'oauth_refresh',
      savedAt: row.savedAt,
    })
  }
}
