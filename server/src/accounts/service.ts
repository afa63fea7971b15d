/**
 * App accounts: sign up, sign in (optionally finishing a pending Salesforce link), sign out.
 */
import type { Pool, PoolClient } from '../db/pool.js'
import { PG_ERRORS, isPgError, withTransaction } from '../db/pool.js'
import { AppError } from '../errors.js'
import type { AuditLog } from '../audit/audit-log.js'
import type { SecretStore } from '../crypto/secret-store.js'
import type { CredentialStore } from '../links/credential-store.js'
import type { LinkService } from '../links/service.js'
import * as repo from './repository.js'
import type { AccountRow } from './repository.js'
import type { PendingIdentity } from '../http/session-repository.js'
import { MIN_PASSWORD_LENGTH, dummyPasswordHash, hashPassword, verifyPassword } from './passwords.js'
import type { IssuedSession, SessionService } from '../http/session-service.js'
import { normalizeIP } from '@fastify/rate-limit'
import { normaliseEmail } from '../email/addresses.js'

export interface RequestContext {
  ip?: string
  userAgent?: string
  /** A pending-link session from a verified canvas visit: signing in or up completes the link. */
  pending?: { sessionId: string; identity: PendingIdentity } | null
}

export interface AccountService {
  signup(
    input: { email: string; password: string; name?: string },
    ctx: RequestContext,
  ): Promise<IssuedSession & { linked: boolean }>
  login(input: { email: string; password: string }, ctx: RequestContext): Promise<IssuedSession & { linked: boolean }>
  logout(sessionId: string, accountId: string | null, ctx: RequestContext): Promise<void>
  get(accountId: string): Promise<AccountRow | null>
  /**
   * Step-up: checks the signed-in account's password again before a sensitive change (an API
   * key), with the same throttle as sign-in. Throws PASSWORD_CONFIRMATION_FAILED when wrong.
   */
  confirmPassword(accountId: string, password: string, ctx: RequestContext): Promise<void>
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/**
 * Password guesses per (account, client address): 10 back to back, then a wait that starts
 * at a minute and doubles with each further attempt, up to an hour; a quiet day starts the
 * count again. Per address rather than per account, so nobody can lock the owner out by
 * failing on purpose: from another address the owner signs in as usual. Guessing from many
 * addresses is bounded by the per-IP limit on the route and by argon2id.
 */
export const LOGIN_THROTTLE: repo.LoginThrottlePolicy = {
  freeAttempts: 10,
  baseDelaySeconds: 60,
  maxDelaySeconds: 3600,
  quietSeconds: 24 * 3600,
}

export function createAccountService(deps: {
  pool: Pool
  sessions: SessionService
  links: LinkService
  credentials: CredentialStore
  secrets: SecretStore
  audit: AuditLog
  canvasTokenTtlSeconds: number
}): AccountService {
  const { pool, sessions, links, credentials, secrets, audit } = deps

  async function reserveAttempt(email: string, ctx: RequestContext): Promise<void> {
    const wait = await repo.reserveLoginAttempt(pool, email, clientAddress(ctx), LOGIN_THROTTLE)
    if (wait === null) return
    const minutes = Math.ceil(wait / 60)
    throw new AppError(
      'RATE_LIMITED',
      `Too many failed sign-in attempts for this account from your network. Try again in ${minutes === 1 ? 'a minute' : `${minutes} minutes`}, or sign in from another network.`,
      { retryAfterSeconds: wait },
    )
  }

  /** Creates the link from a pending canvas visit and moves its tokens to the link's credentials. */
  async function completeLink(client: PoolClient, account: AccountRow, ctx: RequestContext): Promise<string> {
    const pending = ctx.pending!
    const link = await links.create(client, account.id, pending.identity)
    const oauthToken = await secrets.get(client, 'canvas', pending.sessionId, 'oauthToken')
    const refreshToken = await secrets.get(client, 'canvas', pending.sessionId, 'refreshToken')
    if (oauthToken) {
      await credentials.saveCanvasTokens(client, link.id, {
        oauthToken,
        refreshToken,
        instanceUrl: pending.identity.instanceUrl,
        username: pending.identity.username,
        ttlSeconds: deps.canvasTokenTtlSeconds,
      })
    }
    await secrets.remove(client, 'canvas', pending.sessionId)
    await sessions.revoke(client, pending.sessionId)
    await audit.record(
      {
        event: 'link.created',
        outcome: 'success',
        accountId: account.id,
        linkId: link.id,
        ip: ctx.ip,
        detail: { organizationId: link.organizationId, salesforceUserId: link.salesforceUserId },
      },
      client,
    )
    return link.id
  }

  async function issueFor(
    client: PoolClient,
    account: AccountRow,
    ctx: RequestContext,
  ): Promise<IssuedSession & { linked: boolean }> {
    if (ctx.pending) {
      const linkId = await completeLink(client, account, ctx)
      const issued = await sessions.issue(client, {
        accountId: account.id,
        kind: 'canvas',
        linkId,
        ip: ctx.ip,
        userAgent: ctx.userAgent,
      })
      return { ...issued, linked: true }
    }
    const issued = await sessions.issue(client, {
      accountId: account.id,
      kind: 'cookie',
      ip: ctx.ip,
      userAgent: ctx.userAgent,
    })
    return { ...issued, linked: false }
  }

  return {
    async signup(input, ctx) {
      const email = normaliseEmail(input.email)
      if (!EMAIL.test(email)) throw new AppError('VALIDATION_FAILED', 'Enter a valid email address.')
      if (input.password.length < MIN_PASSWORD_LENGTH) throw new AppError('PASSWORD_TOO_SHORT')
      const passwordHash = await hashPassword(input.password)
      try {
        return await withTransaction(pool, async (client) => {
          const account = await repo.insertAccount(client, {
            email,
            name: (input.name ?? '').trim().slice(0, 200),
            passwordHash,
          })
          await audit.record({ event: 'app.signup', outcome: 'success', accountId: account.id, ip: ctx.ip }, client)
          return issueFor(client, account, ctx)
        })
      } catch (err) {
        if (
          isPgError(err, PG_ERRORS.UNIQUE_VIOLATION) &&
          (err as { constraint?: string }).constraint === 'accounts_email_key'
        ) {
          throw new AppError('EMAIL_TAKEN', undefined, { cause: err })
        }
        throw err
      }
    },

    async login(input, ctx) {
      const email = normaliseEmail(input.email)
      await reserveAttempt(email, ctx)
      const account = await repo.findAccountByEmail(pool, email)
      const ok = account
        ? await verifyPassword(account.passwordHash, input.password)
        : (await verifyPassword(await dummyPasswordHash(), input.password), false)
      if (!account || !ok) {
        await audit.record({
          event: 'app.login',
          outcome: 'failure',
          accountId: account?.id ?? null,
          ip: ctx.ip,
          detail: { email },
        })
        throw new AppError('INVALID_CREDENTIALS')
      }
      await repo.clearLoginAttempts(pool, email, clientAddress(ctx))
      return withTransaction(pool, async (client) => {
        await audit.record(
          {
            event: 'app.login',
            outcome: 'success',
            accountId: account.id,
            ip: ctx.ip,
            detail: { email, linking: Boolean(ctx.pending) },
          },
          client,
        )
        return issueFor(client, account, ctx)
      })
    },

    async logout(sessionId, accountId, ctx) {
      await sessions.revoke(pool, sessionId)
      await audit.record({ event: 'app.logout', outcome: 'success', accountId, ip: ctx.ip })
    },

    get: (accountId) => repo.findAccountById(pool, accountId),

    async confirmPassword(accountId, password, ctx) {
      const account = await repo.findAccountById(pool, accountId)
      if (!account) throw new AppError('SESSION_EXPIRED')
      await reserveAttempt(account.email, ctx)
      const ok = await verifyPassword(account.passwordHash, password)
      await audit.record({
        event: 'app.password_confirmed',
        outcome: ok ? 'success' : 'failure',
        accountId,
        ip: ctx.ip,
      })
      if (!ok) throw new AppError('PASSWORD_CONFIRMATION_FAILED')
      await repo.clearLoginAttempts(pool, account.email, clientAddress(ctx))
    },
  }
}

/** The throttle's notion of "one client": the address, with IPv6 taken per /64 (one subscriber's block). */
function clientAddress(ctx: RequestContext): string {
  return ctx.ip ? normalizeIP(ctx.ip, 64) : 'unknown'
}
