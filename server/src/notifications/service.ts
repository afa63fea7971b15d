/**
 * Email notifications to account owners. What to send is written to the outbox in the same
 * transaction as the change it reports (credential status: the migration's trigger; other
 * domains: `enqueue`, optionally on their own transaction's client). The worker
 * (notifications/jobs.ts) then queues due reminders and delivers the outbox over SMTP.
 *
 * Each email is sent at most once per state (outbox dedupe key), to the account's address at
 * send time, unless the owner turned these emails off. An email about a breakage that was
 * fixed before it went out is dropped, and so is the "works again" email that would follow it.
 */
import crypto from 'node:crypto'
import type { Config } from '../config.js'
import type { Pool, Queryable } from '../db/pool.js'
import { AppError } from '../errors.js'
import type { Mailer } from './mailer.js'
import { MailError } from './mailer.js'
import * as repo from './repository.js'
import {
  isNotificationKind,
  renderNotification,
  sampleData,
  type NotificationKind,
  type RenderedMail,
} from './templates.js'
import type { UnsubscribeTokens } from './unsubscribe-token.js'

/** Where the fix is, in the canvas UI's hash router (canvas-ui/src/app.tsx). */
export const LINK_ACCOUNTS_ROUTE = '/#/settings/link-accounts'
/** Where API use and the cap are (canvas-ui/src/pages/sync-health.tsx). */
export const SYNC_ROUTE = '/#/sync/health'
const LEASE_SECONDS = 120
const BATCH = 25
const MAX_ATTEMPTS = 8
const RETENTION_DAYS = 90

export interface DeliveryResult {
  sent: number
  skipped: number
  failed: number
  reminders: number
}

export interface NotificationSettings {
  accessEmails: boolean
  email: string
  /** False when this server sends no email at all (NOTIFICATIONS=off, or no SMTP_URL). */
  serverSends: boolean
}

export interface NotificationService {
  /**
   * Queues an email for the account's owner. `dedupeKey` (default: a fresh one) makes repeated
   * calls for the same state one email; pass `db` (a transaction's client) to queue it with the
   * change it reports. Returns false when that email was queued before.
   */
  enqueue(
    kind: NotificationKind,
    accountId: string,
    data: Record<string, unknown>,
    options?: { dedupeKey?: string; db?: Queryable },
  ): Promise<boolean>
  /** Queues the reminders due at `now` and sends what is due. The worker calls it; tests pass a clock. */
  runDue(now?: Date): Promise<DeliveryResult>
  settings(accountId: string): Promise<NotificationSettings>
  setAccessEmails(accountId: string, wanted: boolean): Promise<NotificationSettings>
  /** Turns the emails off (or on again) for the account a signed unsubscribe token names. */
  unsubscribe(token: string, wanted?: boolean): Promise<{ accountId: string; email: string | null }>
  /** Checks an unsubscribe token and reads the account's choice, changing nothing (the link's page). */
  unsubscribeTarget(token: string): Promise<{ accountId: string; email: string; accessEmails: boolean }>
  preview(kind: string, accountId: string): Promise<RenderedMail>
  recent(accountId: string): Promise<repo.OutboxRow[]>
  /** Deletes sent, skipped and failed emails older than the retention (90 days). */
  purge(now?: Date): Promise<number>
  unsubscribeUrl(accountId: string): string
}

