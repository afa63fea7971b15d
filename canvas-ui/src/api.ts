// The one HTTP client of the canvas UI. It knows the two ways a page proves who it is
// (docs/api-contract.md "Authentication"):
//  - inside Salesforce: a bearer token held in memory (never a cookie: Salesforce asks
//    canvas apps not to rely on third-party cookies), renewed on a 401;
//  - standalone: the HttpOnly session cookie plus an X-CSRF-Token header on every
//    state-changing request.
// Every non-2xx answer becomes an ApiError carrying the server's stable `code`.
import type {
  ApiKeyList,
  BounceStatus,
  CampaignList,
  CampaignMemberStatusList,
  CampaignQuery,
  Readiness,
  ReadinessBody,
  Connection,
  ConnectionInput,
  ConnectionList,
  CredentialsInput,
  CredentialsPatch,
  CsvHeaders,
  DemoInfo,
  Describe,
  LoginBody,
  Me,
  NewApiKey,
  NotificationKind,
  NotificationPreview,
  NotificationSettings,
  OAuthTicket,
  PreviewResult,
  RecordFormat,
  SalesforceLink,
  SessionToken,
  SignupBody,
  SuppressionPage,
  SyncHealth,
  SyncQueued,
  SyncRetryResult,
  UnsubscribeResult,
  UnsubscribeStatus,
} from './types.js'
import { saveBlob } from './download.js'

export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    /** Stable code from the server (`SF_INVALID_LOGIN`, …) or one of ours (`NETWORK_ERROR`, `HTTP_502`). */
    readonly code: string,
    message: string,
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    /** The server's `details`, when it sent any (e.g. `{reason, field, action}` for a connection problem). */
    readonly details?: unknown,
  ) {
    super(message)
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError
}

/** Turns anything thrown into an ApiError so pages have one thing to display. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new ApiError('UNEXPECTED_ERROR', message || 'Something went wrong.', 0)
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError'
}

export interface BearerAuth {
  kind: 'bearer'
  token(): string | null
  /** Gets a fresh token (Canvas signed-request refresh); false when that failed. */
  renew(): Promise<boolean>
}

export interface CookieAuth {
  kind: 'cookie'
}

export type ApiAuth = BearerAuth | CookieAuth

export interface ApiClientOptions {
  auth: ApiAuth
  fetch?: typeof fetch
  /** The session is gone (cookie expired or revoked, or the canvas token could not be renewed). */
  onSessionLost?: () => void
  /** Every ApiError thrown by a call, e.g. to refresh the credential banner after an SF_ error. */
  onError?: (error: ApiError, path: string) => void
}

