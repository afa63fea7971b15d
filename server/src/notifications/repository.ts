/**
 * All SQL for notifications: preferences, the outbox and credential alert episodes. Alerts are
 * recorded by the `salesforce_credentials_alert_*` triggers (server/migrations/009_notifications.sql, 011_credential_alert_when.sql)
 * whenever a credential's status enters or leaves "needs attention".
 */
import type { Queryable } from '../db/pool.js'

export interface OutboxRow {
  id: string
  accountId: string
  kind: string
  dedupeKey: string
  data: Record<string, unknown>
  status: 'pending' | 'sent' | 'skipped' | 'failed'
  attempts: number
  createdAt: Date
  sentAt: Date | null
  recipient: string | null
  lastError: string | null
}

/** A leased row with what sending needs: the owner's address and whether they want these emails. */
export interface ClaimedRow extends OutboxRow {
  email: string
  wanted: boolean
}

const outboxCols = `o.id, o.account_id, o.kind, o.dedupe_key, o.data, o.status, o.attempts, o.created_at, o.sent_at,
  o.recipient, o.last_error`

function toOutbox(r: any): OutboxRow {
  return {
    id: r.id,
    accountId: r.account_id,
    kind: r.kind,
    dedupeKey: r.dedupe_key,
    data: r.data ?? {},
    status: r.status,
    attempts: r.attempts,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    recipient: r.recipient,
    lastError: r.last_error,
  }
}

export async function accessEmailsWanted(db: Queryable, accountId: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT access_emails FROM notification_preferences WHERE account_id = $1`, [
    accountId,
  ])
  return rows[0]?.access_emails ?? true
}

export async function setAccessEmails(db: Queryable, accountId: string, wanted: boolean): Promise<void> {
  await db.query(
    `INSERT INTO notification_preferences (account_id, access_emails) VALUES ($1, $2)
     ON CONFLICT (account_id) DO UPDATE SET access_emails = EXCLUDED.access_emails, updated_at = now()`,
    [accountId, wanted],
  )
}

export async function accountEmail(db: Queryable, accountId: string): Promise<string | null> {
  const { rows } = await db.query(`SELECT email FROM accounts WHERE id = $1`, [accountId])
  return rows[0]?.email ?? null
}

/** Queues one email; false when an email with this dedupe key exists already. */
export async function enqueue(
  db: Queryable,
  m: { accountId: string; kind: string; dedupeKey: string; data: Record<string, unknown>; notBefore?: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO notification_outbox (account_id, kind, dedupe_key, data, next_attempt_at)
     VALUES ($1, $2, $3, $4, COALESCE($5, now()))
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [m.accountId, m.kind, m.dedupeKey, JSON.stringify(m.data), m.notBefore ?? null],
  )
  return rowCount === 1
}

/**
 * Queues the reminders due at `now`: 24 h after a credential broke, then 72 h after, while it
 * still needs attention. A worker that was down past both sends only the later one. The
 * alert's counter and the outbox row change in one statement, so a reminder is queued once.
 */
export async function queueDueReminders(db: Queryable, now: Date): Promise<number> {
  const { rowCount } = await db.query(
    `WITH due AS (
       SELECT a.credential_id, a.account_id, a.episode, a.reason, a.broken_at, c.kind, c.username,
         CASE WHEN a.broken_at <= $1::timestamptz - interval '72 hours' THEN 2 ELSE 1 END AS n
       FROM credential_alerts a JOIN salesforce_credentials c ON c.id = a.credential_id
       WHERE a.state = 'broken' AND c.status NOT IN ('ok', 'rate_limited')
         AND ((a.reminders_sent < 1 AND a.broken_at <= $1::timestamptz - interval '24 hours')
           OR (a.reminders_sent < 2 AND a.broken_at <= $1::timestamptz - interval '72 hours'))
       FOR UPDATE OF a SKIP LOCKED
     ), marked AS (
       UPDATE credential_alerts a SET reminders_sent = due.n FROM due WHERE a.credential_id = due.credential_id
     )
     INSERT INTO notification_outbox (account_id, kind, dedupe_key, data, next_attempt_at)
     SELECT account_id, 'access_reminder', 'credential:' || credential_id || ':' || episode || ':reminder-' || n,
       jsonb_build_object('credentialId', credential_id, 'episode', episode, 'credentialKind', kind,
         'username', username, 'reason', reason, 'brokenAt', broken_at, 'hours', CASE n WHEN 1 THEN 24 ELSE 72 END),
       $1::timestamptz
     FROM due
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [now],
  )
  return rowCount ?? 0
}