export function createNotificationService(deps: {
  config: Config
  pool: Pool
  mailer: Mailer | null
  tokens: UnsubscribeTokens
  now?: () => Date
}): NotificationService {
  const { config, pool, mailer, tokens } = deps
  const clock = deps.now ?? (() => new Date())
  const base = config.publicUrl

  const unsubscribeUrl = (accountId: string) =>
    `${base}/notifications/unsubscribe?token=${encodeURIComponent(tokens.sign(accountId))}`

  function render(kind: NotificationKind, accountId: string, data: Record<string, unknown>): RenderedMail {
    return renderNotification(kind, {
      fixUrl: `${base}${LINK_ACCOUNTS_ROUTE}`,
      syncUrl: `${base}${SYNC_ROUTE}`,
      settingsUrl: `${base}${LINK_ACCOUNTS_ROUTE}`,
      unsubscribeUrl: unsubscribeUrl(accountId),
      data,
    })
  }

  /** Why this email should not go out (any more), or null to send it. 'later' waits for its predecessor. */
  async function stale(row: repo.ClaimedRow): Promise<string | 'later' | null> {
    const credentialId = typeof row.data.credentialId === 'string' ? row.data.credentialId : null
    if (!credentialId || !row.dedupeKey.startsWith('credential:')) return null
    const episode = row.data.episode
    if (row.kind === 'access_broken' || row.kind === 'access_reminder') {
      const alert = await repo.alertState(pool, credentialId)
      if (!alert || alert.state !== 'broken' || alert.episode !== episode) return 'fixed before this email went out'
      return null
    }
    if (row.kind === 'access_restored') {
      const broken = await repo.outboxStatus(pool, `credential:${credentialId}:${String(episode)}:broken`)
      if (broken === 'pending') return 'later'
      if (broken !== 'sent') return 'the owner was never told it broke'
    }
    return null
  }

  async function deliver(row: repo.ClaimedRow, now: Date): Promise<'sent' | 'skipped' | 'failed' | 'later'> {
    if (!mailer) {
      await repo.markSkipped(pool, row.id, 'notifications are off on this server')
      return 'skipped'
    }
    if (!row.wanted) {
      await repo.markSkipped(pool, row.id, 'the owner turned these emails off')
      return 'skipped'
    }
    if (!isNotificationKind(row.kind) || !row.email) {
      await repo.markSkipped(pool, row.id, !row.email ? 'no address' : `unknown kind ${row.kind}`)
      return 'skipped'
    }
    const why = await stale(row)
    if (why === 'later') {
      await repo.postpone(pool, row.id, new Date(now.getTime() + 30_000))
      return 'later'
    }
    if (why) {
      await repo.markSkipped(pool, row.id, why)
      return 'skipped'
    }
    const credentialId = typeof row.data.credentialId === 'string' ? row.data.credentialId : null
    const data =
      credentialId && (row.kind === 'access_broken' || row.kind === 'access_reminder')
        ? { ...row.data, otherCredentialWorks: await repo.otherCredentialWorks(pool, credentialId) }
        : row.data
    const mail = render(row.kind, row.accountId, data)
    const unsubscribe = unsubscribeUrl(row.accountId)
    try {
      await mailer.send({
        to: row.email,
        ...mail,
        // Stable per outbox row: a resend after a crash mid-send is recognisably the same email.
        messageId: `<${row.id}@sf-link.notifications>`,
        headers: {
          'List-Unsubscribe': `<${unsubscribe}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'Auto-Submitted': 'auto-generated',
          'X-SF-Link-Notification': row.kind,
        },
      })
    } catch (err) {
      const permanent = err instanceof MailError && err.permanent
      const message = err instanceof Error ? err.message : 'SMTP delivery failed'
      const retryAt =
        permanent || row.attempts >= MAX_ATTEMPTS
          ? null
          : new Date(now.getTime() + Math.min(30_000 * 2 ** (row.attempts - 1), 3600_000))
      await repo.markFailed(pool, row.id, message, retryAt)
      return 'failed'
    }
    await repo.markSent(pool, row.id, row.email, now)
    return 'sent'
  }

  async function settings(accountId: string): Promise<NotificationSettings> {
    const email = await repo.accountEmail(pool, accountId)
    if (email === null) throw new AppError('NOT_FOUND')
    return { accessEmails: await repo.accessEmailsWanted(pool, accountId), email, serverSends: mailer !== null }
  }

  /** The account a signed unsubscribe token names, with its email; refused when it is forged or gone. */
  async function tokenAccount(token: string): Promise<{ accountId: string; email: string }> {
    const accountId = tokens.verify(token)
    if (!accountId) throw new AppError('UNSUBSCRIBE_LINK_INVALID')
    const email = await repo.accountEmail(pool, accountId)
    if (email === null) throw new AppError('UNSUBSCRIBE_LINK_INVALID')
    return { accountId, email }
  }

  return {
    async enqueue(kind, accountId, data, options = {}) {
      return repo.enqueue(options.db ?? pool, {
        accountId,
        kind,
        dedupeKey: options.dedupeKey ?? `${kind}:${crypto.randomUUID()}`,
        data,
      })
    },

    async runDue(now = clock()) {
      const result: DeliveryResult = { sent: 0, skipped: 0, failed: 0, reminders: 0 }
      result.reminders = await repo.queueDueReminders(pool, now)
      for (;;) {
        const rows = await repo.claimDue(pool, now, LEASE_SECONDS, BATCH)
        for (const row of rows) {
          const outcome = await deliver(row, now)
          if (outcome !== 'later') result[outcome]++
        }
        if (rows.length < BATCH) return result
      }
    },

    settings,

    async setAccessEmails(accountId, wanted) {
      await repo.setAccessEmails(pool, accountId, wanted)
      return settings(accountId)
    },

    async unsubscribe(token, wanted = false) {
      const { accountId, email } = await tokenAccount(token)
      await repo.setAccessEmails(pool, accountId, wanted)
      return { accountId, email }
    },

    async unsubscribeTarget(token) {
      const { accountId, email } = await tokenAccount(token)
      return { accountId, email, accessEmails: (await settings(accountId)).accessEmails }
    },

    async preview(kind, accountId) {
      if (!isNotificationKind(kind)) throw new AppError('NOTIFICATION_KIND_UNKNOWN')
      const username = await repo.linkedUsername(pool, accountId)
      return render(kind, accountId, sampleData(kind, username, clock()))
    },

    recent(accountId) {
      return repo.recentForAccount(pool, accountId, 20)
    },

    purge(now = clock()) {
      return repo.purgeFinished(pool, now, RETENTION_DAYS)
    },

    unsubscribeUrl,
  }
}
