// The control API: what tests, benchmarks and demo mode use to set up and inspect the simulator.
// The HTTP routes under /_sim map one to one onto these methods.
import {
  changePassword as changeUserPassword,
  createRefreshToken,
  createSession,
  expireAllSessions,
  issueSecurityToken,
  revokeUserTokens,
  useSession,
} from './auth.js'
import type { SimulatorContext } from './context.js'
import { addFault as addFaultToState } from './faults.js'
import { KEY_PREFIXES, to15 } from './ids.js'
import { applyDemoCustomizations } from './customization.js'
import type { OrgSchemaChoice, SimulatorOrgInput, SimulatorUserInput } from './options.js'
import { OrgSchema } from './org-schema.js'
import {
  applyUpdate,
  insertRecord,
  syncUserRecord,
  toWireRecord,
  validateCreate,
  validateUpdate,
  type WriteError,
} from './records.js'
import type { SObjectDef } from './schema.js'
import { createDataControl, type DataControl } from './data-control.js'
import { seedRecords, type SeedOptions, type SeedResult } from './seed-data.js'
import type { CanvasRequest } from './signed-request.js'
import { buildCanvasRequest, buildSignedRequest } from './signed-request.js'
import type {
  ConnectedApp,
  Counters,
  FaultSpec,
  Org,
  OrgSettings,
  OutboxEntry,
  PermittedUsers,
  SimulatorState,
  User,
} from './state.js'
import { emptyCounters } from './state.js'

export interface SimUser {
  id: string
  organizationId: string
  username: string
  password: string
  securityToken: string
  firstName: string
  lastName: string
  email: string
  passwordExpired: boolean
  lockedUntil: string | null
  failedLoginAttempts: number
  useAnyApiAuth: boolean
}

export interface SimOrg {
  id: string
  name: string
  createdAfterWinter26: boolean
  settings: OrgSettings
  apiRequestsUsed: number
}

/** The connected app's settings a test can read and change (GET|PUT /_sim/app). */
export interface SimApp {
  consumerKey: string
  name: string
  permittedUsers: PermittedUsers
  refreshTokenRotation: boolean
  /** Users who approved the app themselves (OAuth consent), until revoked. */
  selfAuthorizedUserIds: string[]
}

export interface SignedRequestOptions {
  /** Origin of the hosting page (client.targetOrigin); default the simulator's origin. */
  targetOrigin?: string
  /** Where the app lives (context.application.canvasUrl); default the configured canvas app URL. */
  canvasUrl?: string
  locationUrl?: string
}

export interface RecordFilter {
  email?: string
  orgId?: string
  limit?: number
  includeDeleted?: boolean
}

/** A write the simulator refused, with Salesforce's error entries. */
export class RecordWriteError extends Error {
  constructor(readonly errors: WriteError[]) {
    super(errors.map((e) => `${e.statusCode}: ${e.message}`).join('; '))
    this.name = 'RecordWriteError'
  }
}

