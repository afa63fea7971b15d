// Shapes of the SF Link HTTP API. The server's route schemas are the one source
// (server/src/contract/, published at /docs): these are their types, imported with
// `import type`, so nothing of the server reaches the bundle.
import type {
  Access,
  ApiKey,
  ApiKeyList,
  BounceStatus,
  Campaign,
  CampaignList,
  CampaignMemberStatus,
  CampaignMemberStatusList,
  CampaignQuery,
  CanvasBootstrap as ContractCanvasBootstrap,
  Connection,
  ConnectionHealth,
  ConnectionList,
  ConnectionPreview,
  CreatedApiKey,
  CredentialKind,
  CredentialStatus,
  CredentialView,
  CredentialsPatch,
  CsvHeaders,
  Describe,
  DescribeField,
  DateValue,
  DemoInfoView,
  DemoUser,
  IntakeResult,
  LinkView,
  LoginBody,
  Me,
  NotificationKind,
  NotificationPreview,
  NotificationSettings,
  OAuthTicket,
  PasswordCredentialBody,
  ProblemAction,
  Readiness,
  ReadinessBody,
  RecordsQuery,
  SessionToken,
  SignupBody,
  Suppression,
  SuppressionPage,
  SyncHealth,
  SyncQueued,
  SyncRetryResult,
  TestResult,
  UnsubscribeStatus,
} from '../../server/src/contract/index.js'

export type {
  Access,
  ApiKey,
  ApiKeyList,
  BounceStatus,
  Campaign,
  CampaignList,
  CampaignMemberStatus,
  CampaignMemberStatusList,
  CampaignQuery,
  Connection,
  ConnectionHealth,
  ConnectionList,
  CredentialKind,
  CredentialStatus,
  CredentialsPatch,
  CsvHeaders,
  DateValue,
  Describe,
  DescribeField,
  DemoUser,
  LoginBody,
  Me,
  NotificationKind,
  NotificationPreview,
  NotificationSettings,
  OAuthTicket,
  ProblemAction,
  Readiness,
  ReadinessBody,
  SessionToken,
  SignupBody,
  Suppression,
  SuppressionPage,
  SyncHealth,
  SyncQueued,
  SyncRetryResult,
  UnsubscribeStatus,
}

export type Credential = CredentialView
export type SalesforceLink = LinkView
/** `production`, `sandbox` or a My Domain URL such as https://acme.my.salesforce.com */
export type SalesforceEnvironment = string
export type CredentialsInput = Omit<PasswordCredentialBody, 'kind'>
export type PreviewResult = TestResult
export type UnsubscribeResult = IntakeResult
export type NewApiKey = CreatedApiKey
export type DemoInfo = DemoInfoView
export type SalesforceRecord = Record<string, unknown>
export type RecordFormat = NonNullable<RecordsQuery['format']>

/** The objects and operators the editor offers: the contract's lists, kept here as values (the UI bundles no server code). */
export const SOBJECTS = ['Contact', 'Lead', 'CampaignMember'] as const satisfies readonly Connection['sobject'][]
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
] as const satisfies readonly Connection['filters'][number]['operator'][]
export type Operator = (typeof OPERATORS)[number]

/**
 * A filter as saved: a string (or true/false, a number) for most operators, a list for
 * `in`/`notIn`/`includes`/`excludes`, a DateValue on dates, absent for `isEmpty`/`isNotEmpty`.
 */
export type Filter = Connection['filters'][number]

/** What the editor edits: a connection without its identity and timestamps. */
export type ConnectionInput = Omit<Connection, 'id' | 'createdAt' | 'updatedAt'>

// Compile-time checks only (nothing reaches the bundle): every value the contract knows is
// offered by the editor, and the editor's definition is a valid preview (and create) body.
type Assert<T extends true> = T
type Covers<All, Offered> = [Exclude<All, Offered>] extends [never] ? true : false
export type ContractChecks = [
  Assert<Covers<Connection['sobject'], SObjectName>>,
  Assert<Covers<Filter['operator'], Operator>>,
  Assert<ConnectionInput extends ConnectionPreview ? true : false>,
]

/** The `client` object of a Canvas signed request, as the Canvas SDK expects it. */
export type CanvasClient = Partial<ContractCanvasBootstrap['client']> & { instanceUrl?: string; oauthToken?: string }

/**
 * What `POST /canvas` puts in `<script type="application/json" id="canvas-bootstrap">`,
 * as the UI reads it: the user and client parts may be missing (session.ts tolerates that).
 */
export type CanvasBootstrap = Pick<
  ContractCanvasBootstrap,
  'token' | 'expiresAt' | 'linked' | 'salesforceUserId' | 'organizationId'
> & {
  user?: Partial<ContractCanvasBootstrap['user']>
  client?: CanvasClient
}
