/** All SQL for connections, the describe cache and the suppression look-up of pulls. Every connection query is scoped by account. */
import type { Queryable } from '../db/pool.js'
import type { ConnectionFilter, SupportedSObject } from '../salesforce/soql.js'

export interface ConnectionRow {
  id: string
  accountId: string
  name: string
  /** Checked against SUPPORTED_SOBJECTS on every write (server/src/contract/connections.ts). */
  sobject: SupportedSObject
  fields: string[]
  filters: ConnectionFilter[]
  logic: 'AND' | 'OR'
  excludeOptedOut: boolean
  requireEmail: boolean
  excludeSuppressed: boolean
  createdAt: Date
  updatedAt: Date
}

/** What a person edits: everything but identity and timestamps. */
export type ConnectionInput = Omit<ConnectionRow, 'id' | 'accountId' | 'createdAt' | 'updatedAt'>

/** The columns of a connection, named as {@link ConnectionRow}'s fields. */
const CONNECTION_COLUMNS = `id, account_id AS "accountId", name, sobject, fields, filters, logic,
  exclude_opted_out AS "excludeOptedOut", require_email AS "requireEmail",
  exclude_suppressed AS "excludeSuppressed", created_at AS "createdAt", updated_at AS "updatedAt"`

export async function listConnections(db: Queryable, accountId: string): Promise<ConnectionRow[]> {
  const { rows } = await db.query<ConnectionRow>(
    `SELECT ${CONNECTION_COLUMNS} FROM connections WHERE account_id = $1 ORDER BY lower(name), created_at`,
    [accountId],
  )
  return rows
}

export async function findConnection(db: Queryable, accountId: string, id: string): Promise<ConnectionRow | null> {
  const { rows } = await db.query<ConnectionRow>(
    `SELECT ${CONNECTION_COLUMNS} FROM connections WHERE id = $1 AND account_id = $2`,
    [id, accountId],
  )
  return rows[0] ?? null
}

export async function insertConnection(db: Queryable, accountId: string, c: ConnectionInput): Promise<ConnectionRow> {
  const { rows } = await db.query<ConnectionRow>(
    `INSERT INTO connections (account_id, name, sobject, fields, filters, logic, exclude_opted_out, require_email, exclude_suppressed)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${CONNECTION_COLUMNS}`,
    [
      accountId,
      c.name,
      c.sobject,
      JSON.stringify(c.fields),
      JSON.stringify(c.filters),
      c.logic,
      c.excludeOptedOut,
      c.requireEmail,
      c.excludeSuppressed,
    ],
  )
  return rows[0]
}

/** Replaces the definition; null when the connection is not the account's. */
export async function updateConnection(
  db: Queryable,
  accountId: string,
  id: string,
  c: ConnectionInput,
): Promise<ConnectionRow | null> {
  const { rows } = await db.query<ConnectionRow>(
    `UPDATE connections SET name = $3, sobject = $4, fields = $5, filters = $6, logic = $7,
       exclude_opted_out = $8, require_email = $9, exclude_suppressed = $10, updated_at = now(),
       health_state = NULL, health_code = NULL, health_message = NULL, health_field = NULL, health_checked_at = NULL
     WHERE id = $1 AND account_id = $2 RETURNING ${CONNECTION_COLUMNS}`,
    [
      id,
      accountId,
      c.name,
      c.sobject,
      JSON.stringify(c.fields),
      JSON.stringify(c.filters),
      c.logic,
      c.excludeOptedOut,
      c.requireEmail,
      c.excludeSuppressed,
    ],
  )
  return rows[0] ?? null
}

