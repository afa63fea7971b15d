/** The Salesforce link, its credentials and the describe the connection editor uses. */
import { Type, type Static } from 'typebox'
import { Nullable, StringEnum } from './common.js'

export const CREDENTIAL_KINDS = ['password_token', 'oauth_refresh', 'jwt_bearer'] as const
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number]
export const CREDENTIAL_STATUSES = ['none', 'ok', 'needs_attention', 'rate_limited'] as const
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number]

/** What the person can do about a failure, as the credential policy decides (server/src/links/credential-policy.ts). */
export const ACCESS_ACTIONS = [
  'connect_with_salesforce',
  'update_credential',
  'ask_admin',
  'wait',
  'open_in_salesforce',
] as const
export type AccessAction = (typeof ACCESS_ACTIONS)[number]

export const CredentialViewSchema = Type.Object({
  kind: Nullable(StringEnum(CREDENTIAL_KINDS)),
  status: StringEnum(CREDENTIAL_STATUSES),
  reason: Nullable(Type.String({ description: 'The error code that put the credential in this state' })),
  reasonMessage: Nullable(Type.String()),
  lastSuccessAt: Nullable(Type.String()),
  lastFailureAt: Nullable(Type.String()),
  username: Nullable(Type.String()),
  environment: Nullable(Type.String()),
  action: Nullable(StringEnum(ACCESS_ACTIONS, { description: 'What the person can do about `reason`' })),
  adminAction: Nullable(Type.String({ description: 'What only a Salesforce admin can change about `reason`' })),
  notice: Nullable(
    Type.String({ description: "E.g. that Salesforce retires username, password and security token in Summer '27" }),
  ),
})
export type CredentialView = Static<typeof CredentialViewSchema>

export const LinkViewSchema = Type.Object({
  salesforceUserId: Type.String(),
  organizationId: Type.String(),
  instanceUrl: Type.String(),
  username: Type.String(),
  email: Type.String(),
  name: Type.String(),
  linkedAt: Type.String(),
  lastSeenAt: Type.String(),
  credential: CredentialViewSchema,
  credentials: Type.Array(CredentialViewSchema, { description: 'Every stored credential, in the order they are used' }),
  canConnect: Type.Boolean({
    description:
      'Salesforce access works now (live canvas session or a stored credential whose circuit is closed: ok or rate limited)',
  }),
  access: Type.Object(
    {
      code: Nullable(Type.String()),
      message: Nullable(Type.String()),
      action: Nullable(StringEnum(ACCESS_ACTIONS)),
      adminAction: Nullable(Type.String()),
    },
    { description: 'The access state the credential policy decided, for the UI to show as it is' },
  ),
})
export type AccessView = LinkView['access']
export type LinkView = Static<typeof LinkViewSchema>

export const EnvironmentSchema = Type.String({
  minLength: 1,
  maxLength: 300,
  description: 'production, sandbox, or a My Domain URL (https://<name>.my.salesforce.com)',
})

export const PasswordCredentialBodySchema = Type.Object(
  {
    kind: Type.Optional(Type.Literal('password_token')),
    username: Type.String({ minLength: 3, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    securityToken: Type.Optional(Type.String({ maxLength: 128 })),
    environment: EnvironmentSchema,
  },
  { additionalProperties: false },
)
export const JwtCredentialBodySchema = Type.Object(
  { kind: Type.Literal('jwt_bearer'), environment: EnvironmentSchema },
  { additionalProperties: false },
)
export const CredentialsBodySchema = Type.Union([PasswordCredentialBodySchema, JwtCredentialBodySchema])
export type CredentialsBody = Static<typeof CredentialsBodySchema>
export type PasswordCredentialBody = Static<typeof PasswordCredentialBodySchema>

export const CredentialsPatchSchema = Type.Object(
  {
    securityToken: Type.Optional(Type.String({ maxLength: 128 })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  },
  { additionalProperties: false },
)
export type CredentialsPatch = Static<typeof CredentialsPatchSchema>

export const OAuthTicketSchema = Type.Object({ url: Type.String() })
export type OAuthTicket = Static<typeof OAuthTicketSchema>