interface SendOptions {
  body?: unknown
  accept?: string
  signal?: AbortSignal
  /** false for login/signup: a not-yet-signed-in browser is exempt from CSRF. */
  csrf?: boolean
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

// Session problems are answered with 401 everywhere except on the sign-in endpoints,
// where 401 means "wrong email or password" and must not trigger a renewal.
const isAuthEndpoint = (path: string) => path.startsWith('/api/auth/')

const id = (value: string) => encodeURIComponent(value)

export function createApiClient(options: ApiClientOptions) {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  const { auth } = options
  let csrfToken: string | null = null
  let csrfRequest: Promise<string> | null = null

  function csrf(): Promise<string> {
    if (csrfToken) return Promise.resolve(csrfToken)
    csrfRequest ??= (async () => {
      try {
        const res = await rawFetch('/api/csrf', { method: 'GET', headers: { Accept: 'application/json' } })
        if (!res.ok) throw await errorFromResponse(res)
        const body = (await res.json()) as { csrfToken?: unknown }
        if (typeof body.csrfToken !== 'string')
          throw new ApiError('CSRF_UNAVAILABLE', 'SF Link did not hand out a CSRF token.', res.status)
        csrfToken = body.csrfToken
        return csrfToken
      } finally {
        csrfRequest = null
      }
    })()
    return csrfRequest
  }

  async function rawFetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await doFetch(path, { ...init, credentials: auth.kind === 'bearer' ? 'omit' : 'same-origin' })
    } catch (error) {
      if (isAbortError(error)) throw error
      throw new ApiError('NETWORK_ERROR', 'Cannot reach SF Link. Check your connection and try again.', 0)
    }
  }

  async function send(method: string, path: string, opts: SendOptions = {}, retried = false): Promise<Response> {
    const headers: Record<string, string> = { Accept: opts.accept ?? 'application/json' }
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json'
    const sentToken = auth.kind === 'bearer' ? auth.token() : null
    if (auth.kind === 'bearer') {
      if (sentToken) headers.Authorization = `Bearer ${sentToken}`
    } else if (STATE_CHANGING.has(method) && opts.csrf !== false) {
      headers['X-CSRF-Token'] = await csrf()
    }
    const res = await rawFetch(path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    })
    if (res.ok) return res

    if (res.status === 401 && !isAuthEndpoint(path)) {
      if (auth.kind === 'bearer' && !retried) {
        // Another request may already have renewed the token while this one was in flight.
        const renewed = auth.token() !== sentToken || (await auth.renew())
        if (renewed) return send(method, path, opts, true)
      }
      options.onSessionLost?.()
      return res
    }
    if (res.status === 403 && auth.kind === 'cookie' && STATE_CHANGING.has(method) && !retried) {
      // A CSRF token is tied to the session: after sign-in/out or expiry fetch a new one once.
      const code = await peekCode(res.clone())
      if (/csrf/i.test(code)) {
        csrfToken = null
        return send(method, path, { ...opts, csrf: true }, true)
      }
    }
    return res
  }

  async function request<T>(method: string, path: string, opts: SendOptions = {}): Promise<T> {
    try {
      const res = await send(method, path, opts)
      if (!res.ok) throw await errorFromResponse(res)
      if (res.status === 204) return undefined as T
      const type = res.headers.get('content-type') ?? ''
      if (!type.includes('json')) return (await res.text()) as T
      return (await res.json()) as T
    } catch (error) {
      if (isAbortError(error)) throw error
      const apiError = toApiError(error)
      options.onError?.(apiError, path)
      throw apiError
    }
  }

  const get = <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, { signal })
  const post = <T>(path: string, body?: unknown, signal?: AbortSignal) =>
    request<T>('POST', path, { body: body ?? {}, signal })

  return {
    authKind: auth.kind,

    // Accounts
    me: (signal?: AbortSignal) => get<Me>('/api/me', signal),
    login: async (body: LoginBody) => {
      const session = await request<SessionToken>('POST', '/api/auth/login', { body, csrf: false })
      csrfToken = null // the cookie session changed: its CSRF token did too
      return session
    },
    signup: async (body: SignupBody) => {
      const session = await request<SessionToken>('POST', '/api/auth/signup', { body, csrf: false })
      csrfToken = null
      return session
    },
    logout: async () => {
      try {
        await request<void>('POST', '/api/auth/logout', { body: {} })
      } finally {
        csrfToken = null
      }
    },

    // Salesforce link and credentials
    link: (signal?: AbortSignal) => get<SalesforceLink>('/api/salesforce/link', signal),
    saveCredentials: (body: CredentialsInput) =>
      request<SalesforceLink>('PUT', '/api/salesforce/credentials', { body }),
    updateCredentials: (body: CredentialsPatch) =>
      request<SalesforceLink>('PATCH', '/api/salesforce/credentials', { body }),
    forgetCredentials: () => request<void>('DELETE', '/api/salesforce/credentials'),
    oauthTicket: () => post<OAuthTicket>('/api/salesforce/oauth/ticket'),
    describe: (sobject: string, signal?: AbortSignal) =>
      get<Describe>(`/api/salesforce/describe/${id(sobject)}?related=true`, signal),
    campaigns: (query: CampaignQuery, signal?: AbortSignal) =>
      get<CampaignList>(`/api/salesforce/campaigns?${new URLSearchParams(query).toString()}`, signal),
    campaignStatuses: (campaignId: string, signal?: AbortSignal) =>
      get<CampaignMemberStatusList>(`/api/salesforce/campaigns/${id(campaignId)}/statuses`, signal),
    readiness: (connectionId: string, body: ReadinessBody = {}, signal?: AbortSignal) =>
      post<Readiness>(`/api/connections/${id(connectionId)}/readiness`, body, signal),

    // Notification emails
    notificationSettings: (signal?: AbortSignal) => get<NotificationSettings>('/api/notifications/settings', signal),
    setAccessEmails: (accessEmails: boolean) =>
      request<NotificationSettings>('PUT', '/api/notifications/settings', { body: { accessEmails } }),
    previewNotification: (kind: NotificationKind, signal?: AbortSignal) =>
      get<NotificationPreview>(`/api/notifications/preview/${id(kind)}`, signal),

    // Connections
    connections: (signal?: AbortSignal) => get<ConnectionList>('/api/connections', signal),
    connection: (connectionId: string, signal?: AbortSignal) =>
      get<Connection>(`/api/connections/${id(connectionId)}`, signal),
    createConnection: (body: ConnectionInput) => post<Connection>('/api/connections', body),
    updateConnection: (connectionId: string, body: Partial<ConnectionInput>) =>
      request<Connection>('PATCH', `/api/connections/${id(connectionId)}`, { body }),
    deleteConnection: (connectionId: string) => request<void>('DELETE', `/api/connections/${id(connectionId)}`),
    copyConnection: (connectionId: string) => post<Connection>(`/api/connections/${id(connectionId)}/copy`),
    testConnection: (connectionId: string, signal?: AbortSignal) =>
      post<PreviewResult>(`/api/connections/${id(connectionId)}/test`, {}, signal),
    previewConnection: (body: ConnectionInput, signal?: AbortSignal) =>
      post<PreviewResult>('/api/connections/preview', body, signal),
    /** Pulls all records with this page's credentials and saves them as a file (both contexts: no navigation needed). */
    downloadRecords: async (
      connectionId: string,
      format: RecordFormat,
      fileName: string,
      headers: CsvHeaders = 'api',
    ) => {
      const path = `/api/connections/${id(connectionId)}/records?format=${format}${format === 'csv' && headers === 'labels' ? '&headers=labels' : ''}`
      try {
        const res = await send('GET', path, { accept: format === 'csv' ? 'text/csv' : 'application/x-ndjson' })
        if (!res.ok) throw await errorFromResponse(res)
        saveBlob(await res.blob(), fileName)
      } catch (error) {
        const apiError = toApiError(error)
        options.onError?.(apiError, path)
        throw apiError
      }
    },

    // Unsubscribes and suppressions
    unsubscribeStatus: (signal?: AbortSignal) => get<UnsubscribeStatus>('/api/unsubscribes/status', signal),
    addUnsubscribes: (emails: string[]) => post<UnsubscribeResult>('/api/unsubscribes', { emails }),
    syncNow: () => post<SyncQueued>('/api/unsubscribes/sync'),
    bounceStatus: (signal?: AbortSignal) => get<BounceStatus>('/api/bounces/status', signal),

    // Sync health
    syncHealth: (signal?: AbortSignal) => get<SyncHealth>('/api/salesforce/health', signal),
    setApiCap: (percent: number | null) =>
      request<SyncHealth>('PUT', '/api/salesforce/health/cap', { body: { percent } }),
    retrySyncErrors: (kind: string | null) =>
      post<SyncRetryResult>('/api/salesforce/health/retry', kind ? { kind } : {}),
    downloadSyncErrors: async () => {
      const path = '/api/salesforce/health/errors.csv'
      try {
        const res = await send('GET', path, { accept: 'text/csv' })
        if (!res.ok) throw await errorFromResponse(res)
        saveBlob(await res.blob(), 'sf-link-sync-errors.csv')
      } catch (error) {
        const apiError = toApiError(error)
        options.onError?.(apiError, path)
        throw apiError
      }
    },
    suppressions: (limit: number, offset: number, signal?: AbortSignal) =>
      get<SuppressionPage>(`/api/suppressions?limit=${limit}&offset=${offset}`, signal),

    // API keys
    apiKeys: (signal?: AbortSignal) => get<ApiKeyList>('/api/api-keys', signal),
    /** `password`: the account's SF Link password, checked again before a key is made (step-up). */
    createApiKey: (name: string, password: string) => post<NewApiKey>('/api/api-keys', { name, password }),
    revokeApiKey: (keyId: string) => request<void>('DELETE', `/api/api-keys/${id(keyId)}`),
  }
}