export async function deleteConnection(db: Queryable, accountId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM connections WHERE id = $1 AND account_id = $2`, [id, accountId])
  return (rowCount ?? 0) > 0
}

/** Copies a connection of the account as "Copy of <name>" (cut to `maxName` characters); null when not found. */
export async function copyConnection(
  db: Queryable,
  accountId: string,
  id: string,
  maxName: number,
): Promise<ConnectionRow | null> {
  const { rows } = await db.query<ConnectionRow>(
    `INSERT INTO connections (account_id, name, sobject, fields, filters, logic, exclude_opted_out, require_email, exclude_suppressed)
     SELECT account_id, left('Copy of ' || name, $3), sobject, fields, filters, logic, exclude_opted_out, require_email, exclude_suppressed
     FROM connections WHERE id = $1 AND account_id = $2
     RETURNING ${CONNECTION_COLUMNS}`,
    [id, accountId, maxName],
  )
  return rows[0] ?? null
}

// ---- describe cache ---------------------------------------------------------------------

/** A cached describe no older than `maxAgeSeconds`, or null. */
export async function findFreshDescribe(
  db: Queryable,
  organizationId: string,
  sobject: string,
  maxAgeSeconds: number,
): Promise<unknown | null> {
  const { rows } = await db.query(
    `SELECT body FROM describe_cache
     WHERE organization_id = $1 AND sobject = $2 AND fetched_at > now() - make_interval(secs => $3)`,
    [organizationId, sobject, maxAgeSeconds],
  )
  return rows[0] ? rows[0].body : null
}

export async function saveDescribe(
  db: Queryable,
  organizationId: string,
  sobject: string,
  body: unknown,
): Promise<void> {
  await db.query(
    `INSERT INTO describe_cache (organization_id, sobject, body, fetched_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (organization_id, sobject) DO UPDATE SET body = EXCLUDED.body, fetched_at = EXCLUDED.fetched_at`,
    [organizationId, sobject, JSON.stringify(body)],
  )
}

export async function deleteDescribe(db: Queryable, organizationId: string, sobject: string): Promise<void> {
  await db.query(`DELETE FROM describe_cache WHERE organization_id = $1 AND sobject = $2`, [organizationId, sobject])
}

// ---- connection health (migration 008) ---------------------------------------------------

export interface ConnectionHealthRow {
  connectionId: string
  state: 'ok' | 'broken'
  code: string | null
  message: string | null
  field: string | null
  checkedAt: Date
}

/**
 * Records the outcome of a check; a definition edited since the check started is left alone
 * (`checkedVersion` is the `updated_at` read, in JavaScript's millisecond precision).
 */
export async function saveHealth(
  db: Queryable,
  accountId: string,
  id: string,
  health: { state: 'ok' | 'broken'; code: string | null; message: string | null; field: string | null },
  checkedVersion?: Date,
): Promise<void> {
  await db.query(
    `UPDATE connections SET health_state = $3, health_code = $4, health_message = $5, health_field = $6, health_checked_at = now()
     WHERE id = $1 AND account_id = $2
       AND ($7::timestamptz IS NULL OR abs(extract(epoch FROM updated_at - $7::timestamptz)) < 0.001)`,
    [id, accountId, health.state, health.code, health.message, health.field, checkedVersion ?? null],
  )
}

/** The connection's last health verdict ('ok', 'broken', or null before any check). */
export async function healthStateOf(db: Queryable, accountId: string, id: string): Promise<'ok' | 'broken' | null> {
  const { rows } = await db.query<{ state: 'ok' | 'broken' | null }>(
    `SELECT health_state AS state FROM connections WHERE id = $1 AND account_id = $2`,
    [id, accountId],
  )
  return rows[0]?.state ?? null
}

export async function listHealth(db: Queryable, accountId: string): Promise<ConnectionHealthRow[]> {
  const { rows } = await db.query<ConnectionHealthRow>(
    `SELECT id AS "connectionId", health_state AS state, health_code AS code, health_message AS message,
       health_field AS field, health_checked_at AS "checkedAt"
     FROM connections WHERE account_id = $1 AND health_state IS NOT NULL`,
    [accountId],
  )
  return rows
}

// ---- suppression list (table suppressions, migration 004) --------------------------------

/** Which of these (normalised) addresses are on the account's suppression list. One query per pull page. */
export async function findSuppressedEmails(
  db: Queryable,
  accountId: string,
  emails: readonly string[],
): Promise<Set<string>> {
  if (emails.length === 0) return new Set()
  const { rows } = await db.query(`SELECT email FROM suppressions WHERE account_id = $1 AND email = ANY($2::text[])`, [
    accountId,
    emails,
  ])
  return new Set(rows.map((r) => r.email as string))
}
