/** The notification emails SF Link sends (server/src/notifications/templates.ts writes them). */
export const NOTIFICATION_KINDS = ['access_broken', 'access_reminder', 'access_restored', 'api_cap_reached'] as const
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number]