/**
 * Leases up to `limit` emails due at `now`: their next attempt moves `leaseSeconds` ahead, so
 * another worker leaves them alone, and a worker killed mid-send leaves them to the next one.
 */
export async function claimDue(db: Queryable, now: Date, leaseSeconds: number, limit: number): Promise<ClaimedRow[]> {
  const { rows } = await db.query(
    `WITH picked AS (
       SELECT id FROM notification_outbox
       WHERE status = 'pending' AND next_attempt_at <= $1
       ORDER BY created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED
     )
     UPDATE notification_outbox o SET attempts = o.attempts + 1,
       next_attempt_at = $1::timestamptz + make_interval(secs => $2)
     FROM picked WHERE o.id = picked.id
     RETURNING ${outboxCols},
       (SELECT email FROM accounts WHERE id = o.account_id) AS email,
       COALESCE((SELECT access_emails FROM notification_preferences WHERE account_id = o.account_id), true) AS wanted`,
    [now, leaseSeconds, limit],
  )
  return rows
    .map((r) => ({ ...toOutbox(r), email: r.email as string, wanted: r.wanted as boolean }))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
}

export async function markSent(db: Queryable, id: string, recipient: string, now: Date): Promise<void> {
  await db.query(
    `UPDATE notification_outbox SET status = 'sent', sent_at = $3, recipient = $2, last_error = NULL WHERE id = $1`,
    [id, recipient, now],
  )
}

export async function markSkipped(db: Queryable, id: string, why: string): Promise<void> {
  await db.query(`UPDATE notification_outbox SET status = 'skipped', last_error = $2 WHERE id = $1`, [id, why])
}

/** A failed attempt: try again at `retryAt`, or give up (status failed) when it is null. */
export async function markFailed(db: Queryable, id: string, error: string, retryAt: Date | null): Promise<void> {
  await db.query(
    `UPDATE notification_outbox SET status = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
       last_error = $2, next_attempt_at = COALESCE($3, next_attempt_at) WHERE id = $1`,
    [id, error, retryAt],
  )
}

/** Not sent yet, and not counted as an attempt: the row waits for something else to happen first. */
export async function postpone(db: Queryable, id: string, until: Date): Promise<void> {
  await db.query(
    `UPDATE notification_outbox SET attempts = greatest(attempts - 1, 0), next_attempt_at = $2 WHERE id = $1`,
    [id, until],
  )
}

/** The alert episode of a credential: still broken in that episode? */
export async function alertState(
  db: Queryable,
  credentialId: string,
): Promise<{ state: 'broken' | 'restored'; episode: number } | null> {
  const { rows } = await db.query(`SELECT state, episode FROM credential_alerts WHERE credential_id = $1`, [
    credentialId,
  ])
  return rows[0] ? { state: rows[0].state, episode: rows[0].episode } : null
}

export async function outboxStatus(db: Queryable, dedupeKey: string): Promise<OutboxRow['status'] | null> {
  const { rows } = await db.query(`SELECT status FROM notification_outbox WHERE dedupe_key = $1`, [dedupeKey])
  return rows[0]?.status ?? null
}

/** The account's recent notifications, newest first (the settings page lists them). */
export async function recentForAccount(db: Queryable, accountId: string, limit: number): Promise<OutboxRow[]> {
  const { rows } = await db.query(
    `SELECT ${outboxCols} FROM notification_outbox o WHERE o.account_id = $1 ORDER BY o.created_at DESC, o.id LIMIT $2`,
    [accountId, limit],
  )
  return rows.map(toOutbox)
}

/** Sent, skipped and failed emails older than `days` (the outbox keeps recent history only). */
export async function purgeFinished(db: Queryable, now: Date, days: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM notification_outbox WHERE status <> 'pending' AND created_at < $1::timestamptz - make_interval(days => $2)`,
    [now, days],
  )
  return rowCount ?? 0
}

/** Does another stored credential of the same link still work? (The email then says so.) */
export async function otherCredentialWorks(db: Queryable, credentialId: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT EXISTS (
       SELECT 1 FROM salesforce_credentials o JOIN salesforce_credentials c ON c.link_id = o.link_id
       WHERE c.id = $1 AND o.id <> c.id AND o.kind <> 'canvas' AND o.status IN ('ok', 'rate_limited')
     ) AS works`,
    [credentialId],
  )
  return rows[0]?.works === true
}

/** The Salesforce username of the account's current link, for previews. */
export async function linkedUsername(db: Queryable, accountId: string): Promise<string | null> {
  const { rows } = await db.query(
    `SELECT username FROM salesforce_links WHERE account_id = $1 ORDER BY last_seen_at DESC LIMIT 1`,
    [accountId],
  )
  return rows[0]?.username ?? null
}