export type ApiClient = ReturnType<typeof createApiClient>

/** `GET /demo.json`: demo information, or null outside demo mode (or on any failure: it is only a hint). */
export async function fetchDemoInfo(
  doFetch: typeof fetch = globalThis.fetch.bind(globalThis),
): Promise<DemoInfo | null> {
  try {
    const res = await doFetch('/demo.json', { headers: { Accept: 'application/json' }, credentials: 'omit' })
    if (!res.ok) return null
    const body = (await res.json()) as Partial<DemoInfo>
    if (typeof body.simulatorUrl !== 'string') return null
    const simulatorUrl = body.simulatorUrl.replace(/\/+$/, '')
    return {
      simulatorUrl,
      canvasHostUrl: typeof body.canvasHostUrl === 'string' ? body.canvasHostUrl : `${simulatorUrl}/canvas-host`,
      users: Array.isArray(body.users) ? body.users : [],
      actions: Array.isArray(body.actions) ? body.actions : [],
      mailUrl: typeof body.mailUrl === 'string' ? body.mailUrl : undefined,
    }
  } catch {
    return null
  }
}

/** `POST /demo/actions/:id` (demo mode): makes the simulated Salesforce do it for this user. */
export async function runDemoAction(
  actionId: string,
  userId: string,
  doFetch: typeof fetch = globalThis.fetch.bind(globalThis),
): Promise<{ label: string; explanation: string }> {
  let res: Response
  try {
    res = await doFetch(`/demo/actions/${encodeURIComponent(actionId)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ userId }),
      credentials: 'omit',
    })
  } catch {
    throw new ApiError('NETWORK_ERROR', 'SF Link could not be reached. Check your connection and try again.', 0)
  }
  const body = (await res.json().catch(() => null)) as {
    code?: string
    message?: string
    label?: string
    explanation?: string
  } | null
  if (!res.ok || !body?.label)
    throw new ApiError(body?.code ?? `HTTP_${res.status}`, body?.message ?? 'The demo action failed.', res.status)
  return { label: body.label, explanation: body.explanation ?? '' }
}

/** `POST /canvas/session`: trades a fresh signed request for a new bearer token. */
export async function renewCanvasSession(
  signedRequest: string,
  doFetch: typeof fetch = globalThis.fetch.bind(globalThis),
): Promise<SessionToken> {
  let res: Response
  try {
    res = await doFetch('/canvas/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ signedRequest }),
      credentials: 'omit',
    })
  } catch {
    throw new ApiError('NETWORK_ERROR', 'Cannot reach SF Link to renew the Salesforce session.', 0)
  }
  if (!res.ok) throw await errorFromResponse(res)
  const body = (await res.json()) as Partial<SessionToken>
  if (typeof body.token !== 'string' || typeof body.expiresAt !== 'string') {
    throw new ApiError('BAD_RESPONSE', 'SF Link answered the session renewal without a token.', res.status)
  }
  return { token: body.token, expiresAt: body.expiresAt, linked: body.linked === true }
}

async function peekCode(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { code?: unknown }
    return typeof body.code === 'string' ? body.code : ''
  } catch {
    return ''
  }
}

export async function errorFromResponse(res: Response): Promise<ApiError> {
  let body: unknown = null
  try {
    body = await res.json()
  } catch {
    // not JSON (a proxy error page, say): fall through to a generic message
  }
  if (body && typeof body === 'object') {
    const { code, message, details } = body as { code?: unknown; message?: unknown; details?: unknown }
    if (typeof code === 'string' && code) {
      return new ApiError(
        code,
        typeof message === 'string' && message ? message : fallbackMessage(res.status),
        res.status,
        details,
      )
    }
  }
  return new ApiError(`HTTP_${res.status}`, fallbackMessage(res.status), res.status)
}

function fallbackMessage(status: number): string {
  if (status === 401) return 'Your session has ended. Sign in again.'
  if (status === 403) return 'You are not allowed to do that.'
  if (status === 404) return 'Not found.'
  if (status === 429) return 'Too many requests. Wait a moment and try again.'
  if (status >= 500) return `SF Link could not complete the request (HTTP ${status}). Try again in a moment.`
  return `The request failed (HTTP ${status}).`
}
