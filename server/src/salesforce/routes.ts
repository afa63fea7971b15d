/** Salesforce credentials and Connect / Sign in with Salesforce (docs/spec.md §6). Thin: the service decides. */
import type { FastifyRequest } from 'fastify'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { CredentialsService, Actor, OAuthOutcome } from './credentials-service.js'
import { OAUTH_DONE_PATH, doneUrl } from './credentials-service.js'
import { OAUTH_DONE_SCRIPT, OAUTH_DONE_SCRIPT_PATH, oauthDonePage } from './oauth-done-page.js'
import {
  CredentialsBodySchema,
  CredentialsPatchSchema,
  EnvironmentSchema,
  LinkViewSchema,
  OAuthTicketSchema,
} from '../contract/index.js'
import { SESSION_COOKIE, requireAccount } from '../http/auth.js'
import { redirectErrors } from '../http/error-handler.js'

const credentialRateLimit = { max: 10, timeWindow: '1 minute' }
/** Each start stores an OAuth state row: bounded per client so nobody can fill the table. */
const oauthStartRateLimit = { max: 30, timeWindow: '1 minute' }

/** One cookie per flow (several tabs may connect at once), sent only to the callback. */
const OAUTH_NONCE_COOKIE_PREFIX = 'sfl_oauth_'
const OAUTH_CALLBACK_PATH = '/oauth/salesforce/callback'

function actorOf(request: FastifyRequest): Actor {
  const auth = requireAccount(request)
  return {
    accountId: auth.accountId,
    linkId: auth.linkId,
    sessionId: auth.sessionId,
    canvas: auth.kind === 'canvas',
    ip: request.ip,
  }
}

/** The UI page a browser lands on when the OAuth flow ends (the hash routes of canvas-ui). */
export function oauthLandingUrl(outcome: OAuthOutcome): string {
  if (outcome.kind === 'signed_in') return '/#/connections'
  // Flows that ran in a popup end on a page that says how it went and closes itself.
  if (outcome.kind === 'approved') return doneUrl('approved')
  if (outcome.kind === 'connected')
    return outcome.popup ? doneUrl('connected') : '/#/settings/link-accounts?connected=1'
  if (outcome.popup || outcome.intent === 'approve') return doneUrl('failed', outcome.code)
  return outcome.intent === 'signin'
    ? `/#/signin?error=${outcome.code}`
    : `/#/settings/link-accounts?error=${outcome.code}`
}

