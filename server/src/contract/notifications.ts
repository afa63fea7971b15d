/** Notification emails: the signed-in person's settings and previews. */
import { Type, type Static } from 'typebox'
import { NOTIFICATION_KINDS } from './notification-kinds.js'
import { Nullable, StringEnum } from './common.js'

export { NOTIFICATION_KINDS }
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number]

export const NOTIFICATION_STATUSES = ['pending', 'sent', 'skipped', 'failed'] as const

export const NotificationSettingsSchema = Type.Object({
  accessEmails: Type.Boolean(),
  email: Type.String(),
  serverSends: Type.Boolean({ description: 'False when this server sends no email at all' }),
  recent: Type.Array(
    Type.Object({
      kind: Type.String(),
      status: StringEnum(NOTIFICATION_STATUSES),
      createdAt: Type.String(),
      sentAt: Nullable(Type.String()),
      /** Why it was not sent (turned off, fixed before it went out, the SMTP server's refusal). */
      note: Nullable(Type.String()),
    }),
  ),
})
export type NotificationSettings = Static<typeof NotificationSettingsSchema>

export const NotificationSettingsBodySchema = Type.Object(
  { accessEmails: Type.Boolean() },
  { additionalProperties: false },
)
export type NotificationSettingsBody = Static<typeof NotificationSettingsBodySchema>

export const NotificationPreviewSchema = Type.Object({
  kind: Type.String({ description: NOTIFICATION_KINDS.join(', ') }),
  subject: Type.String(),
  text: Type.String(),
  html: Type.String(),
})
export type NotificationPreview = Static<typeof NotificationPreviewSchema>
