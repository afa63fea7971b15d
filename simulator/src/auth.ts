// Credentials, lockout, rate limits, sessions and tokens: the rules every login path shares.
import { createHmac } from 'node:crypto'
import { BlockList, isIPv4, isIPv6 } from 'node:net'
import { randomAlphanumeric, randomTokenText } from './random.js'
import type { ConnectedApp, LoginKind, RefreshToken, Session, SessionKind, SimulatorState, User } from './state.js'

export type LoginFailureCode =
  | 'INVALID_LOGIN'
  | 'LOGIN_MUST_USE_SECURITY_TOKEN'
  | 'LOGIN_RATE_EXCEEDED'
  | 'API_DISABLED_FOR_ORG'
  | 'INVALID_OPERATION'
  | 'INSUFFICIENT_ACCESS'

export type LoginOutcome =
  { ok: true; user: User; passwordExpired: boolean } | { ok: false; code: LoginFailureCode; user: User | undefined }

/** Where the password is typed: API logins need the token outside trusted ranges; the browser form does not. */
export type CredentialChannel = 'soap' | 'oauth_password' | 'ui'

export const LOGIN_MESSAGES: Record<LoginFailureCode, string> = {
  INVALID_LOGIN: 'Invalid username, password, security token; or user locked out.',
  LOGIN_MUST_USE_SECURITY_TOKEN:
    'Invalid username, password, security token; or user locked out. Are you at a new location? When accessing Salesforce--either via a desktop client or the API--from outside of your company’s trusted networks, you must add a security token to your password to log in. To get a new token, log into Salesforce and navigate to: My Settings > Personal > Reset My Security Token.',
  LOGIN_RATE_EXCEEDED: 'Login rate exceeded.',
  API_DISABLED_FOR_ORG: 'API is not enabled for this Organization or Partner',
  // Salesforce's texts as clients report them (README.md, "Login rules", cites where).
  INVALID_OPERATION:
    'SOAP API login() is disabled by default in this org. Contact the org administrator to enable SOAP API login().',
  INSUFFICIENT_ACCESS: 'SOAP API login() requires the Use Any API Auth user permission.',
}

export function normalizeIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  return mapped ? mapped[1] : ip
}

/** Trusted IP ranges: "a.b.c.d/n" (v4 or v6), "a.b.c.d-e.f.g.h", or a single address. */
export function isTrustedIp(ranges: readonly string[], rawIp: string): boolean {
  if (ranges.length === 0) return false
  const ip = normalizeIp(rawIp)
  const family = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : null
  if (!family) return false
  const list = new BlockList()
  for (const range of ranges) {
    const entry = range.trim()
    const [net, bits] = entry.split('/')
    const [from, to] = entry.split('-')
    const type = (addr: string) => (isIPv4(addr) ? 'ipv4' : 'ipv6')
    if (bits !== undefined) list.addSubnet(net, Number(bits), type(net))
    else if (to !== undefined) list.addRange(from.trim(), to.trim(), type(from.trim()))
    else list.addAddress(entry, type(entry))
  }
  return list.check(ip, family)
}

export function recordLogin(
  state: SimulatorState,
  kind: LoginKind,
  user: User | undefined,
  ok: boolean,
  code?: string,
): void {
  const logins = state.counters.logins
  const outcome = ok ? 'success' : 'failure'
  logins[outcome]++
  logins.byKind[kind][outcome]++
  if (user) {
    const perUser = (logins.byUser[user.id] ??= { success: 0, failure: 0 })
    perUser[outcome]++
    const perOrg = (logins.byOrg[user.orgId] ??= { success: 0, failure: 0 })
    perOrg[outcome]++
  } else if (!ok) {
    logins.unknownUsername++
  }
  if (!ok && code) logins.byCode[code] = (logins.byCode[code] ?? 0) + 1
}

function isLockedOut(state: SimulatorState, user: User): boolean {
  if (user.lockedUntil === null) return false
  if (user.lockedUntil > state.now()) return true
  user.lockedUntil = null
  user.failedLoginAttempts = 0
  return false
}