export interface SimulatorControl extends DataControl {
  users(): SimUser[]
  user(idOrUsername: string): SimUser
  orgs(): SimOrg[]
  createOrg(input: SimulatorOrgInput): SimOrg
  createUser(input: SimulatorUserInput & { organizationId?: string }): SimUser
  /** New security token (emailed to the outbox); the old one stops working at once. */
  resetToken(userId: string): string
  /** New password; issues and emails a new token, unlocks the user, clears "expired". */
  changePassword(userId: string, password: string): string
  setPasswordExpired(userId: string, expired?: boolean): void
  unlockUser(userId: string): void
  setUserActive(userId: string, active: boolean): void
  /** The default connected app. */
  app(): SimApp
  setApp(settings: Partial<Pick<SimApp, 'permittedUsers' | 'refreshTokenRotation'>>): SimApp
  /** User permissions: "Use Any API Auth". */
  setUserPermissions(userId: string, permissions: { useAnyApiAuth?: boolean }): { useAnyApiAuth: boolean }
  orgSettings(orgId?: string): OrgSettings
  setOrgSettings(orgId: string, settings: Partial<OrgSettings>): OrgSettings
  /** Admin pre-authorisation of a user for the JWT bearer flow of a connected app. */
  preauthorize(userId: string, consumerKey?: string): void
  registerJwtCertificate(consumerKey: string, certificatePem: string): void
  setCanvasAppUrl(url: string | null): void
  canvasAppUrl(): string | null
  /** A fresh signed request for a user (ID or username; default the first user). */
  signedRequest(user?: string, options?: SignedRequestOptions): string
  canvasRequest(user?: string, options?: SignedRequestOptions): CanvasRequest
  /** Every session dies at once (refresh tokens stay valid). Returns how many there were. */
  expireSessions(): number
  revokeUserTokens(userId: string): void
  addFault(spec: FaultSpec): string
  clearFaults(): void
  faults(): (FaultSpec & { id: string; remaining: number })[]
  counters(): Counters
  resetCounters(): void
  outbox(to?: string): OutboxEntry[]
  seed(options: SeedOptions): SeedResult
  records(type: string, filter?: RecordFilter): Record<string, unknown>[]
  insertRecord(type: string, values: Record<string, unknown>, orgId?: string): Record<string, unknown>
  updateRecord(type: string, id: string, values: Record<string, unknown>): Record<string, unknown>
  /** Updates every record of the type with that email (e.g. opting a contact out "in Salesforce"). */
  updateRecordsByEmail(
    type: string,
    email: string,
    values: Record<string, unknown>,
    orgId?: string,
  ): Record<string, unknown>[]
  /** Resets the daily API request count of an org (all orgs by default). */
  resetApiUsage(orgId?: string): void
}

export function summarizeUser(user: User): SimUser {
  return {
    id: user.id,
    organizationId: user.orgId,
    username: user.username,
    password: user.password,
    securityToken: user.securityToken,
    firstName: user.firstName,
    lastName: user.lastName,
    email: user.email,
    passwordExpired: user.passwordExpired,
    lockedUntil: user.lockedUntil === null ? null : new Date(user.lockedUntil).toISOString(),
    failedLoginAttempts: user.failedLoginAttempts,
    useAnyApiAuth: user.useAnyApiAuth,
  }
}

function summarizeApp(app: ConnectedApp): SimApp {
  return {
    consumerKey: app.consumerKey,
    name: app.name,
    permittedUsers: app.permittedUsers,
    refreshTokenRotation: app.refreshTokenRotation,
    selfAuthorizedUserIds: [...app.selfAuthorizedUserIds],
  }
}

function summarizeOrg(org: Org): SimOrg {
  return {
    id: org.id,
    name: org.name,
    createdAfterWinter26: org.createdAfterWinter26,
    settings: { ...org.settings, trustedIpRanges: [...org.settings.trustedIpRanges] },
    apiRequestsUsed: org.apiRequestsUsed,
  }
}

export function createOrgIn(
  state: SimulatorState,
  name: string,
  settings: OrgSettings,
  createdAfterWinter26: boolean,
  schema: OrgSchemaChoice = 'demo',
): Org {
  const org: Org = {
    id: state.ids.next(KEY_PREFIXES.Organization),
    name,
    currencyIsoCode: 'USD',
    createdAfterWinter26,
    settings,
    apiRequestsUsed: 0,
    apiUsageDay: new Date(state.now()).toISOString().slice(0, 10),
    tables: new Map(),
    schema: new OrgSchema(),
  }
  state.orgs.set(org.id, org)
  if (schema === 'demo') applyDemoCustomizations(state, org.id)
  return org
}

