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

export async function findLinkBySalesforceUser(db: Queryable, organizationId: string, salesforceUserId: string): Promise<LinkRow | null> {
  const { rows } = await db.query(`SELECT ${cols} FROM salesforce_links WHERE organization_id = $1 AND salesforce_user_id = $2`, [
    organizationId,
    salesforceUserId,
  ])
  return rows[0] ? toLink(rows[0]) : null
}

export async function findLinkById(db: Queryable, accountId: string, linkId: string): Promise<LinkRow | null> {
  const { rows } = await db.query(`SELECT ${cols} FROM salesforce_links WHERE id = $1 AND account_id = $2`, [linkId, accountId])
  return rows[0] ? toLink(rows[0]) : null
}

export async function findLinkByIdUnscoped(db: Queryable, linkId: string): Promise<LinkRow | null> {
  const { rows } = await db.query(`SELECT ${cols} FROM salesforce_links WHERE id = $1`, [linkId])
  return rows[0] ? toLink(rows[0]) : null
}

/** The account's links, most recently seen first. */
export async function listLinksForAccount(db: Queryable, accountId: string): Promise<LinkRow[]> {
  const { rows } = await db.query(`SELECT ${cols} FROM salesforce_links WHERE account_id = $1 ORDER BY last_seen_at DESC`, [accountId])
  return rows.map(toLink)
}

export async function listAllLinkIds(db: Queryable): Promise<Array<{ id: string; accountId: string }>> {
  const { rows } = await db.query(`SELECT id, account_id FROM salesforce_links`)
  return rows.map((r) => ({ id: r.id, accountId: r.account_id }))
}

export async function insertLink(db: Queryable, accountId: string, identity: LinkIdentity): Promise<LinkRow> {
  const { rows } = await db.query(
    `INSERT INTO salesforce_links (account_id, organization_id, salesforce_user_id, instance_url, username, email, name)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${cols}`,
    [accountId, identity.organizationId, identity.salesforceUserId, identity.instanceUrl, identity.username, identity.email, identity.name],
  )
  return toLink(rows[0])
}

/** A verified visit by a linked user: refresh what Salesforce told us, in one statement; null when not linked. */
export async function touchLinkBySalesforceUser(db: Queryable, identity: LinkIdentity): Promise<LinkRow | null> {
  const { rows } = await db.query(
    `UPDATE salesforce_links SET instance_url = $3, username = $4, email = $5, name = $6, last_seen_at = now()
     WHERE organization_id = $1 AND salesforce_user_id = $2 RETURNING ${cols}`,
    [identity.organizationId, identity.salesforceUserId, identity.instanceUrl, identity.username, identity.email, identity.name],
  )
  return rows[0] ? toLink(rows[0]) : null
}

/** A verified visit: refresh what Salesforce told us about the user. */
export async function touchLink(db: Queryable, linkId: string, identity: LinkIdentity): Promise<LinkRow> {
  const { rows } = await db.query(
    `UPDATE salesforce_links SET instance_url = $2, username = $3, email = $4, name = $5, last_seen_at = now()
     WHERE id = $1 RETURNING ${cols}`,
    [linkId, identity.instanceUrl, identity.username, identity.email, identity.name],
  )
  return toLink(rows[0])
}
