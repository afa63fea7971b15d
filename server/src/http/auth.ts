/**
 * Authentication for /api routes. A request is authenticated by, in order:
 * `Authorization: Bearer <session token>` (canvas iframe; no CSRF needed), `Authorization:
 * Bearer sfl_…` (an API key, only on routes that accept keys), or the `sfl_session` cookie
 * (standalone browser; state-changing requests need `X-CSRF-Token`).
 * Each route says what it accepts in `config.auth`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../errors.js'
import type { PendingIdentity, SessionKind } from './session-repository.js'
import type { SessionService } from './session-service.js'
import { csrfTokenMatches } from './session-tokens.js'
import type { Pool } from '../db/pool.js'

export const SESSION_COOKIE = 'sfl_session'

export type AuthMode = 'session' | 'session-or-api-key' | 'pending-or-none' | 'optional'

export interface AuthContext {
  accountId: string | null
  sessionId: string | null
  kind: SessionKind | 'api_key'
  via: 'bearer' | 'cookie' | 'api_key'
  linkId: string | null
  pendingIdentity: PendingIdentity | null
  sessionExpiresAt: Date | null
}

export interface ApiKeyVerifier {
  verify(key: string): Promise<{ accountId: string; keyId: string } | null>
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null
  }
  interface FastifyContextConfig {
    auth?: AuthMode
    csrf?: boolean
  }
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization
  if (!header) return null
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  return match ? match[1]! : null
}

export function registerAuth(
  app: FastifyInstance,
  deps: { pool: Pool; sessions: SessionService; secret: string; apiKeys?: () => ApiKeyVerifier | null },
): void {
  app.decorateRequest('auth', null)

  app.addHook('preHandler', async (request) => {
    const mode = request.routeOptions.config?.auth
    if (!mode) return
    const token = bearerToken(request)
    if (token && token.startsWith('sfl_')) {
      const verifier = deps.apiKeys?.()
      const key = mode === 'session-or-api-key' && verifier ? await verifier.verify(token) : null
      if (!key)
        throw new AppError(
          mode === 'session-or-api-key' ? 'API_KEY_INVALID' : 'UNAUTHENTICATED',
          mode === 'session-or-api-key' ? undefined : 'API keys are not accepted here; sign in.',
        )
      request.auth = {
        accountId: key.accountId,
        sessionId: null,
        kind: 'api_key',
        via: 'api_key',
        linkId: null,
        pendingIdentity: null,
        sessionExpiresAt: null,
      }
      return
    }
    let via: 'bearer' | 'cookie' | null = null
    let raw: string | null = token
    if (raw) via = 'bearer'
    else {
      const cookie = request.cookies?.[SESSION_COOKIE]
      if (cookie) {
        const unsigned = request.unsignCookie(cookie)
        raw = unsigned.valid ? unsigned.value : null
        via = 'cookie'
      }
    }
    const session = raw ? await deps.sessions.resolve(deps.pool, raw) : null
    if (!session) {
      if (mode === 'pending-or-none' || mode === 'optional') return
      throw new AppError(raw ? 'SESSION_EXPIRED' : 'UNAUTHENTICATED')
    }
    if (session.kind === 'pending_link' && mode !== 'pending-or-none') {
      throw new AppError('UNAUTHENTICATED', 'Sign in or create an account to finish linking your Salesforce user.')
    }
    if (via === 'cookie' && STATE_CHANGING.has(request.method) && request.routeOptions.config?.csrf !== false) {
      const presented = request.headers['x-csrf-token']
      if (!csrfTokenMatches(deps.secret, session.id, typeof presented === 'string' ? presented : undefined)) {
        throw new AppError('CSRF_INVALID')
      }
    }
    request.auth = {
      accountId: session.accountId,
      sessionId: session.id,
      kind: session.kind,
      via: via!,
      linkId: session.linkId,
      pendingIdentity: session.pendingIdentity,
      sessionExpiresAt: session.expiresAt,
    }
  })
}

/** The signed-in account, or 401. */
export function requireAccount(request: FastifyRequest): AuthContext & { accountId: string } {
  const auth = request.auth
  if (!auth || !auth.accountId) throw new AppError('UNAUTHENTICATED')
  return auth as AuthContext & { accountId: string }
}
