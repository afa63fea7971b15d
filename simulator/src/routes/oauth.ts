// OAuth 2.0: authorize (login + consent pages, PKCE), token (authorization_code, refresh_token,
// JWT bearer, password when the org allows it), revoke; identity and userinfo.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  checkPassword,
  createRefreshToken,
  createSession,
  identityUrl,
  oauthTokenResponse,
  recordLogin,
  revokeToken,
  useSession,
} from '../auth.js'
import type { SimulatorContext } from '../context.js'
import { checkJwtAssertion } from '../jwt.js'
import { randomTokenText } from '../random.js'
import type { ConnectedApp, PendingAuthorization, SimulatorState, User } from '../state.js'
import { bearerToken, escapeHtml, formBody, JSON_TYPE, page, queryParams, sendOAuthError } from './http.js'

const CODE_TTL_MS = 15 * 60_000
const PENDING_TTL_MS = 30 * 60_000
const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
/** Salesforce's own paths for the approval page and the login redirect (clients such as jsforce's tests look for them). */
const CONSENT_PATH = '/setup/secur/RemoteAccessAuthorizationPage.apexp'

const consentPath = (pending: PendingAuthorization) => `${CONSENT_PATH}?source=${encodeURIComponent(pending.id)}`
const loginPath = (pending: PendingAuthorization) => `/?ec=302&startURL=${encodeURIComponent(consentPath(pending))}`

/**
 * Salesforce's login and approval pages refuse to be framed (clickjack protection), so a canvas app
 * must run the approval in a popup or a top-level window. Here the host page shares the simulator's
 * origin, so only "none" keeps that behaviour.
 */
function sendPage(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply
    .code(status)
    .type('text/html;charset=UTF-8')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', "frame-ancestors 'none'")
    .header('cache-control', 'no-store')
    .send(html)
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url')
}

function issuesRefreshToken(scope: string[]): boolean {
  return scope.includes('refresh_token') || scope.includes('offline_access')
}

function errorPage(reply: FastifyReply, error: string, description: string): FastifyReply {
  return reply
    .code(400)
    .type('text/html;charset=UTF-8')
    .send(
      page(
        'Error',
        `<h1>Remote Access Error</h1><p class="error" id="oauth-error">error=${escapeHtml(error)}<br>error_description=${escapeHtml(description)}</p>`,
      ),
    )
}

function redirectWith(reply: FastifyReply, redirectUri: string, params: Record<string, string | null>): FastifyReply {
  const url = new URL(redirectUri)
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v)
  return reply.redirect(url.toString(), 302)
}

/** The user-agent flow answers in the URL fragment, so the token never reaches a server log. */
function redirectWithFragment(
  reply: FastifyReply,
  redirectUri: string,
  params: Record<string, string | null>,
): FastifyReply {
  const url = new URL(redirectUri)
  const fragment = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== null) fragment.set(k, v)
  url.hash = fragment.toString()
  return reply.redirect(url.toString(), 302)
}

