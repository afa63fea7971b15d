/** All SQL for salesforce_credentials (the secrets themselves live in encrypted_secrets). */
import type { Queryable } from '../db/pool.js'
import { SqlParams } from '../db/sql.js'

export type CredentialKind = 'canvas' | 'oauth_refresh' | 'jwt_bearer' | 'password_token'
export type CredentialStatus = 'ok' | 'needs_attention' | 'rate_limited'

export interface CredentialRow {
  id: string
  linkId: string
  kind: CredentialKind
  status: CredentialStatus
  reason: string | null
  username: string | null
  environment: string | null
  loginUrl: string | null
  instanceUrl: string | null
  version: number
  expiresAt: Date | null
  lastSuccessAt: Date | null
  lastFailureAt: Date | null
  failureCount: number
  retryAfter: Date | null
  accessInstanceUrl: string | null
  accessObtainedAt: Date | null
  accessVersion: number | null
  loginLeaseUntil: Date | null
  /** When the person last stored or changed this credential (a new version). */
  savedAt: Date
  updatedAt: Date
}

/** The columns of a credential, named as {@link CredentialRow}'s fields: `SELECT ${CREDENTIAL_COLUMNS}` rows are CredentialRows. */
const CREDENTIAL_COLUMNS = `id, link_id AS "linkId", kind, status, reason, username, environment, login_url AS "loginUrl",
  instance_url AS "instanceUrl", version, expires_at AS "expiresAt", last_success_at AS "lastSuccessAt",
  last_failure_at AS "lastFailureAt", failure_count AS "failureCount", retry_after AS "retryAfter",
  access_instance_url AS "accessInstanceUrl", access_obtained_at AS "accessObtainedAt",
  access_version AS "accessVersion", login_lease_until AS "loginLeaseUntil", saved_at AS "savedAt",
  updated_at AS "updatedAt"`

export async function listCredentials(db: Queryable, linkId: string): Promise<CredentialRow[]> {
  const { rows } = await db.query<CredentialRow>(
    `SELECT ${CREDENTIAL_COLUMNS} FROM salesforce_credentials WHERE link_id = $1`,
    [linkId],
  )
  return rows
}

export async function findCredential(
  db: Queryable,
  linkId: string,
  kind: CredentialKind,
): Promise<CredentialRow | null> {
  const { rows } = await db.query<CredentialRow>(
    `SELECT ${CREDENTIAL_COLUMNS} FROM salesforce_credentials WHERE link_id = $1 AND kind = $2`,
    [linkId, kind],
  )
  return rows[0] ?? null
}

export async function findCredentialById(db: Queryable, id: string): Promise<CredentialRow | null> {
  const { rows } = await db.query<CredentialRow>(
    `SELECT ${CREDENTIAL_COLUMNS} FROM salesforce_credentials WHERE id = $1`,
    [id],
  )
  return rows[0] ?? null
}

/**
 * Creates or replaces a link's credential of one kind. A replacement is a change by the
 * person: status back to ok, failures cleared, version bumped (closing the circuit), and
 * the cached access token forgotten.
 */
export async function upsertCredential(
  db: Queryable,
  c: {
    linkId: string
    kind: CredentialKind
    username?: string | null
    environment?: string | null
    loginUrl?: string | null
    instanceUrl?: string | null
    expiresAt?: Date | null
    succeeded?: boolean
  },
): Promise<CredentialRow> {
  const { rows } = await db.query<CredentialRow>(
    `INSERT INTO salesforce_credentials (link_id, kind, username, environment, login_url, instance_url, expires_at, last_success_at, saved_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8 THEN now() END, clock_timestamp())
     ON CONFLICT (link_id, kind) DO UPDATE SET
       username = EXCLUDED.username, environment = EXCLUDED.environment, login_url = EXCLUDED.login_url,
       instance_url = EXCLUDED.instance_url, expires_at = EXCLUDED.expires_at,
       status = 'ok', reason = NULL, failure_count = 0, retry_after = NULL,
       last_success_at = COALESCE(EXCLUDED.last_success_at, salesforce_credentials.last_success_at),
       version = salesforce_credentials.version + 1,
       access_instance_url = NULL, access_obtained_at = NULL, access_version = NULL,
       login_lease_until = NULL, login_lease_owner = NULL, saved_at = clock_timestamp(), updated_at = now()
     RETURNING ${CREDENTIAL_COLUMNS}`,
    [
      c.linkId,
      c.kind,
      c.username ?? null,
      c.environment ?? null,
      c.loginUrl ?? null,
      c.instanceUrl ?? null,
      c.expiresAt ?? null,
      c.succeeded ?? false,
    ],
  )
  return rows[0]
}