export function createUserIn(state: SimulatorState, orgId: string, input: SimulatorUserInput): User {
  if (!state.orgs.has(orgId)) throw new Error(`unknown org ${orgId}`)
  const username = input.username.trim()
  if (state.usersByUsername.has(username.toLowerCase())) throw new Error(`username already taken: ${username}`)
  if (input.securityToken !== undefined && !/^[A-Za-z0-9]{24}$/.test(input.securityToken)) {
    throw new Error('a security token is 24 alphanumeric characters')
  }
  const user: User = {
    id: state.ids.next(KEY_PREFIXES.User),
    orgId,
    username,
    password: input.password ?? `Pw-${state.random.alphanumeric(12)}`,
    securityToken: input.securityToken ?? state.random.alphanumeric(24),
    passwordExpired: input.passwordExpired ?? false,
    lockedUntil: null,
    failedLoginAttempts: 0,
    recentLogins: [],
    firstName: input.firstName,
    lastName: input.lastName,
    email: input.email ?? username,
    locale: input.locale ?? 'en_US',
    language: input.language ?? 'en_US',
    timeZone: input.timeZone ?? 'America/Los_Angeles',
    profileId: to15(state.ids.next(KEY_PREFIXES.Profile)),
    roleId: null,
    userType: 'STANDARD',
    currencyIsoCode: 'USD',
    active: true,
    createdAt: state.now(),
    useAnyApiAuth: input.useAnyApiAuth ?? false,
  }
  state.users.set(user.id, user)
  state.usersByUsername.set(username.toLowerCase(), user)
  syncUserRecord(state, user)
  return user
}

/** The canvas session and refresh token of a user, reused while they stay valid. */
function canvasCredentials(state: SimulatorState, user: User): { oauthToken: string; refreshToken: string | null } {
  const app = state.defaultApp()
  let refresh = null
  if (app.canvasRefreshToken) {
    const known = state.refreshTokens.get(state.canvasRefreshTokens.get(user.id) ?? '')
    refresh =
      known && !known.revoked && known.clientId === app.consumerKey
        ? known
        : createRefreshToken(state, user, app.consumerKey, ['api', 'refresh_token', 'visualforce'], true)
    state.canvasRefreshTokens.set(user.id, refresh.token)
    app.approvedUserIds.add(user.id)
  }
  const refreshToken = refresh?.token ?? null
  const current = state.canvasSessions.get(user.id)
  const live = current ? useSession(state, current, false) : undefined
  const session =
    live && live.refreshToken === refreshToken
      ? live
      : createSession(state, user, 'canvas', { clientId: app.consumerKey, refreshToken })
  state.canvasSessions.set(user.id, session.token)
  return { oauthToken: session.token, refreshToken }
}

export function issueCanvasRequest(
  ctx: SimulatorContext,
  userKey: string | undefined,
  options: SignedRequestOptions = {},
): CanvasRequest {
  const { state } = ctx
  const user = userKey ? state.userByIdOrUsername(userKey) : state.users.values().next().value
  if (!user) throw new Error(`unknown user ${userKey ?? ''}`)
  const app = state.defaultApp()
  const { oauthToken, refreshToken } = canvasCredentials(state, user)
  return buildCanvasRequest({
    user,
    org: state.orgs.get(user.orgId)!,
    app,
    instanceUrl: state.baseUrl,
    targetOrigin: options.targetOrigin ?? new URL(state.baseUrl).origin,
    canvasUrl: options.canvasUrl ?? app.canvasAppUrl ?? '',
    oauthToken,
    refreshToken,
    apiVersion: ctx.apiVersion,
    locationUrl: options.locationUrl ?? `${state.baseUrl}/canvas-host?user=${user.id}`,
    // Not a timestamp in Salesforce either: apps must not use it for freshness.
    issuedAt: Math.floor(Math.random() * 2 ** 31),
  })
}

