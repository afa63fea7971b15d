/** Unsubscribes (intake, status, sync now) and the suppression list. */
import { Type, type Static } from 'typebox'
import { Nullable, StringEnum } from './common.js'

export const MAX_EMAILS_PER_REQUEST = 10_000

export const IntakeBodySchema = Type.Object({
  emails: Type.Array(Type.String(), { maxItems: MAX_EMAILS_PER_REQUEST }),
})

export const IntakeResultSchema = Type.Object({
  accepted: Type.Integer({ description: 'Valid addresses newly on the suppression list' }),
  duplicates: Type.Integer({ description: 'Valid addresses already on the list, or repeated in the request' }),
  invalid: Type.Integer({ description: 'Entries that are not email addresses (dropped)' }),
})
export type IntakeResult = Static<typeof IntakeResultSchema>

export const UnsubscribeStatusSchema = Type.Object({
  pending: Type.Integer(),
  synced: Type.Integer(),
  failed: Type.Integer(),
  noMatch: Type.Integer(),
  total: Type.Integer(),
  lastPushAt: Nullable(Type.String({ format: 'date-time' })),
  lastPullAt: Nullable(Type.String({ format: 'date-time' })),
  paused: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  recentFailures: Type.Array(
    Type.Object({ email: Type.String(), reason: Type.String(), at: Type.String({ format: 'date-time' }) }),
  ),
})
export type UnsubscribeStatus = Static<typeof UnsubscribeStatusSchema>

export const SyncQueuedSchema = Type.Object({ queued: Type.Literal(true) })
export type SyncQueued = Static<typeof SyncQueuedSchema>

export const SUPPRESSION_SOURCES = ['app', 'salesforce'] as const

export const SuppressionSchema = Type.Object({
  email: Type.String(),
  source: StringEnum(SUPPRESSION_SOURCES),
  createdAt: Type.String({ format: 'date-time' }),
})
export type Suppression = Static<typeof SuppressionSchema>

export const SuppressionPageSchema = Type.Object({ items: Type.Array(SuppressionSchema), total: Type.Integer() })
export type SuppressionPage = Static<typeof SuppressionPageSchema>