export interface CanvasCredential {
  username: string
  instanceUrl: string
  ttlSeconds: number
}

/**
 * The live canvas token of a verified visit: a new session each time, so the row is
 * refreshed in place (status ok, fresh expiry) and its id returned for the secret.
 * `link` is where the link id comes from: a value, or (the canvas fast path,
 * server/src/canvas/repository.ts) a column of an earlier part of the statement.
 */
export function upsertCanvasCredentialSql(
  p: SqlParams,
  c: CanvasCredential,
  link: { linkId: string } | { column: string; from: string },
): string {
  const [linkId, from] = 'linkId' in link ? [`${p.add(link.linkId)}::uuid`, ''] : [link.column, ` FROM ${link.from}`]
  const instanceUrl = p.add(c.instanceUrl)
  return `INSERT INTO salesforce_credentials (link_id, kind, username, instance_url, login_url, expires_at, last_success_at)
     SELECT ${linkId}, 'canvas', ${p.add(c.username)}::text, ${instanceUrl}::text, ${instanceUrl}::text,
       now() + make_interval(secs => ${p.add(c.ttlSeconds)}), now()${from}
     ON CONFLICT (link_id, kind) DO UPDATE SET
       username = EXCLUDED.username, instance_url = EXCLUDED.instance_url, login_url = EXCLUDED.login_url,
       expires_at = EXCLUDED.expires_at, last_success_at = now(), status = 'ok', reason = NULL,
       version = salesforce_credentials.version + 1, updated_at = now()
     RETURNING id`
}

export async function upsertCanvasCredential(db: Queryable, c: CanvasCredential & { linkId: string }): Promise<string> {
  const p = new SqlParams()
  const { rows } = await db.query<{ id: string }>(upsertCanvasCredentialSql(p, c, { linkId: c.linkId }), p.values)
  return rows[0].id
}

/** The person changed part of the credential (new token after a reset): same effects as a replacement. */
export async function bumpCredentialVersion(db: Queryable, id: string, succeeded: boolean): Promise<CredentialRow> {
  const { rows } = await db.query<CredentialRow>(
    `UPDATE salesforce_credentials SET status = 'ok', reason = NULL, failure_count = 0, retry_after = NULL,
       last_success_at = CASE WHEN $2 THEN now() ELSE last_success_at END,
       version = version + 1, access_instance_url = NULL, access_obtained_at = NULL, access_version = NULL,
       login_lease_until = NULL, login_lease_owner = NULL, saved_at = clock_timestamp(), updated_at = now()
     WHERE id = $1 RETURNING ${CREDENTIAL_COLUMNS}`,
    [id, succeeded],
  )
  return rows[0]
}

export async function deleteCredentials(db: Queryable, linkId: string, kinds: CredentialKind[]): Promise<string[]> {
  const { rows } = await db.query(
    `DELETE FROM salesforce_credentials WHERE link_id = $1 AND kind = ANY($2) RETURNING id`,
    [linkId, kinds],
  )
  return rows.map((r) => r.id)
}

