/** All SQL for salesforce_links. */
import type { Queryable } from '../db/pool.js'

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

const cols = `id, account_id, organization_id, salesforce_user_id, instance_url, username, email, name, linked_at, last_seen_at`
function toLink(r: any): LinkRow {
  return {
    id: r.id,
    accountId: r.account_id,
    organizationId: r.organization_id,
    salesforceUserId: r.salesforce_user_id,
    instanceUrl: r.instance_url,
    username: r.username,
    email: r.email,
    name: r.name,
    linkedAt: r.linked_at,
    lastSeenAt: r.last_seen_at,
  }
}

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
  const { rows } = await db.query(
    `SELECT ${cols} FROM salesforce_links WHERE organization_id = $1 AND salesforce_user_id = $2`,
    [organizationId, salesforceUserId],
  )
  return rows[0] ? toLink(rows[0]) : null
}

export async function findLinkById(db: Queryable, accountId: string, linkId: string): Promise<LinkRow | null> {
  const { rows } = await db.query(`SELECT ${cols} FROM salesforce_links WHERE id = $1 AND account_id = $2`, [
    linkId,
    accountId,
  ])
  return rows[0] ? toLink(rows[0]) : null
}

export async function findLinkByIdUnscoped(db: Queryable, linkId: string): Promise<LinkRow | null> {
  const { rows } = await db.query(`SELECT ${cols} FROM salesforce_links WHERE id = $1`, [linkId])
  return rows[0] ? toLink(rows[0]) : null
}

/** The account's links, most recently seen first. */
export async function listLinksForAccount(db: Queryable, accountId: string): Promise<LinkRow[]> {
  const { rows } = await db.query(
    `SELECT ${cols} FROM salesforce_links WHERE account_id = $1 ORDER BY last_seen_at DESC`,
    [accountId],
  )
  return rows.map(toLink)
}

export async function insertLink(db: Queryable, accountId: string, identity: LinkIdentity): Promise<LinkRow> {
  const { rows } = await db.query(
    `INSERT INTO salesforce_links (account_id, organization_id, salesforce_user_id, instance_url, username, email, name)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${cols}`,
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
  return toLink(rows[0])
}
