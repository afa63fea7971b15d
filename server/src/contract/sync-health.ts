/** Sync health: Salesforce API use and its cap, push errors by kind, the last success of each job. */
import { Type, type Static } from 'typebox'
import { Nullable, StringEnum } from './common.js'

export const SYNC_JOBS = ['unsubscribe', 'bounce'] as const
export const HEALTH_JOBS = ['unsubscribe-push', 'unsubscribe-pull', 'bounce-push'] as const

export const SyncHealthSchema = Type.Object({
  organizationId: Type.String(),
  api: Type.Object({
    callsLast24h: Type.Integer({ description: 'Salesforce API calls SF Link made to the org in the last 24 h' }),
    org: Nullable(
      Type.Object({
        used: Type.Integer(),
        limit: Type.Integer(),
        observedAt: Type.String({ format: 'date-time' }),
      }),
    ),
    cap: Nullable(Type.Object({ percent: Type.Number(), calls: Nullable(Type.Integer()) })),
    capped: Type.Boolean(),
    resumesAt: Nullable(Type.String({ format: 'date-time' })),
  }),
  errors: Type.Array(
    Type.Object({
      kind: Type.String(),
      job: StringEnum(SYNC_JOBS),
      count: Type.Integer(),
      failed: Type.Integer(),
      emails: Type.Array(Type.String()),
      example: Type.String(),
      lastAt: Type.String({ format: 'date-time' }),
    }),
  ),
  jobs: Type.Array(
    Type.Object({ job: StringEnum(HEALTH_JOBS), lastSuccessAt: Nullable(Type.String({ format: 'date-time' })) }),
  ),
})
export type SyncHealth = Static<typeof SyncHealthSchema>

export const ApiCapBodySchema = Type.Object(
  { percent: Nullable(Type.Number({ minimum: 0.0001, maximum: 100 })) },
  { additionalProperties: false },
)
export type ApiCapBody = Static<typeof ApiCapBodySchema>

export const SyncRetryBodySchema = Type.Object(
  { kind: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z_]{0,80}$' })) },
  { additionalProperties: false },
)
export type SyncRetryBody = Static<typeof SyncRetryBodySchema>

export const SyncRetryResultSchema = Type.Object({ addresses: Type.Integer() })
export type SyncRetryResult = Static<typeof SyncRetryResultSchema>
