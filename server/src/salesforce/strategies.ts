/**
 * How each kind of credential logs in. Each strategy returns a fresh access token; the
 * caller (access.ts) caches it, shares it and guards against lockouts.
 */
import jsforce from 'jsforce'
import jwt from 'jsonwebtoken'
import { AppError } from '../errors.js'
import { isAllowedInstanceUrl } from './hosts.js'

/** SOAP login() exists up to API 64.0 (docs/spec.md §10: unavailable from 65.0). */
export const SOAP_LOGIN_API_VERSION = '64.0'

export interface LoginResult {
  accessToken: string
  instanceUrl: string
  userId: string | null
  organizationId: string | null
  /** A rotated refresh token, when the token endpoint returned a new one. */
  refreshToken?: string | null
}

export interface OAuthClientConfig {
  consumerKey: string | null
  consumerSecret: string | null
  redirectUri: string
}

/**
 * Every login answers with the instance URL the access token is to be used on. It is
 * checked against the allowed Salesforce hosts before anything is sent there: a spoofed or
 * compromised login endpoint must not be able to collect the token. (`extraHosts`: the
 * simulator outside production.)
 */
function trustedInstanceUrl(instanceUrl: unknown, extraHosts: readonly string[]): string {
  if (typeof instanceUrl !== 'string' || !isAllowedInstanceUrl(instanceUrl, extraHosts)) {
    throw new AppError('SF_UNTRUSTED_URL')
  }
  return new URL(instanceUrl).origin
}

export async function loginWithPassword(opts: {
  loginUrl: string
  username: string
  password: string
  securityToken: string | null
  extraHosts: readonly string[]
}): Promise<LoginResult> {
  const conn = new jsforce.Connection({ loginUrl: opts.loginUrl, version: SOAP_LOGIN_API_VERSION })
  const info = await conn.loginBySoap(opts.username, opts.password + (opts.securityToken ?? ''))
  return {
    accessToken: conn.accessToken!,
    instanceUrl: trustedInstanceUrl(conn.instanceUrl, opts.extraHosts),
    userId: info.id,
    organizationId: info.organizationId,
  }
}

function oauth2(loginUrl: string, client: OAuthClientConfig): jsforce.OAuth2 {
  return new jsforce.OAuth2({
    loginUrl,
    clientId: client.consumerKey ?? undefined,
    clientSecret: client.consumerSecret ?? undefined,
    redirectUri: client.redirectUri,
  })
}

/** Salesforce's identity URL ends in /id/<orgId>/<userId>. */
export function parseIdentityUrl(id: unknown): { organizationId: string | null; userId: string | null } {
  if (typeof id !== 'string') return { organizationId: null, userId: null }
  const parts = id.split('/')
  return { organizationId: parts.at(-2) ?? null, userId: parts.at(-1) ?? null }
}

function toResult(
  res: {
    access_token: string
    instance_url: string
    id?: string
    refresh_token?: string
  },
  extraHosts: readonly string[],
): LoginResult {
  return {
    accessToken: res.access_token,
    instanceUrl: trustedInstanceUrl(res.instance_url, extraHosts),
    ...parseIdentityUrl(res.id),
    refreshToken: res.refresh_token ?? null,
  }
}

export async function loginWithRefreshToken(opts: {
  loginUrl: string
  refreshToken: string
  client: OAuthClientConfig
  extraHosts: readonly string[]
}): Promise<LoginResult> {
  const res = (await oauth2(opts.loginUrl, opts.client).refreshToken(opts.refreshToken)) as any
  return toResult(res, opts.extraHosts)
}

/** JWT bearer flow: `iss` consumer key, `sub` username, `aud` the login host, `exp` ≤ 3 minutes. */
export async function loginWithJwt(opts: {
  loginUrl: string
  audience: string
  username: string
  privateKey: string | null
  client: OAuthClientConfig
  extraHosts: readonly string[]
}): Promise<LoginResult> {
  if (!opts.privateKey || !opts.client.consumerKey) throw new AppError('SF_JWT_NOT_CONFIGURED')
  const assertion = jwt.sign({}, opts.privateKey, {
    algorithm: 'RS256',
    issuer: opts.client.consumerKey,
    subject: opts.username,
    audience: opts.audience,
    expiresIn: 170,
  })
  const res = (await oauth2(opts.loginUrl, { ...opts.client, consumerSecret: null }).requestToken({
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion,
  } as any)) as any
  return toResult(res, opts.extraHosts)
}

export async function exchangeAuthorizationCode(opts: {
  loginUrl: string
  code: string
  codeVerifier: string
  client: OAuthClientConfig
  extraHosts: readonly string[]
}): Promise<LoginResult & { identityUrl: string | null }> {
  const res = (await oauth2(opts.loginUrl, opts.client).requestToken(opts.code, {
    code_verifier: opts.codeVerifier,
  } as any)) as any
  return { ...toResult(res, opts.extraHosts), identityUrl: res.id ?? null }
}

export async function revokeToken(opts: { loginUrl: string; token: string; client: OAuthClientConfig }): Promise<void> {
  await oauth2(opts.loginUrl, opts.client).revokeToken(opts.token)
}

export type TokenCheck =
  | { live: true; userId: string | null; organizationId: string | null }
  | { live: false; reason: 'rejected' | 'unreachable' }

/**
 * Does this access token still work, and whose is it? One cheap call,
 * `GET {instanceUrl}/services/oauth2/userinfo`. A plain fetch rather than a jsforce
 * Connection: it is a single GET with no session to manage, and redirects are refused so the
 * token cannot be carried anywhere else. The caller checks the instance URL's host first.
 */
export async function checkAccessToken(opts: {
  instanceUrl: string
  accessToken: string
  timeoutMs?: number
}): Promise<TokenCheck> {
  let res: Response
  try {
    res = await fetch(new URL('/services/oauth2/userinfo', opts.instanceUrl), {
      headers: { authorization: `Bearer ${opts.accessToken}`, accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
    })
  } catch {
    return { live: false, reason: 'unreachable' }
  }
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel()
    return { live: false, reason: 'rejected' }
  }
  if (!res.ok) {
    await res.body?.cancel()
    return { live: false, reason: 'unreachable' }
  }
  const body = (await res.json().catch(() => null)) as { user_id?: unknown; organization_id?: unknown } | null
  return {
    live: true,
    userId: typeof body?.user_id === 'string' ? body.user_id : null,
    organizationId: typeof body?.organization_id === 'string' ? body.organization_id : null,
  }
}
