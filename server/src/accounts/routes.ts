/** App accounts and sessions: signup, login, logout, me, csrf. */
import type { FastifyReply } from 'fastify'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AccountService } from './service.js'
import { csrfTokenFor } from '../http/session-tokens.js'
import { SESSION_COOKIE, requireAccount } from '../http/auth.js'
import { AppError } from '../errors.js'
import {
  CsrfTokenSchema,
  ErrorRef,
  LoginBodySchema,
  MeSchema,
  SignupBodySchema,
  SessionTokenSchema,
  type Me,
} from '../contract/index.js'

const loginRateLimit = { max: 20, timeWindow: '1 minute' }

export const accountRoutes: FastifyPluginAsyncTypebox<{
  accounts: AccountService
  secret: string
  secureCookies: boolean
}> = async (app, opts) => {
  const { accounts } = opts

  function setSessionCookie(reply: FastifyReply, token: string, expiresAt: string): void {
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: opts.secureCookies,
      path: '/',
      signed: true,
      expires: new Date(expiresAt),
    })
  }

  app.post(
    '/api/auth/signup',
    {
      config: { auth: 'pending-or-none', csrf: false, sameOrigin: true, rateLimit: loginRateLimit },
      schema: {
        tags: ['accounts'],
        summary: 'Create an app account (with a pending-link bearer token: also links the Salesforce user)',
        body: SignupBodySchema,
        response: { 201: SessionTokenSchema, 400: ErrorRef, 409: ErrorRef, 429: ErrorRef },
      },
    },
    async (request, reply) => {
      const pending =
        request.auth?.kind === 'pending_link'
          ? { sessionId: request.auth.sessionId!, identity: request.auth.pendingIdentity! }
          : null
      const result = await accounts.signup(request.body, {
        ip: request.ip,
        userAgent: request.headers['user-agent'],
        pending,
      })
      if (!result.linked) setSessionCookie(reply, result.token, result.expiresAt)
      return reply.status(201).send({ token: result.token, expiresAt: result.expiresAt, linked: result.linked })
    },
  )

  app.post(
    '/api/auth/login',
    {
      config: { auth: 'pending-or-none', csrf: false, sameOrigin: true, rateLimit: loginRateLimit },
      schema: {
        tags: ['accounts'],
        summary: 'Sign in with email and password (with a pending-link bearer token: also links the Salesforce user)',
        body: LoginBodySchema,
        response: { 200: SessionTokenSchema, 401: ErrorRef, 429: ErrorRef },
      },
    },
    async (request, reply) => {
      const pending =
        request.auth?.kind === 'pending_link'
          ? { sessionId: request.auth.sessionId!, identity: request.auth.pendingIdentity! }
          : null
      const result = await accounts.login(request.body, {
        ip: request.ip,
        userAgent: request.headers['user-agent'],
        pending,
      })
      if (!result.linked) setSessionCookie(reply, result.token, result.expiresAt)
      return { token: result.token, expiresAt: result.expiresAt, linked: result.linked }
    },
  )

  app.post(
    '/api/auth/logout',
    {
      config: { auth: 'optional', csrf: false, sameOrigin: true },
      schema: { tags: ['accounts'], summary: 'Sign out (revokes the session)', response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      if (request.auth?.sessionId)
        await accounts.logout(request.auth.sessionId, request.auth.accountId, { ip: request.ip })
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return reply.status(204).send(null)
    },
  )

  app.get(
    '/api/me',
    {
      config: { auth: 'session-or-api-key' },
      schema: {
        tags: ['accounts'],
        summary: 'The signed-in account',
        response: {
          200: MeSchema,
          401: ErrorRef,
        },
      },
    },
    async (request): Promise<Me> => {
      const auth = requireAccount(request)
      const account = await accounts.get(auth.accountId)
      if (!account) throw new AppError('SESSION_EXPIRED')
      return {
        id: account.id,
        email: account.email,
        name: account.name,
        createdAt: account.createdAt.toISOString(),
        session: {
          kind:
            auth.via === 'cookie'
              ? 'cookie'
              : auth.kind === 'canvas'
                ? 'canvas'
                : auth.kind === 'api_key'
                  ? 'api_key'
                  : 'bearer',
          expiresAt: auth.sessionExpiresAt?.toISOString() ?? null,
        },
        insideSalesforce: auth.kind === 'canvas',
      }
    },
  )

  app.get(
    '/api/csrf',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['accounts'],
        summary: 'CSRF token for cookie sessions (send as X-CSRF-Token)',
        response: { 200: CsrfTokenSchema },
      },
    },
    async (request) => ({ csrfToken: csrfTokenFor(opts.secret, request.auth!.sessionId!) }),
  )
}