export const salesforceRoutes: FastifyPluginAsyncTypebox<{
  service: CredentialsService
  secureCookies: boolean
}> = async (app, { service, secureCookies }) => {
  const errors = {
    400: { $ref: 'Error#' },
    401: { $ref: 'Error#' },
    403: { $ref: 'Error#' },
    404: { $ref: 'Error#' },
    422: { $ref: 'Error#' },
    429: { $ref: 'Error#' },
    503: { $ref: 'Error#' },
  }

  app.put(
    '/api/salesforce/credentials',
    {
      config: { auth: 'session', rateLimit: credentialRateLimit },
      schema: {
        tags: ['salesforce'],
        summary:
          'Store a credential after proving it by a real login (username + password + security token, or JWT bearer)',
        body: CredentialsBodySchema,
        response: { 200: LinkViewSchema, ...errors },
      },
    },
    async (request) => service.save(actorOf(request), request.body),
  )

  app.patch(
    '/api/salesforce/credentials',
    {
      config: { auth: 'session', rateLimit: credentialRateLimit },
      schema: {
        tags: ['salesforce'],
        summary: 'Update the security token and/or password after a reset (proven by a login first)',
        body: CredentialsPatchSchema,
        response: { 200: LinkViewSchema, ...errors },
      },
    },
    async (request) => service.update(actorOf(request), request.body),
  )

  app.delete(
    '/api/salesforce/credentials',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['salesforce'],
        summary: 'Forget stored Salesforce credentials',
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await service.forget(actorOf(request))
      return reply.status(204).send(null)
    },
  )

  app.post(
    '/api/salesforce/oauth/ticket',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['salesforce'],
        summary: 'A one-time URL that starts Connect with Salesforce in a new window (for the canvas iframe)',
        // No body at all is fine too (Fastify validates a missing body as null).
        body: Type.Union([Type.Object({ environment: Type.Optional(EnvironmentSchema) }), Type.Null()]),
        response: { 200: OAuthTicketSchema, ...errors },
      },
    },
    async (request) => ({
      url: await service.oauthTicket(actorOf(request), request.body?.environment ?? 'production'),
    }),
  )

  // Browser navigations: errors become a redirect to a page that explains them, not JSON.
  const redirectOnError = redirectErrors(
    (code, request) => {
      const q = request.query as { intent?: string; ticket?: string } | undefined
      return oauthLandingUrl({
        kind: 'failed',
        intent: q?.intent === 'signin' ? 'signin' : q?.intent === 'approve' ? 'approve' : 'link',
        code,
        // Flows that run in a popup (the canvas ticket, the approval) end on the page that closes itself.
        popup: Boolean(q?.ticket),
      })
    },
    'SF_OAUTH_FAILED',
    'oauth flow failed',
  )

  app.get(
    '/oauth/salesforce/start',
    {
      config: { auth: 'optional', rateLimit: oauthStartRateLimit },
      errorHandler: redirectOnError,
      schema: {
        tags: ['salesforce'],
        summary:
          'Connect with Salesforce (intent=link, needs a session or a ticket) or Sign in with Salesforce (intent=signin)',
        querystring: Type.Object({
          intent: Type.Optional(Type.Union([Type.Literal('link'), Type.Literal('signin'), Type.Literal('approve')])),
          environment: Type.Optional(EnvironmentSchema),
          ticket: Type.Optional(Type.String({ maxLength: 64 })),
        }),
      },
    },
    async (request, reply) => {
      const auth = request.auth
      const actor = auth?.accountId
        ? { accountId: auth.accountId, linkId: auth.linkId, sessionId: auth.sessionId, canvas: false, ip: request.ip }
        : null
      const started = await service.oauthStart({
        actor,
        intent: request.query.intent ?? 'link',
        environment: request.query.environment ?? 'production',
        ticket: request.query.ticket,
      })
      // Binds the state to this browser. SameSite=Lax: the callback is a top-level GET
      // navigation coming back from Salesforce, on which Lax cookies are sent.
      reply.setCookie(`${OAUTH_NONCE_COOKIE_PREFIX}${started.stateId}`, started.browserNonce, {
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookies,
        path: OAUTH_CALLBACK_PATH,
        maxAge: started.ttlSeconds,
      })
      return reply.redirect(started.url, 302)
    },
  )

  app.get(
    OAUTH_DONE_PATH,
    {
      schema: {
        tags: ['salesforce'],
        summary: 'The end of a Connect with Salesforce flow that ran in a popup: says how it went, closes itself',
        querystring: Type.Object({
          outcome: Type.Optional(
            Type.Union([Type.Literal('connected'), Type.Literal('approved'), Type.Literal('failed')]),
          ),
          error: Type.Optional(Type.String({ maxLength: 64 })),
        }),
        produces: ['text/html'],
      },
    },
    async (request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(oauthDonePage(request.query.outcome ?? 'failed', request.query.error)),
  )

  app.get(OAUTH_DONE_SCRIPT_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(OAUTH_DONE_SCRIPT),
  )

  app.get(
    OAUTH_CALLBACK_PATH,
    {
      errorHandler: redirectOnError,
      schema: {
        tags: ['salesforce'],
        summary: 'OAuth callback from Salesforce',
        querystring: Type.Object({
          code: Type.Optional(Type.String({ maxLength: 2048 })),
          state: Type.Optional(Type.String({ maxLength: 128 })),
          error: Type.Optional(Type.String({ maxLength: 256 })),
          error_description: Type.Optional(Type.String({ maxLength: 2048 })),
        }),
      },
    },
    async (request, reply) => {
      const state = request.query.state
      const cookieName = state && /^[0-9a-f-]{36}$/.test(state) ? `${OAUTH_NONCE_COOKIE_PREFIX}${state}` : null
      const result = await service.oauthCallback(request.query, {
        ip: request.ip,
        userAgent: request.headers['user-agent'],
        browserNonce: (cookieName && request.cookies[cookieName]) || null,
      })
      if (cookieName && request.cookies[cookieName] !== undefined)
        reply.clearCookie(cookieName, {
          path: OAUTH_CALLBACK_PATH,
          httpOnly: true,
          sameSite: 'lax',
          secure: secureCookies,
        })
      if (result.kind === 'signed_in') {
        reply.setCookie(SESSION_COOKIE, result.session.token, {
          httpOnly: true,
          sameSite: 'lax',
          secure: secureCookies,
          path: '/',
          signed: true,
          expires: new Date(result.session.expiresAt),
        })
      }
      return reply.redirect(oauthLandingUrl(result), 302)
    },
  )
}