function registerFailure(state: SimulatorState, user: User): void {
  const settings = state.orgs.get(user.orgId)!.settings
  user.failedLoginAttempts++
  if (user.failedLoginAttempts >= settings.maxInvalidLoginAttempts) {
    user.lockedUntil = state.now() + settings.lockoutMinutes * 60_000
  }
}

function overRateLimit(state: SimulatorState, user: User): boolean {
  const now = state.now()
  const hourAgo = now - 3_600_000
  while (user.recentLogins.length > 0 && user.recentLogins[0] <= hourAgo) user.recentLogins.shift()
  const limit = state.orgs.get(user.orgId)!.settings.loginRateLimitPerHour
  if (user.recentLogins.length >= limit) return true
  user.recentLogins.push(now)
  return false
}

/**
 * Checks a username and password (with the security token appended, for API logins).
 * Does not count the attempt: the caller records it with its own kind.
 */
export function checkPassword(
  state: SimulatorState,
  input: { username: string; password: string; ip: string; channel: CredentialChannel },
): LoginOutcome {
  const user = state.usersByUsername.get(input.username.trim().toLowerCase())
  if (!user || !user.active) return { ok: false, code: 'INVALID_LOGIN', user }
  const org = state.orgs.get(user.orgId)!
  if (overRateLimit(state, user)) return { ok: false, code: 'LOGIN_RATE_EXCEEDED', user }
  if (input.channel === 'soap' && !org.settings.soapLoginEnabled) return { ok: false, code: 'INVALID_OPERATION', user }
  // A locked-out user gets INVALID_LOGIN whatever the password: Salesforce does not say which.
  if (isLockedOut(state, user)) return { ok: false, code: 'INVALID_LOGIN', user }

  const trusted = input.channel === 'ui' || isTrustedIp(org.settings.trustedIpRanges, input.ip)
  const withToken = input.password === user.password + user.securityToken
  const passwordOnly = input.password === user.password
  if (!(withToken || (trusted && passwordOnly))) {
    registerFailure(state, user)
    return { ok: false, code: passwordOnly ? 'LOGIN_MUST_USE_SECURITY_TOKEN' : 'INVALID_LOGIN', user }
  }
  if (input.channel !== 'ui' && !org.settings.apiEnabled) return { ok: false, code: 'API_DISABLED_FOR_ORG', user }
  user.failedLoginAttempts = 0
  // Checked once the password is right, so the answer says nothing to someone guessing passwords.
  if (input.channel === 'soap' && org.settings.useAnyApiAuthEnforced && !user.useAnyApiAuth)
    return { ok: false, code: 'INSUFFICIENT_ACCESS', user }
  return { ok: true, user, passwordExpired: user.passwordExpired }
}

export function newAccessToken(orgId: string): string {
  return `${orgId.slice(0, 15)}!AQ${randomTokenText(96)}`
}

export function createSession(
  state: SimulatorState,
  user: User,
  kind: SessionKind,
  extra: { clientId?: string | null; refreshToken?: string | null; restricted?: boolean } = {},
): Session {
  const now = state.now()
  const session: Session = {
    token: newAccessToken(user.orgId),
    userId: user.id,
    orgId: user.orgId,
    kind,
    clientId: extra.clientId ?? null,
    refreshToken: extra.refreshToken ?? null,
    createdAt: now,
    lastActivity: now,
    restricted: extra.restricted ?? false,
    revoked: false,
  }
  state.sessions.set(session.token, session)
  if (state.sessions.size % 1000 === 0) pruneSessions(state)
  return session
}

/** Forgets sessions that timed out, so long benchmarks do not grow memory without bound. */
function pruneSessions(state: SimulatorState): void {
  for (const token of [...state.sessions.keys()]) useSession(state, token, false)
}

/** The live session for an access token, touching its inactivity clock; undefined when expired or revoked. */
export function useSession(state: SimulatorState, token: string, touch = true): Session | undefined {
  const session = state.sessions.get(token)
  if (!session || session.revoked) return undefined
  const org = state.orgs.get(session.orgId)
  const user = state.users.get(session.userId)
  const now = state.now()
  if (!org || !user || !user.active || now - session.lastActivity > org.settings.sessionTimeoutSeconds * 1000) {
    state.sessions.delete(token)
    return undefined
  }
  if (touch) session.lastActivity = now
  return session
}