export function createControl(
  ctx: SimulatorContext,
  defaultSettings: (createdAfterWinter26: boolean) => OrgSettings,
): SimulatorControl {
  const { state } = ctx
  const userOf = (id: string): User => {
    const user = state.userByIdOrUsername(id)
    if (!user) throw new Error(`unknown user ${id}`)
    return user
  }
  const orgOf = (id?: string): Org => {
    const org = id ? state.orgs.get(id) : state.orgs.values().next().value
    if (!org) throw new Error(`unknown org ${id ?? ''}`)
    return org
  }
  /** Refuses unknown settings and values of the wrong type (a control error, answered 400). */
  const checkSettings = (settings: unknown): Partial<OrgSettings> => {
    if (settings === undefined) return {}
    if (!settings || typeof settings !== 'object' || Array.isArray(settings))
      throw new Error('settings must be an object')
    const reference = defaultSettings(false)
    for (const [key, value] of Object.entries(settings)) {
      if (!(key in reference)) throw new Error(`not an org setting: ${key}`)
      const expected: unknown = reference[key as keyof OrgSettings]
      const ok = Array.isArray(expected)
        ? Array.isArray(value) && value.every((v) => typeof v === 'string')
        : typeof value === typeof expected && (typeof value !== 'number' || (Number.isFinite(value) && value >= 0))
      if (!ok)
        throw new Error(`${key} must be ${Array.isArray(expected) ? 'a list of strings' : `a ${typeof expected}`}`)
    }
    return settings as Partial<OrgSettings>
  }
  const sobjectOf = (type: string, orgId: string): SObjectDef => {
    const def = orgOf(orgId).schema.find(type)
    if (!def) throw new Error(`unknown sObject type ${type}`)
    return def
  }
  const wire = (orgId: string, def: SObjectDef, record: Parameters<typeof toWireRecord>[3]) =>
    toWireRecord(state, orgId, def, record, ctx.apiVersion)

  const control: SimulatorControl = {
    ...createDataControl(ctx, orgOf),
    users: () => [...state.users.values()].map(summarizeUser),
    user: (id) => summarizeUser(userOf(id)),
    orgs: () => [...state.orgs.values()].map(summarizeOrg),
    createOrg(input) {
      if (typeof input.name !== 'string' || input.name.trim() === '') throw new Error('an org needs a name')
      // An org created now is a new org: Winter '26 defaults unless the caller says otherwise.
      const recent = input.createdAfterWinter26 ?? true
      const org = createOrgIn(
        state,
        input.name,
        { ...defaultSettings(recent), ...checkSettings(input.settings) },
        recent,
        input.schema,
      )
      for (const u of input.users ?? []) createUserIn(state, org.id, u)
      if (input.data) seedRecords(state, { ...input.data, orgId: org.id, seed: state.seed })
      return summarizeOrg(org)
    },
    createUser(input) {
      const user = createUserIn(state, orgOf(input.organizationId).id, input)
      if (input.jwtPreauthorized) state.defaultApp().preauthorizedUserIds.add(user.id)
      return summarizeUser(user)
    },
    resetToken: (id) => issueSecurityToken(state, userOf(id), 'reset'),
    changePassword: (id, password) => {
      if (!password) throw new Error('password required')
      return changeUserPassword(state, userOf(id), password)
    },
    setPasswordExpired(id, expired = true) {
      userOf(id).passwordExpired = expired
    },
    unlockUser(id) {
      const user = userOf(id)
      user.lockedUntil = null
      user.failedLoginAttempts = 0
    },
    setUserActive(id, active) {
      const user = userOf(id)
      user.active = active
      syncUserRecord(state, user)
      if (!active) revokeUserTokens(state, user.id)
    },
    app: () => summarizeApp(state.defaultApp()),
    setApp(settings) {
      if (!settings || typeof settings !== 'object') throw new Error('app settings must be an object')
      const app = state.defaultApp()
      for (const [key, value] of Object.entries(settings)) {
        if (key === 'permittedUsers') {
          if (value !== 'admin_preauthorized' && value !== 'self_authorize')
            throw new Error('permittedUsers must be "admin_preauthorized" or "self_authorize"')
        } else if (key === 'refreshTokenRotation') {
          if (typeof value !== 'boolean') throw new Error('refreshTokenRotation must be a boolean')
        } else throw new Error(`not an app setting: ${key}`)
      }
      if (settings.permittedUsers !== undefined) app.permittedUsers = settings.permittedUsers
      if (settings.refreshTokenRotation !== undefined) app.refreshTokenRotation = settings.refreshTokenRotation
      return summarizeApp(app)
    },
    setUserPermissions(id, permissions) {
      const user = userOf(id)
      if (!permissions || typeof permissions !== 'object') throw new Error('permissions must be an object')
      for (const [key, value] of Object.entries(permissions)) {
        if (key !== 'useAnyApiAuth') throw new Error(`not a simulated permission: ${key}`)
        if (typeof value !== 'boolean') throw new Error('useAnyApiAuth must be a boolean')
      }
      if (permissions.useAnyApiAuth !== undefined) user.useAnyApiAuth = permissions.useAnyApiAuth
      return { useAnyApiAuth: user.useAnyApiAuth }
    },
    orgSettings: (id) => summarizeOrg(orgOf(id)).settings,
    setOrgSettings(id, settings) {
      const org = orgOf(id)
      Object.assign(org.settings, checkSettings(settings))
      return summarizeOrg(org).settings
    },
    preauthorize(userId, consumerKey) {
      const app = consumerKey ? state.connectedApps.get(consumerKey) : state.defaultApp()
      if (!app) throw new Error(`unknown consumer key ${consumerKey}`)
      app.preauthorizedUserIds.add(userOf(userId).id)
    },
    registerJwtCertificate(consumerKey, pem) {
      const app = state.connectedApps.get(consumerKey)
      if (!app) throw new Error(`unknown consumer key ${consumerKey}`)
      app.jwtCertificatePem = pem
    },
    setCanvasAppUrl(url) {
      if (url !== null) new URL(url)
      state.defaultApp().canvasAppUrl = url
    },
    canvasAppUrl: () => state.defaultApp().canvasAppUrl,
    signedRequest: (user, options) =>
      buildSignedRequest(issueCanvasRequest(ctx, user, options), state.defaultApp().consumerSecret),
    canvasRequest: (user, options) => issueCanvasRequest(ctx, user, options),
    expireSessions: () => expireAllSessions(state),
    revokeUserTokens: (id) => revokeUserTokens(state, userOf(id).id),
    addFault: (spec) => addFaultToState(state, spec).id,
    clearFaults() {
      state.faults = []
    },
    faults: () => state.faults.map(({ regex: _regex, ...f }) => ({ ...f })),
    counters: () => structuredClone(state.counters),
    resetCounters() {
      state.counters = emptyCounters()
    },
    outbox: (to) => state.outbox.filter((m) => !to || m.to.toLowerCase() === to.toLowerCase()).map((m) => ({ ...m })),
    seed: (options) => seedRecords(state, { ...options, orgId: options.orgId ?? orgOf().id }),
    records(type, filter = {}) {
      const org = orgOf(filter.orgId)
      const def = sobjectOf(type, org.id)
      const email = filter.email?.toLowerCase()
      const out: Record<string, unknown>[] = []
      for (const r of state.table(org.id, def.name).rows) {
        if (r.IsDeleted && !filter.includeDeleted) continue
        if (email !== undefined && (typeof r.Email !== 'string' || r.Email.toLowerCase() !== email)) continue
        out.push(wire(org.id, def, r))
        if (filter.limit !== undefined && out.length >= filter.limit) break
      }
      return out
    },
    insertRecord(type, values, orgId) {
      const org = orgOf(orgId)
      const def = sobjectOf(type, org.id)
      const checked = validateCreate(state, org.id, def, values)
      if (!checked.ok) throw new RecordWriteError(checked.errors)
      return wire(org.id, def, insertRecord(state, org.id, def, checked.value, undefined))
    },
    updateRecord(type, id, values) {
      for (const org of state.orgs.values()) {
        const def = sobjectOf(type, org.id)
        if (!state.table(org.id, def.name).byId.has(id.slice(0, 15))) continue
        const checked = validateUpdate(state, org.id, def, id, values)
        if (!checked.ok) throw new RecordWriteError(checked.errors)
        return wire(org.id, def, applyUpdate(state, def, checked.value, undefined))
      }
      throw new RecordWriteError([
        { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] },
      ])
    },
    updateRecordsByEmail(type, email, values, orgId) {
      const org = orgOf(orgId)
      const def = sobjectOf(type, org.id)
      const matches = state
        .table(org.id, def.name)
        .rows.filter(
          (r) => !r.IsDeleted && typeof r.Email === 'string' && r.Email.toLowerCase() === email.toLowerCase(),
        )
      const plans = matches.map((r) => validateUpdate(state, org.id, def, r.Id, values))
      const failed = plans.find((p) => !p.ok)
      if (failed && !failed.ok) throw new RecordWriteError(failed.errors)
      return plans.map((p) => (p.ok ? wire(org.id, def, applyUpdate(state, def, p.value, undefined)) : {}))
    },
    resetApiUsage(orgId) {
      for (const org of state.orgs.values()) if (!orgId || org.id === orgId) org.apiRequestsUsed = 0
    },
  }
  return control
}
