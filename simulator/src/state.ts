// All simulator state, in memory. One instance per simulator.
import { IdFactory } from './ids.js'
import type { OrgSchema } from './org-schema.js'
import type { SeededRandom } from './random.js'
import { createSeededRandom } from './random.js'
import type { SRecord } from './schema.js'
import { sobjectForId } from './schema.js'

export interface OrgSettings {
  /** CIDR ("10.0.0.0/8") or range ("10.0.0.1-10.0.0.9") entries; logins from these need no token. */
  trustedIpRanges: string[]
  soapLoginEnabled: boolean
  /** SOAP login() needs the user's "Use Any API Auth" permission (enforced by default in new orgs). */
  useAnyApiAuthEnforced: boolean
  apiEnabled: boolean
  /** The OAuth username-password flow ("Allow OAuth Username-Password Flows"); off by default. */
  oauthPasswordFlowEnabled: boolean
  sessionTimeoutSeconds: number
  apiRequestCap: number
  maxInvalidLoginAttempts: number
  lockoutMinutes: number
  loginRateLimitPerHour: number
}

export interface Org {
  id: string
  name: string
  currencyIsoCode: string
  /** Created in Winter '26 or later: SOAP login() off and "Use Any API Auth" enforced by default. */
  createdAfterWinter26: boolean
  settings: OrgSettings
  apiRequestsUsed: number
  apiUsageDay: string
  tables: Map<string, RecordTable>
  /** The org's own objects and fields: standard ones plus its custom fields and record types. */
  schema: OrgSchema
}

export interface RecordTable {
  byId: Map<string, SRecord>
  /** Insertion order, deleted records included (queryAll sees them). */
  rows: SRecord[]
}

export interface User {
  id: string
  orgId: string
  username: string
  password: string
  securityToken: string
  passwordExpired: boolean
  lockedUntil: number | null
  failedLoginAttempts: number
  /** Times of login attempts in the last hour (rate limit). */
  recentLogins: number[]
  firstName: string
  lastName: string
  email: string
  locale: string
  language: string
  timeZone: string
  profileId: string
  roleId: string | null
  userType: string
  currencyIsoCode: string
  active: boolean
  createdAt: number
  /** The "Use Any API Auth" user permission (needed for SOAP login() where the org enforces it). */
  useAnyApiAuth: boolean
}

export type SessionKind = 'soap' | 'oauth_code' | 'oauth_token' | 'oauth_password' | 'refresh' | 'jwt' | 'canvas'

export interface Session {
  token: string
  userId: string
  orgId: string
  kind: SessionKind
  clientId: string | null
  refreshToken: string | null
  createdAt: number
  lastActivity: number
  /** Issued with an expired password: only password changes are allowed. */
  restricted: boolean
  revoked: boolean
}

export interface RefreshToken {
  token: string
  userId: string
  orgId: string
  clientId: string
  scope: string[]
  createdAt: number
  revoked: boolean
  /** Created for a Canvas signed request (reused across signed requests). */
  canvas: boolean
}

export interface AuthorizationCode {
  code: string
  userId: string
  clientId: string
  redirectUri: string
  scope: string[]
  codeChallenge: string | null
  codeChallengeMethod: string | null
  expiresAt: number
  used: boolean
}

export interface PendingAuthorization {
  id: string
  clientId: string
  /** "code": web-server flow; "token": user-agent flow (the Canvas SDK's oauth.login()). */
  responseType: 'code' | 'token'
  loginHint: string
  redirectUri: string
  state: string | null
  scope: string[]
  codeChallenge: string | null
  codeChallengeMethod: string | null
  userId: string | null
  createdAt: number
}

export type PermittedUsers = 'admin_preauthorized' | 'self_authorize'

export interface ConnectedApp {
  name: string
  developerName: string
  consumerKey: string
  consumerSecret: string
  /** OAuth scopes selected on the app; requests may ask for a subset. */
  scopes: string[]
  /** Allowed redirect URIs; empty allows any http(s) URI (handy for tests and demo mode). */
  callbackUrls: string[]
  requireSecretForWebServerFlow: boolean
  requireSecretForRefreshToken: boolean
  jwtCertificatePem: string | null
  /** Users an admin pre-authorised ("Admin approved users are pre-authorized"). */
  preauthorizedUserIds: Set<string>
  /** Users who approved the app with a refresh_token scope (also enough for JWT bearer). */
  approvedUserIds: Set<string>
  canvasAppUrl: string | null
  canvasRefreshToken: boolean
  /** "Admin approved users are pre-authorized" (every user of the org here) or "All users may self-authorize". */
  permittedUsers: PermittedUsers
  /** Each refresh_token grant answers a new refresh token and invalidates the one it used. */
  refreshTokenRotation: boolean
  /** Users who approved the app themselves (OAuth consent); a self-authorizing canvas app is POSTed only for them. */
  selfAuthorizedUserIds: Set<string>
  applicationId: string
  referenceId: string
}

export interface QueryCursor {
  id: string
  orgId: string
  type: string
  records: SRecord[]
  project: (record: SRecord) => Record<string, unknown>
  batchSize: number
  lastUsed: number
}

export interface OutboxEntry {
  to: string
  subject: string
  body: string
  userId: string
  at: string
}