/** Records a successful login: the new access token's metadata (the token itself goes to encrypted_secrets). */
export async function recordLoginSuccess(
  db: Queryable,
  id: string,
  version: number,
  accessInstanceUrl: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE salesforce_credentials SET status = 'ok', reason = NULL, failure_count = 0, retry_after = NULL,
       last_success_at = now(), access_instance_url = $3, access_obtained_at = date_trunc('milliseconds', now()), access_version = $2,
       login_lease_until = NULL, login_lease_owner = NULL, updated_at = now()
     WHERE id = $1 AND version = $2`,
    [id, version, accessInstanceUrl],
  )
  return rowCount === 1
}

/** Opens the circuit (credential errors) or backs off (rate limits, outages) for this version only. */
export async function recordLoginFailure(
  db: Queryable,
  id: string,
  version: number,
  f: { status: CredentialStatus; reason: string; retryAfterSeconds: number | null },
): Promise<void> {
  await db.query(
    `UPDATE salesforce_credentials SET status = $3, reason = $4, failure_count = failure_count + 1, last_failure_at = now(),
       retry_after = CASE WHEN $5::int IS NULL THEN NULL ELSE now() + make_interval(secs => $5::int) END,
       access_obtained_at = NULL, access_version = NULL, login_lease_until = NULL, login_lease_owner = NULL, updated_at = now()
     WHERE id = $1 AND version = $2`,
    [id, version, f.status, f.reason, f.retryAfterSeconds],
  )
}

/** Salesforce limits were hit during API calls: back off, but keep the (still valid) session. */
export async function markRateLimited(db: Queryable, id: string, retryAfterSeconds: number): Promise<void> {
  await db.query(
    `UPDATE salesforce_credentials SET status = CASE WHEN status = 'ok' THEN 'rate_limited' ELSE status END,
       reason = CASE WHEN status = 'ok' THEN 'SF_RATE_LIMITED' ELSE reason END,
       failure_count = failure_count + 1, retry_after = now() + make_interval(secs => $2), updated_at = now()
     WHERE id = $1`,
    [id, retryAfterSeconds],
  )
}

/** Marks success of an API call made with the cached session (keeps lastSuccessAt honest). */
export async function touchSuccess(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE salesforce_credentials SET last_success_at = now(),
       status = CASE WHEN status = 'rate_limited' THEN 'ok' ELSE status END,
       reason = CASE WHEN status = 'rate_limited' THEN NULL ELSE reason END
     WHERE id = $1 AND last_success_at < now() - interval '30 seconds'`,
    [id],
  )
}

/**
 * Takes the login lease for a credential version: one login at a time across every
 * instance, without holding a transaction open during the HTTP call.
 */
export async function tryTakeLoginLease(
  db: Queryable,
  id: string,
  version: number,
  owner: string,
  seconds: number,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE salesforce_credentials SET login_lease_until = now() + make_interval(secs => $4), login_lease_owner = $3
     WHERE id = $1 AND version = $2 AND (login_lease_until IS NULL OR login_lease_until < now())
       -- Re-checked here, atomically: a login that failed a moment ago must stop every other caller.
       AND status <> 'needs_attention' AND (retry_after IS NULL OR retry_after < now())`,
    [id, version, owner, seconds],
  )
  return rowCount === 1
}

export async function releaseLoginLease(db: Queryable, id: string, owner: string): Promise<void> {
  await db.query(
    `UPDATE salesforce_credentials SET login_lease_until = NULL, login_lease_owner = NULL WHERE id = $1 AND login_lease_owner = $2`,
    [id, owner],
  )
}

/** The cached session was rejected (401): forget it so the next caller logs in again. */
export async function invalidateAccess(db: Queryable, id: string, obtainedAt: Date | null): Promise<void> {
  await db.query(
    `UPDATE salesforce_credentials SET access_obtained_at = NULL, access_version = NULL
     WHERE id = $1 AND access_obtained_at IS NOT DISTINCT FROM $2`,
    [id, obtainedAt],
  )
}