function loginPage(pending: PendingAuthorization, username: string, error: string | null): string {
  return page(
    'Login | Salesforce',
    `<h1>Log in to Salesforce</h1>
${error ? `<p class="error" role="alert" id="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/services/oauth2/authorize/login" id="login_form">
<input type="hidden" name="flow" value="${escapeHtml(pending.id)}">
<label for="username">Username</label>
<input id="username" name="username" type="email" autocomplete="username" value="${escapeHtml(username)}" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="Login" name="Login">Log In</button>
</form>
<p class="note">Salesforce simulator — not the real login page.</p>`,
  )
}

function consentPage(pending: PendingAuthorization, app: ConnectedApp, user: User): string {
  const describe: Record<string, string> = {
    api: 'Manage user data via APIs (api)',
    refresh_token: 'Perform requests at any time (refresh_token, offline_access)',
    offline_access: 'Perform requests at any time (refresh_token, offline_access)',
    id: 'Access the identity URL service (id, profile, email, address, phone)',
    openid: 'Access unique user identifiers (openid)',
    web: 'Access the Salesforce API Platform (web)',
    full: 'Full access (full)',
  }
  const items = [...new Set(pending.scope.map((s) => describe[s] ?? s))]
    .map((s) => `<li>${escapeHtml(s)}</li>`)
    .join('')
  return page(
    'Allow Access? | Salesforce',
    `<h1>Allow Access?</h1>
<p><strong>${escapeHtml(app.name)}</strong> is asking to:</p><ul id="scopes">${items}</ul>
<p>Signed in as ${escapeHtml(user.username)}.</p>
<form method="post" action="/services/oauth2/authorize/consent">
<input type="hidden" name="flow" value="${escapeHtml(pending.id)}">
<button type="submit" name="decision" value="allow" id="oaapprove">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary" id="oadeny">Deny</button>
</form>`,
  )
}

function takePending(state: SimulatorState, id: string | undefined): PendingAuthorization | undefined {
  const pending = id ? state.pendingAuthorizations.get(id) : undefined
  if (pending && state.now() - pending.createdAt > PENDING_TTL_MS) {
    state.pendingAuthorizations.delete(pending.id)
    return undefined
  }
  return pending
}

/** Client credentials from the body or HTTP Basic. */
function clientCredentials(
  request: FastifyRequest,
  body: Record<string, string>,
): { clientId?: string; clientSecret?: string } {
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '')
  if (basic) {
    const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':')
    return { clientId: decodeURIComponent(id ?? ''), clientSecret: decodeURIComponent(secret ?? '') }
  }
  return { clientId: body.client_id, clientSecret: body.client_secret }
}

export function registerOAuthRoutes(app: FastifyInstance, ctx: SimulatorContext): void {
  const { state } = ctx

  app.get('/services/oauth2/authorize', async (request, reply) => {
    const q = queryParams(request)
    const connectedApp = q.client_id ? state.connectedApps.get(q.client_id) : undefined
    if (!connectedApp) return errorPage(reply, 'invalid_client_id', 'client identifier invalid')
    const redirectUri = q.redirect_uri ?? ''
    let redirectOk = /^https?:\/\//.test(redirectUri)
    if (connectedApp.callbackUrls.length > 0) redirectOk = connectedApp.callbackUrls.includes(redirectUri)
    if (!redirectOk) return errorPage(reply, 'redirect_uri_mismatch', 'redirect_uri must match configuration')
    const state_ = q.state ?? null
    if (q.response_type !== 'code' && q.response_type !== 'token') {
      return redirectWith(reply, redirectUri, {
        error: 'unsupported_response_type',
        error_description: 'response type not supported',
        state: state_,
      })
    }
    const scope = q.scope ? q.scope.split(/[\s+]+/).filter(Boolean) : [...connectedApp.scopes]
    if (scope.some((s) => !connectedApp.scopes.includes(s))) {
      return redirectWith(reply, redirectUri, {
        error: 'invalid_scope',
        error_description: 'the requested scope is not allowed',
        state: state_,
      })
    }
    const method = q.code_challenge ? (q.code_challenge_method ?? 'S256') : null
    if (method !== null && method !== 'S256') {
      return redirectWith(reply, redirectUri, {
        error: 'invalid_request',
        error_description: 'invalid code_challenge_method',
        state: state_,
      })
    }
    const pending: PendingAuthorization = {
      id: randomUUID(),
      clientId: connectedApp.consumerKey,
      responseType: q.response_type,
      loginHint: q.login_hint ?? '',
      redirectUri,
      state: state_,
      scope,
      codeChallenge: q.code_challenge ?? null,
      codeChallengeMethod: method,
      userId: null,
      createdAt: state.now(),
    }
    state.pendingAuthorizations.set(pending.id, pending)
    // Nobody is signed in to the simulator's UI: off to the login page, which then leads to the approval page.
    return reply.redirect(loginPath(pending), 302)
  })

  /** The pending authorization a login or approval page URL refers to (startURL=…?source=, or source=). */
  const pendingFromStartUrl = (startUrl: string | undefined): PendingAuthorization | undefined => {
    if (!startUrl) return undefined
    const url = new URL(startUrl, 'http://simulator.invalid')
    return url.pathname === CONSENT_PATH ? takePending(state, url.searchParams.get('source') ?? undefined) : undefined
  }

  app.get('/', async (request, reply) => {
    const q = queryParams(request)
    const pending = pendingFromStartUrl(q.startURL)
    if (pending) return sendPage(reply, loginPage(pending, pending.loginHint, null))
    if (q.startURL) return errorPage(reply, 'invalid_request', 'the login page expired; start again')
    return reply
      .type('text/html;charset=UTF-8')
      .send(
        page(
          'Salesforce simulator',
          `<h1>Salesforce simulator</h1><p>A local stand-in for Salesforce. Try <a href="/canvas-host">the canvas host page</a> or <a href="/_sim/users">the demo users</a>.</p>`,
        ),
      )
  })

  app.get(CONSENT_PATH, async (request, reply) => {
    const pending = takePending(state, queryParams(request).source)
    if (!pending) return errorPage(reply, 'invalid_request', 'the login page expired; start again')
    if (!pending.userId) return reply.redirect(loginPath(pending), 302)
    const user = state.users.get(pending.userId)!
    return sendPage(reply, consentPage(pending, state.connectedApps.get(pending.clientId)!, user))
  })

  app.post('/services/oauth2/authorize/login', async (request, reply) => {
    const body = formBody(request)
    const pending = takePending(state, body.flow)
    if (!pending) return errorPage(reply, 'invalid_request', 'the login page expired; start again')
    const outcome = checkPassword(state, {
      username: body.username ?? '',
      password: body.password ?? '',
      ip: request.ip,
      channel: 'ui',
    })
    if (!outcome.ok) {
      recordLogin(state, 'oauth_code', outcome.user, false, outcome.code)
      const message =
        outcome.code === 'LOGIN_RATE_EXCEEDED'
          ? 'Login rate exceeded. Try again later.'
          : "Please check your username and password. If you still can't log in, contact your Salesforce administrator."
      return sendPage(reply, loginPage(pending, body.username ?? '', message))
    }
    recordLogin(state, 'oauth_code', outcome.user, true)
    pending.userId = outcome.user.id
    return reply.redirect(consentPath(pending), 302)
  })

  app.post('/services/oauth2/authorize/consent', async (request, reply) => {
    const body = formBody(request)
    const pending = takePending(state, body.flow)
    if (!pending || !pending.userId) return errorPage(reply, 'invalid_request', 'the login page expired; start again')
    state.pendingAuthorizations.delete(pending.id)
    const connectedApp = state.connectedApps.get(pending.clientId)!
    const answer = pending.responseType === 'token' ? redirectWithFragment : redirectWith
    if (body.decision !== 'allow') {
      return answer(reply, pending.redirectUri, {
        error: 'access_denied',
        error_description: 'end-user denied authorization',
        state: pending.state,
      })
    }
    // The user's own approval: what a self-authorizing canvas app waits for (until revoked).
    connectedApp.selfAuthorizedUserIds.add(pending.userId)
    if (pending.responseType === 'token') {
      // User-agent flow: the token in the fragment. Salesforce adds a refresh token only for its own
      // success page or a custom-scheme callback, never for an http(s) one like these.
      const user = state.users.get(pending.userId)!
      const session = createSession(state, user, 'oauth_token', { clientId: connectedApp.consumerKey })
      const token = oauthTokenResponse(state, connectedApp, session, pending.scope)
      return redirectWithFragment(reply, pending.redirectUri, { ...token, state: pending.state })
    }
    const code = `aPrx${randomTokenText(80)}==`
    state.authCodes.set(code, {
      code,
      userId: pending.userId,
      clientId: pending.clientId,
      redirectUri: pending.redirectUri,
      scope: pending.scope,
      codeChallenge: pending.codeChallenge,
      codeChallengeMethod: pending.codeChallengeMethod,
      expiresAt: state.now() + CODE_TTL_MS,
      used: false,
    })
    return redirectWith(reply, pending.redirectUri, { code, state: pending.state })
  })

  app.post('/services/oauth2/token', async (request, reply) => {
    const body = formBody(request)
    const { clientId, clientSecret } = clientCredentials(request, body)
    const grant = body.grant_type

    if (grant === 'authorization_code') {
      const connectedApp = clientId ? state.connectedApps.get(clientId) : undefined
      if (!connectedApp) return sendOAuthError(reply, 'invalid_client_id', 'client identifier invalid')
      if (
        clientSecret !== undefined
          ? !safeEqual(clientSecret, connectedApp.consumerSecret)
          : connectedApp.requireSecretForWebServerFlow
      ) {
        return sendOAuthError(reply, 'invalid_client', 'invalid client credentials')
      }
      const code = body.code ? state.authCodes.get(body.code) : undefined
      if (!code || code.used || code.clientId !== connectedApp.consumerKey)
        return sendOAuthError(reply, 'invalid_grant', 'invalid authorization code')
      if (code.expiresAt < state.now()) return sendOAuthError(reply, 'invalid_grant', 'expired authorization code')
      if (body.redirect_uri !== code.redirectUri)
        return sendOAuthError(reply, 'redirect_uri_mismatch', 'redirect_uri must match configuration')
      if (
        code.codeChallenge !== null &&
        (!body.code_verifier || pkceChallenge(body.code_verifier) !== code.codeChallenge)
      ) {
        return sendOAuthError(reply, 'invalid_grant', 'invalid code verifier')
      }
      code.used = true
      const user = state.users.get(code.userId)!
      if (!user.active) return sendOAuthError(reply, 'invalid_grant', 'inactive user')
      const refresh = issuesRefreshToken(code.scope)
        ? createRefreshToken(state, user, connectedApp.consumerKey, code.scope)
        : undefined
      if (refresh) connectedApp.approvedUserIds.add(user.id)
      const session = createSession(state, user, 'oauth_code', {
        clientId: connectedApp.consumerKey,
        refreshToken: refresh?.token ?? null,
      })
      return reply.type(JSON_TYPE).send(oauthTokenResponse(state, connectedApp, session, code.scope, refresh))
    }

    if (grant === 'refresh_token') {
      const refresh = body.refresh_token ? state.refreshTokens.get(body.refresh_token) : undefined
      const user = refresh ? state.users.get(refresh.userId) : undefined
      const connectedApp = clientId ? state.connectedApps.get(clientId) : undefined
      if (!connectedApp) {
        recordLogin(state, 'refresh', user, false, 'invalid_client_id')
        return sendOAuthError(reply, 'invalid_client_id', 'client identifier invalid')
      }
      if (
        clientSecret !== undefined
          ? !safeEqual(clientSecret, connectedApp.consumerSecret)
          : connectedApp.requireSecretForRefreshToken
      ) {
        recordLogin(state, 'refresh', user, false, 'invalid_client')
        return sendOAuthError(reply, 'invalid_client', 'invalid client credentials')
      }
      if (!refresh || refresh.revoked || refresh.clientId !== connectedApp.consumerKey || !user || !user.active) {
        recordLogin(state, 'refresh', user, false, 'invalid_grant')
        return sendOAuthError(reply, 'invalid_grant', 'expired access/refresh token')
      }
      recordLogin(state, 'refresh', user, true)
      // Rotation: a new refresh token in the answer, and the one just used is dead at once (a second
      // use, e.g. by a parallel refresh, gets invalid_grant). Sessions it issued stay valid until they expire.
      const rotated = connectedApp.refreshTokenRotation
        ? createRefreshToken(state, user, connectedApp.consumerKey, refresh.scope, refresh.canvas)
        : undefined
      if (rotated) refresh.revoked = true
      const session = createSession(state, user, 'refresh', {
        clientId: connectedApp.consumerKey,
        refreshToken: (rotated ?? refresh).token,
      })
      return reply.type(JSON_TYPE).send(oauthTokenResponse(state, connectedApp, session, refresh.scope, rotated))
    }

    if (grant === JWT_GRANT) {
      const check = checkJwtAssertion(state, body.assertion ?? '')
      if (!check.ok) {
        recordLogin(state, 'jwt', undefined, false, check.error)
        return sendOAuthError(reply, check.error, check.description)
      }
      recordLogin(state, 'jwt', check.user, true)
      const scope = check.app.scopes.filter((s) => s !== 'refresh_token' && s !== 'offline_access')
      const session = createSession(state, check.user, 'jwt', { clientId: check.app.consumerKey })
      return reply.type(JSON_TYPE).send(oauthTokenResponse(state, check.app, session, scope))
    }

    if (grant === 'password') {
      const connectedApp = clientId ? state.connectedApps.get(clientId) : undefined
      if (!connectedApp) return sendOAuthError(reply, 'invalid_client_id', 'client identifier invalid')
      if (!clientSecret || !safeEqual(clientSecret, connectedApp.consumerSecret))
        return sendOAuthError(reply, 'invalid_client', 'invalid client credentials')
      const known = state.usersByUsername.get((body.username ?? '').trim().toLowerCase())
      // Orgs created from Summer '23 block this flow ("Allow OAuth Username-Password Flows" off).
      if (known && !state.orgs.get(known.orgId)!.settings.oauthPasswordFlowEnabled) {
        recordLogin(state, 'oauth_password', known, false, 'invalid_grant')
        return sendOAuthError(reply, 'invalid_grant', 'authentication failure')
      }
      const outcome = checkPassword(state, {
        username: body.username ?? '',
        password: body.password ?? '',
        ip: request.ip,
        channel: 'oauth_password',
      })
      if (!outcome.ok) {
        recordLogin(
          state,
          'oauth_password',
          outcome.user,
          false,
          outcome.code === 'LOGIN_RATE_EXCEEDED' ? 'rate_limit_exceeded' : 'invalid_grant',
        )
        return outcome.code === 'LOGIN_RATE_EXCEEDED'
          ? sendOAuthError(reply, 'rate_limit_exceeded', 'Too many requests')
          : sendOAuthError(reply, 'invalid_grant', 'authentication failure')
      }
      recordLogin(state, 'oauth_password', outcome.user, true)
      const scope = connectedApp.scopes.filter((s) => s !== 'refresh_token' && s !== 'offline_access')
      const session = createSession(state, outcome.user, 'oauth_password', { clientId: connectedApp.consumerKey })
      return reply.type(JSON_TYPE).send(oauthTokenResponse(state, connectedApp, session, scope))
    }

    return sendOAuthError(reply, 'unsupported_grant_type', 'grant type not supported')
  })

  const revoke = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = formBody(request).token ?? queryParams(request).token
    if (!token)
      return reply
        .code(400)
        .type('application/x-www-form-urlencoded')
        .send('error=unsupported_token_type&error_description=Token%20type%20not%20supported')
    if (!revokeToken(state, token))
      return reply
        .code(400)
        .type('application/x-www-form-urlencoded')
        .send('error=invalid_token&error_description=Token%20was%20invalid')
    return reply.code(200).send('')
  }
  app.post('/services/oauth2/revoke', revoke)
  app.get('/services/oauth2/revoke', revoke)

  const tokenFromRequest = (request: FastifyRequest): string | undefined => {
    const q = queryParams(request)
    return bearerToken(request) ?? q.oauth_token ?? q.access_token ?? formBody(request).access_token
  }
  const badToken = (reply: FastifyReply) => reply.code(403).type('text/plain;charset=UTF-8').send('Bad_OAuth_Token')

  const identity = (user: User) => {
    const org = state.orgs.get(user.orgId)!
    const base = state.baseUrl
    const urls = {
      enterprise: `${base}/services/Soap/c/{version}/${org.id.slice(0, 15)}`,
      metadata: `${base}/services/Soap/m/{version}/${org.id.slice(0, 15)}`,
      partner: `${base}/services/Soap/u/{version}/${org.id.slice(0, 15)}`,
      rest: `${base}/services/data/v{version}/`,
      sobjects: `${base}/services/data/v{version}/sobjects/`,
      search: `${base}/services/data/v{version}/search/`,
      query: `${base}/services/data/v{version}/query/`,
      recent: `${base}/services/data/v{version}/recent/`,
      profile: `${base}/${user.id}`,
      feeds: `${base}/services/data/v{version}/chatter/feeds`,
      groups: `${base}/services/data/v{version}/chatter/groups`,
      users: `${base}/services/data/v{version}/chatter/users`,
      feed_items: `${base}/services/data/v{version}/chatter/feed-items`,
      custom_domain: base,
    }
    return { org, urls }
  }

  app.get('/id/:orgId/:userId', async (request, reply) => {
    const token = tokenFromRequest(request)
    const session = token ? useSession(state, token) : undefined
    if (!session) return badToken(reply)
    const { orgId, userId } = request.params as { orgId: string; userId: string }
    const user = state.users.get(session.userId)!
    if (user.orgId.slice(0, 15) !== orgId.slice(0, 15) || user.id.slice(0, 15) !== userId.slice(0, 15)) {
      return reply.code(403).type('text/plain;charset=UTF-8').send('Bad_Id')
    }
    const { org, urls } = identity(user)
    return reply.type(JSON_TYPE).send({
      id: identityUrl(state, user),
      asserted_user: true,
      user_id: user.id,
      organization_id: org.id,
      username: user.username,
      nick_name: user.username.split('@')[0],
      display_name: `${user.firstName} ${user.lastName}`.trim(),
      email: user.email,
      email_verified: true,
      first_name: user.firstName,
      last_name: user.lastName,
      timezone: user.timeZone,
      photos: { picture: `${state.baseUrl}/profilephoto/005/F`, thumbnail: `${state.baseUrl}/profilephoto/005/T` },
      addr_street: null,
      addr_city: null,
      addr_state: null,
      addr_country: null,
      addr_zip: null,
      mobile_phone: null,
      mobile_phone_verified: false,
      is_lightning_login_user: false,
      status: { created_date: null, body: null },
      urls,
      active: user.active,
      user_type: user.userType,
      language: user.language,
      locale: user.locale,
      utcOffset: 0,
      last_modified_date: new Date(user.createdAt).toISOString().replace('Z', '+0000'),
      is_app_installed: true,
    })
  })

  const userinfo = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = tokenFromRequest(request)
    const session = token ? useSession(state, token) : undefined
    if (!session) return badToken(reply)
    const user = state.users.get(session.userId)!
    const { org, urls } = identity(user)
    return reply.type(JSON_TYPE).send({
      sub: identityUrl(state, user),
      user_id: user.id,
      organization_id: org.id,
      preferred_username: user.username,
      nickname: user.username.split('@')[0],
      name: `${user.firstName} ${user.lastName}`.trim(),
      email: user.email,
      email_verified: true,
      given_name: user.firstName,
      family_name: user.lastName,
      zoneinfo: user.timeZone,
      photos: { picture: `${state.baseUrl}/profilephoto/005/F`, thumbnail: `${state.baseUrl}/profilephoto/005/T` },
      profile: `${state.baseUrl}/${user.id}`,
      picture: `${state.baseUrl}/profilephoto/005/F`,
      address: {},
      urls,
      active: user.active,
      user_type: user.userType,
      language: user.language,
      locale: user.locale,
      utcOffset: 0,
      updated_at: new Date(user.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      is_app_installed: true,
    })
  }
  app.get('/services/oauth2/userinfo', userinfo)
  app.post('/services/oauth2/userinfo', userinfo)
}
