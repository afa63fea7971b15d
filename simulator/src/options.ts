import type { OrgSettings, PermittedUsers } from './state.js'

export interface SimulatorUserInput {
  username: string
  /** Default: generated. */
  password?: string
  /** 24 alphanumeric characters; default: generated from the seed. */
  securityToken?: string
  firstName: string
  lastName: string
  /** Default: the username. */
  email?: string
  locale?: string
  language?: string
  timeZone?: string
  passwordExpired?: boolean
  /** Pre-authorised for the JWT bearer flow of the default connected app. */
  jwtPreauthorized?: boolean
  /** The "Use Any API Auth" user permission. Default false (enforced only where the org enforces it). */
  useAnyApiAuth?: boolean
}

export interface SimulatorDataInput {
  contacts?: number
  leads?: number
  campaigns?: number
  /** Fraction of contacts and leads already opted out of email (default 0.05). */
  optedOutFraction?: number
}

/** "demo": the standard objects plus the demo custom fields and record types; "standard": standard objects only. */
export type OrgSchemaChoice = 'demo' | 'standard'

export interface SimulatorOrgInput {
  name: string
  /** Default "demo". */
  schema?: OrgSchemaChoice
  /**
   * An org created in Winter '26 or later: SOAP login() off and "Use Any API Auth" enforced unless
   * `settings` say otherwise. Default: true for orgs created at run time (control, POST /_sim/orgs),
   * false for the orgs of the start options.
   */
  createdAfterWinter26?: boolean
  settings?: Partial<OrgSettings>
  users?: SimulatorUserInput[]
  /** Records seeded at start (default: a small demo data set; false for none). */
  data?: SimulatorDataInput | false
}

export interface SalesforceSimulatorOptions {
  /** Default 0 (a free port). */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** URL handed to clients (instance_url, serverUrl, identity); default http://host:port. */
  publicUrl?: string
  /** Makes IDs, tokens of seeded users and record data deterministic. Default 1. */
  seed?: number
  consumerKey?: string
  consumerSecret?: string
  /** Where /canvas-host POSTs the signed request; may be set later with control.setCanvasAppUrl. */
  canvasAppUrl?: string
  /** Include a refresh token in signed requests (connected app has the refresh_token scope). Default true. */
  canvasRefreshToken?: boolean
  /** Permitted users of the connected app. Default "admin_preauthorized" (the signed request is POSTed at once). */
  permittedUsers?: PermittedUsers
  /** Refresh-token rotation on the connected app. Default false. */
  refreshTokenRotation?: boolean
  /** PEM certificate for JWT bearer: one for the default consumer key, or per consumer key. */
  jwtCertificatePem?: string | Record<string, string>
  /** Allowed OAuth redirect URIs; default: any http(s) URI. */
  callbackUrls?: string[]
  /** API version of the links in signed requests. Default "66.0". */
  apiVersion?: string
  /** Defaults for the seeded orgs' settings. */
  sessionTimeoutSeconds?: number
  apiRequestCap?: number
  loginRateLimitPerHour?: number
  maxInvalidLoginAttempts?: number
  lockoutMinutes?: number
  trustedIpRanges?: string[]
  soapLoginEnabled?: boolean
  useAnyApiAuthEnforced?: boolean
  /** The default org was created in Winter '26 or later (see SimulatorOrgInput). Default false. */
  createdAfterWinter26?: boolean
  /** Name of the default org. */
  orgName?: string
  /** Users of the default org (default: Ada and Grace). */
  users?: SimulatorUserInput[]
  /** Records of the default org (default: 250 contacts, 120 leads, 3 campaigns; false for none). */
  data?: SimulatorDataInput | false
  /** Several orgs instead of the default one (each with its own users and data). */
  orgs?: SimulatorOrgInput[]
  /** Fastify logger options; default off. */
  logger?: boolean | Record<string, unknown>
  /** Clock, for tests. */
  now?: () => number
  /** Milliseconds a Bulk API 2.0 query job stays InProgress (default 0: complete at the first poll). */
  bulkQueryProcessingMs?: number
  /** Records per Bulk API 2.0 results page when the client sends no maxRecords (default 100,000). */
  bulkResultsPageSize?: number
}

export const DEFAULT_CONSUMER_KEY = 'SFLINK_DEMO_CONSUMER_KEY'
export const DEFAULT_CONSUMER_SECRET = 'sflink-demo-consumer-secret'
export const DEFAULT_ORG_NAME = 'SF Link Demo Org'
export const DEFAULT_API_VERSION = '66.0'

export const DEFAULT_USERS: readonly SimulatorUserInput[] = [
  {
    username: 'ada@demo.sflink.test',
    password: 'Lovelace-1815!',
    firstName: 'Ada',
    lastName: 'Lovelace',
    locale: 'en_GB',
    timeZone: 'Europe/London',
  },
  {
    username: 'grace@demo.sflink.test',
    password: 'Hopper-1906!',
    firstName: 'Grace',
    lastName: 'Hopper',
    locale: 'en_US',
    timeZone: 'America/New_York',
  },
]

export const DEFAULT_DATA: Required<SimulatorDataInput> = {
  contacts: 250,
  leads: 120,
  campaigns: 3,
  optedOutFraction: 0.05,
}

/**
 * Settings of a new org. Orgs created in Winter '26 or later have SOAP login() off and enforce
 * "Use Any API Auth" (see README.md, "Login rules"); older orgs keep login() on.
 */
export function defaultOrgSettings(options: SalesforceSimulatorOptions, createdAfterWinter26 = false): OrgSettings {
  return {
    trustedIpRanges: options.trustedIpRanges ?? [],
    soapLoginEnabled: createdAfterWinter26 ? false : (options.soapLoginEnabled ?? true),
    useAnyApiAuthEnforced: createdAfterWinter26 ? true : (options.useAnyApiAuthEnforced ?? false),
    apiEnabled: true,
    oauthPasswordFlowEnabled: false,
    sessionTimeoutSeconds: options.sessionTimeoutSeconds ?? 7200,
    apiRequestCap: options.apiRequestCap ?? 100_000,
    maxInvalidLoginAttempts: options.maxInvalidLoginAttempts ?? 5,
    lockoutMinutes: options.lockoutMinutes ?? 15,
    loginRateLimitPerHour: options.loginRateLimitPerHour ?? 3600,
  }
}