export function createRefreshToken(
  state: SimulatorState,
  user: User,
  clientId: string,
  scope: string[],
  canvas = false,
): RefreshToken {
  const token: RefreshToken = {
    token: `5Aep861${randomTokenText(80)}`,
    userId: user.id,
    orgId: user.orgId,
    clientId,
    scope,
    createdAt: state.now(),
    revoked: false,
    canvas,
  }
  state.refreshTokens.set(token.token, token)
  return token
}

/** Revokes an access or refresh token (a refresh token takes its access tokens with it). */
export function revokeToken(state: SimulatorState, token: string): boolean {
  const session = state.sessions.get(token)
  if (session) {
    session.revoked = true
    state.sessions.delete(token)
    return true
  }
  const refresh = state.refreshTokens.get(token)
  if (refresh && !refresh.revoked) {
    refresh.revoked = true
    for (const s of state.sessions.values()) {
      if (s.refreshToken === token) {
        s.revoked = true
        state.sessions.delete(s.token)
      }
    }
    return true
  }
  return false
}

export function expireAllSessions(state: SimulatorState): number {
  const count = state.sessions.size
  for (const s of state.sessions.values()) s.revoked = true
  state.sessions.clear()
  return count
}

export function revokeUserTokens(state: SimulatorState, userId: string): void {
  for (const s of [...state.sessions.values()]) {
    if (s.userId === userId) {
      s.revoked = true
      state.sessions.delete(s.token)
    }
  }
  for (const r of state.refreshTokens.values()) if (r.userId === userId) r.revoked = true
  // Revoking the app's access also withdraws the user's own approval: a self-authorizing canvas app asks again.
  for (const app of state.connectedApps.values()) app.selfAuthorizedUserIds.delete(userId)
}

/** A new security token, "emailed" to the user; the old one stops working at once. */
export function issueSecurityToken(state: SimulatorState, user: User, reason: 'reset' | 'password-change'): string {
  user.securityToken = randomAlphanumeric(24)
  const why =
    reason === 'reset'
      ? 'You recently requested a new security token for your Salesforce account.'
      : 'Your Salesforce password was changed, so a new security token has been generated for your account.'
  state.outbox.push({
    to: user.email,
    subject: 'Your new Salesforce security token',
    body: [
      `Hello ${user.firstName},`,
      '',
      why,
      `Username: ${user.username}`,
      `Security token (case-sensitive): ${user.securityToken}`,
      '',
      'Add it to the end of your password when you log in to Salesforce from an API or a desktop client.',
      'Thanks,',
      'Salesforce',
    ].join('\n'),
    userId: user.id,
    at: new Date(state.now()).toISOString(),
  })
  return user.securityToken
}

export function changePassword(state: SimulatorState, user: User, password: string): string {
  user.password = password
  user.passwordExpired = false
  // Resetting a password unlocks the user, as in Salesforce.
  user.lockedUntil = null
  user.failedLoginAttempts = 0
  return issueSecurityToken(state, user, 'password-change')
}

export function identityUrl(state: SimulatorState, user: User): string {
  return `${state.baseUrl}/id/${user.orgId}/${user.id}`
}

export interface OAuthTokenResponse {
  access_token: string
  refresh_token?: string
  signature: string
  scope: string
  instance_url: string
  id: string
  token_type: 'Bearer'
  issued_at: string
}

export function oauthTokenResponse(
  state: SimulatorState,
  app: ConnectedApp,
  session: Session,
  scope: string[],
  refreshToken?: RefreshToken,
): OAuthTokenResponse {
  const user = state.users.get(session.userId)!
  const id = identityUrl(state, user)
  const issuedAt = String(state.now())
  const signature = createHmac('sha256', app.consumerSecret)
    .update(id + issuedAt)
    .digest('base64')
  return {
    access_token: session.token,
    ...(refreshToken ? { refresh_token: refreshToken.token } : {}),
    signature,
    scope: scope.join(' '),
    instance_url: state.baseUrl,
    id,
    token_type: 'Bearer',
    issued_at: issuedAt,
  }
}
