// Shapes of the SF Link HTTP API, as pinned in docs/api-contract.md.

export interface SessionToken {
  token: string
  expiresAt: string
}

export interface Me {
  id: string
  email: string
  name: string | null
  createdAt: string
  session: { kind: 'cookie' | 'bearer' | 'canvas'; expiresAt: string }
  insideSalesforce: boolean
}

export type CredentialKind = 'password_token' | 'oauth_refresh' | 'jwt_bearer'
export type CredentialStatus = 'none' | 'ok' | 'needs_attention' | 'rate_limited'

export interface Credential {
  kind: CredentialKind | null
  status: CredentialStatus
  reason: string | null
  reasonMessage: string | null
  lastSuccessAt: string | null
  username: string | null
  environment: string | null
}

export interface SalesforceLink {
  salesforceUserId: string
  organizationId: string
  instanceUrl: string
  username: string | null
  email: string | null
  name: string | null
  linkedAt: string | null
  lastSeenAt: string | null
  credential: Credential
  canConnect: boolean
}

/** `production`, `sandbox` or a My Domain URL such as https://acme.my.salesforce.com */
export type SalesforceEnvironment = string

export interface CredentialsInput {
  username: string
  password: string
  securityToken?: string
  environment: SalesforceEnvironment
}

export interface CredentialsPatch {
  securityToken?: string
  password?: string
}

export const SOBJECTS = ['Contact', 'Lead', 'CampaignMember'] as const
export type SObjectName = (typeof SOBJECTS)[number]

export const OPERATORS = [
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'contains',
  'startsWith',
  'in',
  'notIn',
  'isEmpty',
  'isNotEmpty',
  'includes',
  'excludes',
] as const
export type Operator = (typeof OPERATORS)[number]

/** A relative date (`TODAY`, `LAST_N_DAYS:30`) or a calendar day, on date and date/time fields. */
export type DateValue = { relative: string } | { day: string }

export interface Filter {
  field: string
  operator: Operator
  /**
   * A string (or true/false) for most operators, a list for `in`/`notIn`/`includes`/`excludes`,
   * a DateValue on dates, absent for `isEmpty`/`isNotEmpty`.
   */
  value?: string | boolean | number | string[] | DateValue
}

export interface ConnectionInput {
  name: string
  sobject: SObjectName
  fields: string[]
  filters: Filter[]
  logic: 'AND' | 'OR'
  excludeOptedOut: boolean
  requireEmail: boolean
  excludeSuppressed: boolean
}

export interface Connection extends ConnectionInput {
  id: string
  createdAt: string
  updatedAt: string
}

export interface Access {
  canConnect: boolean
  code: string | null
  message: string | null
}

export interface ConnectionHealth {
  state: 'ok' | 'broken'
  code: string | null
  message: string | null
  field: string | null
  checkedAt: string
}

export interface ConnectionList {
  items: Connection[]
  access: Access
  /** By connection id; absent when not checked since the last edit. */
  health: Record<string, ConnectionHealth>
}

export interface ProblemAction {
  kind: 'fix_access' | 'edit_connection' | 'check_filters' | 'retry_later'
  label: string
  href: string | null
}

export type Readiness =
  { ready: true; count: number } | { ready: false; code: string; message: string; action: ProblemAction }

export interface Campaign {
  id: string
  name: string
  status: string | null
  isActive: boolean | null
}

export interface CampaignMemberStatus {
  label: string
  isDefault: boolean
  hasResponded: boolean
}

export type SalesforceRecord = Record<string, unknown>

export interface PreviewResult {
  count: number
  records: SalesforceRecord[]
  soql: string
  /** The columns with Salesforce's labels (records are keyed by API name). */
  columns?: { name: string; label: string }[]
}

export interface DescribeField {
  name: string
  label: string
  type: string
  filterable: boolean
  picklistValues?: string[]
  custom?: boolean
  /** On a field of a related record: the relationship's label ("Account"). */
  relationship?: string
  referenceTo?: string[]
  relationshipName?: string
}

export interface Describe {
  name: string
  label: string
  fields: DescribeField[]
}

export interface UnsubscribeStatus {
  pending: number
  synced: number
  failed: number
  noMatch: number
  total: number
  lastPushAt: string | null
  lastPullAt: string | null
  paused: { code: string; message: string } | null
  recentFailures: { email: string; reason: string; at: string }[]
}

export interface UnsubscribeResult {
  accepted: number
  duplicates: number
  invalid: number
}

export interface Suppression {
  email: string
  source: 'app' | 'salesforce'
  createdAt: string
}

export interface ApiKey {
  id: string
  name: string
  prefix: string
  createdAt: string
  lastUsedAt: string | null
  revokedAt: string | null
}

export interface NewApiKey {
  id: string
  name: string
  prefix: string
  key: string
  createdAt: string
}

export interface DemoUser {
  id: string
  organizationId: string
  username: string
  password: string
  securityToken: string
}

export interface DemoInfo {
  simulatorUrl: string
  users: DemoUser[]
  /** The demo mail catcher: the emails SF Link sent (demo mode only). */
  mailUrl: string | null
}

export type NotificationKind = 'access_broken' | 'access_reminder' | 'access_restored' | 'api_cap_reached'

/** `GET/PUT /api/notifications/settings`. */
export interface NotificationSettings {
  accessEmails: boolean
  email: string
  /** False when this server sends no email at all. */
  serverSends: boolean
  recent: {
    kind: string
    status: 'pending' | 'sent' | 'skipped' | 'failed'
    createdAt: string
    sentAt: string | null
    /** Why it was not sent. */
    note: string | null
  }[]
}

export interface NotificationPreview {
  kind: NotificationKind
  subject: string
  text: string
  html: string
}

/** The `client` object of a Canvas signed request, as the Canvas SDK expects it. */
export interface CanvasClient {
  instanceId?: string
  targetOrigin?: string
  instanceUrl?: string
  oauthToken?: string
}

/** What `POST /canvas` puts in `<script type="application/json" id="canvas-bootstrap">`. */
export interface CanvasBootstrap extends SessionToken {
  linked: boolean
  salesforceUserId: string
  organizationId: string
  user?: { fullName?: string; email?: string; userName?: string }
  client?: CanvasClient
}