export interface FaultSpec {
  /** Matches when the request path (without query) starts with this. */
  pathPrefix?: string
  /** Regular expression source tested against the path and query. */
  pattern?: string
  method?: string
  /** Status to answer; omit for a pure delay. */
  status?: number
  /** Body: a string is sent as is (HTML by default), anything else as JSON. */
  body?: unknown
  contentType?: string
  headers?: Record<string, string>
  delayMs?: number
  /** How many matching requests it applies to (default 1; -1 = until cleared). */
  count?: number
  /**
   * True: the fault applies to the subrequests a /composite call runs (its answer becomes that
   * subrequest's body and status), and not to requests clients send. Default: the reverse.
   */
  subrequests?: boolean
}

export interface Fault extends FaultSpec {
  id: string
  remaining: number
  regex: RegExp | null
}

export type LoginKind = 'soap' | 'oauth_code' | 'oauth_password' | 'refresh' | 'jwt'

export interface SuccessFailure {
  success: number
  failure: number
}

export interface Counters {
  logins: SuccessFailure & {
    byUser: Record<string, SuccessFailure>
    byOrg: Record<string, SuccessFailure>
    byKind: Record<LoginKind, SuccessFailure>
    /** Failures by Salesforce error code (INVALID_LOGIN, invalid_grant, ...). */
    byCode: Record<string, number>
    /** Failures for usernames the simulator does not know. */
    unknownUsername: number
  }
  apiCalls: {
    total: number
    byEndpoint: Record<string, number>
    /** Calls by user ID and by org ID. */
    byUser: Record<string, number>
    byOrg: Record<string, number>
  }
  /** Per org ID, by endpoint (apiCalls.byOrg has the totals). */
  apiCallsByOrg: Record<string, { total: number; byEndpoint: Record<string, number> }>
  /** Requests run inside a /composite call: not API calls themselves, counted here by endpoint. */
  subrequests: { total: number; byEndpoint: Record<string, number> }
  /** Bulk API 2.0 query jobs created, and the result records served (all orgs). */
  bulk: { jobsCreated: number; recordsServed: number }
  faults: { served: number }
}

export function emptyCounters(): Counters {
  const sf = (): SuccessFailure => ({ success: 0, failure: 0 })
  return {
    logins: {
      success: 0,
      failure: 0,
      byUser: {},
      byOrg: {},
      byKind: { soap: sf(), oauth_code: sf(), oauth_password: sf(), refresh: sf(), jwt: sf() },
      byCode: {},
      unknownUsername: 0,
    },
    apiCalls: { total: 0, byEndpoint: {}, byUser: {}, byOrg: {} },
    apiCallsByOrg: {},
    subrequests: { total: 0, byEndpoint: {} },
    bulk: { jobsCreated: 0, recordsServed: 0 },
    faults: { served: 0 },
  }
}

export class SimulatorState {
  readonly orgs = new Map<string, Org>()
  readonly users = new Map<string, User>()
  readonly usersByUsername = new Map<string, User>()
  readonly sessions = new Map<string, Session>()
  readonly refreshTokens = new Map<string, RefreshToken>()
  readonly authCodes = new Map<string, AuthorizationCode>()
  readonly pendingAuthorizations = new Map<string, PendingAuthorization>()
  readonly connectedApps = new Map<string, ConnectedApp>()
  readonly cursors = new Map<string, QueryCursor>()
  /** User ID → the access token and refresh token their Canvas signed requests carry. */
  readonly canvasSessions = new Map<string, string>()
  readonly canvasRefreshTokens = new Map<string, string>()
  readonly outbox: OutboxEntry[] = []
  faults: Fault[] = []
  counters: Counters = emptyCounters()
  readonly ids: IdFactory
  readonly random: SeededRandom
  /** The URL clients use (instance_url, serverUrl, identity URLs). Set at listen. */
  baseUrl = ''
  /** Undo steps of the write in progress when a composite request with allOrNone collects them. */
  journal: (() => void)[] | null = null

  constructor(
    readonly seed: number,
    readonly now: () => number,
  ) {
    this.ids = new IdFactory(seed)
    this.random = createSeededRandom(seed)
  }

  table(orgId: string, type: string): RecordTable {
    const org = this.orgs.get(orgId)
    if (!org) throw new Error(`unknown org ${orgId}`)
    let table = org.tables.get(type)
    if (!table) {
      table = { byId: new Map(), rows: [] }
      org.tables.set(type, table)
    }
    return table
  }

  /** Finds a record of an org by ID (15 or 18 characters), whatever its type. */
  findRecord(orgId: string, id: string): SRecord | undefined {
    const type = sobjectForId(id)?.name
    return type ? this.orgs.get(orgId)?.tables.get(type)?.byId.get(id.slice(0, 15)) : undefined
  }

  userByIdOrUsername(key: string): User | undefined {
    return (
      this.users.get(key) ??
      this.usersByUsername.get(key.toLowerCase()) ??
      [...this.users.values()].find((u) => u.id.slice(0, 15) === key)
    )
  }

  defaultApp(): ConnectedApp {
    const first = this.connectedApps.values().next()
    if (first.done) throw new Error('no connected app')
    return first.value
  }
}
