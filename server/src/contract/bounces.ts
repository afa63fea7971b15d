/** Bounces reported by the mailing side, and their push to Salesforce. */
import { Type, type Static } from 'typebox'
import { Nullable, StringEnum } from './common.js'

export const MAX_BOUNCES_PER_REQUEST = 10_000
export const BOUNCE_TYPES = ['hard', 'soft'] as const

export const BounceSchema = Type.Object(
  {
    email: Type.String({ maxLength: 320 }),
    type: StringEnum(BOUNCE_TYPES),
    reason: Type.Optional(Type.String({ maxLength: 1000 })),
    at: Type.String({ maxLength: 40, description: 'When it bounced (ISO 8601)' }),
  },
  { additionalProperties: false },
)
export type Bounce = Static<typeof BounceSchema>

export const BounceBodySchema = Type.Object({
  bounces: Type.Array(BounceSchema, { maxItems: MAX_BOUNCES_PER_REQUEST }),
})
export type BounceBody = Static<typeof BounceBodySchema>

export const BounceIntakeResultSchema = Type.Object({
  hard: Type.Integer(),
  soft: Type.Integer(),
  invalid: Type.Integer({ description: 'Entries whose address is not an email address (dropped)' }),
})
export type BounceIntakeResult = Static<typeof BounceIntakeResultSchema>

export const BounceStatusSchema = Type.Object({
  hard: Type.Integer(),
  soft: Type.Integer(),
  pending: Type.Integer(),
  synced: Type.Integer(),
  failed: Type.Integer(),
  noMatch: Type.Integer(),
  lastPushAt: Nullable(Type.String({ format: 'date-time' })),
})
export type BounceStatus = Static<typeof BounceStatusSchema>
