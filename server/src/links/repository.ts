/** All SQL for salesforce_links. */
import type { Queryable } from '../db/pool.js'
import { SqlParams } from '../db/sql.js'

export interface LinkRow {
  id: string
  accountId: string
  organizationId: string
  salesforceUserId: string
  instanceUrl: string
  username: string
  email: string
  name: string
  linkedAt: Date
  lastSeenAt: Date
}

/** The columns of a link, named as {@link LinkRow}'s fields: `SELECT ${LINK_COLUMNS}` rows are LinkRows. */
export const LINK_COLUMNS = `id, account_id AS "accountId", organization_id AS "organizationId",
  salesforce_user_id AS "salesforceUserId", instance_url AS "instanceUrl", username, email, name,
  linked_at AS "linkedAt", last_seen_at AS "lastSeenAt"`

export interface LinkIdentity {
  organizationId: string
  salesforceUserId: string
  instanceUrl: string
  username: string
  email: string
  name: string
}

export async function findLinkBySalesforceUser(
  db: Queryable,
  organizationId: string,
  salesforceUserId: string,
): Promise<LinkRow | null> {
  const { rows } = await db.query<LinkRow>(
    `SELECT ${LINK_COLUMNS} FROM salesforce_links WHERE organization_id = $1 AND salesforce_user_id = $2`,
    [organizationId, salesforceUserId],
  )
  return rows[0] ?? null
}

export async function findLinkById(db: Queryable, accountId: string, linkId: string): Promise<LinkRow | null> {
  const { rows } = await db.query<LinkRow>(
    `SELECT ${LINK_COLUMNS} FROM salesforce_links WHERE id = $1 AND account_id = $2`,
    [linkId, accountId],
  )
  return rows[0] ?? null
}

export async function findLinkByIdUnscoped(db: Queryable, linkId: string): Promise<LinkRow | null> {
  const { rows } = await db.query<LinkRow>(`SELECT ${LINK_COLUMNS} FROM salesforce_links WHERE id = $1`, [linkId])
  return rows[0] ?? null
}

/** The account's links, most recently seen first. */
export async function listLinksForAccount(db: Queryable, accountId: string): Promise<LinkRow[]> {
  const { rows } = await db.query<LinkRow>(
    `SELECT ${LINK_COLUMNS} FROM salesforce_links WHERE account_id = $1 ORDER BY last_seen_at DESC`,
    [accountId],
  )
  return rows
}

export async function insertLink(db: Queryable, accountId: string, identity: LinkIdentity): Promise<LinkRow> {
  const { rows } = await db.query<LinkRow>(
    `INSERT INTO salesforce_links (account_id, organization_id, salesforce_user_id, instance_url, username, email, name)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${LINK_COLUMNS}`,
    [
      accountId,
      identity.organizationId,
      identity.salesforceUserId,
      identity.instanceUrl,
      identity.username,
      identity.email,
      identity.name,
    ],
  )
  return rows[0]
}

/**
 * A visit by the linked user: their Salesforce identity as Salesforce sent it now, and when
 * they were last seen. `onlyIf` is an SQL condition the update also needs (the canvas fast
 * path's "the signed request was accepted").
 */
export function refreshLinkSql(p: SqlParams, identity: LinkIdentity, onlyIf = 'true'): string {
  return `UPDATE salesforce_links SET instance_url = ${p.add(identity.instanceUrl)}, username = ${p.add(identity.username)},
       email = ${p.add(identity.email)}, name = ${p.add(identity.name)}, last_seen_at = now()
     WHERE organization_id = ${p.add(identity.organizationId)} AND salesforce_user_id = ${p.add(identity.salesforceUserId)}
       AND ${onlyIf}
     RETURNING ${LINK_COLUMNS}`
}

export async function refreshLink(db: Queryable, identity: LinkIdentity): Promise<LinkRow | null> {
  const p = new SqlParams()
  const { rows } = await db.query<LinkRow>(refreshLinkSql(p, identity), p.values)
  return rows[0] ?? null
}
