/**
 * The SQL of a linked user's visit. `POST /canvas` is the hot path (SPEC §4: it stays fast),
 * so a visit is two statements instead of one per table, each atomic on its own:
 * 1. refresh the link and its canvas credential row;
 * 2. store the new canvas token (encrypted by the caller), the session and the audit entry.
 * The tables belong to other domains; their other queries stay in their own repositories.
 */
import type { Queryable } from '../db/pool.js'
import type { LinkIdentity, LinkRow } from '../links/repository.js'
import type { SessionRow } from '../accounts/repository.js'

export async function recordLinkedVisit(
  db: Queryable,
  identity: LinkIdentity,
  canvasTtlSeconds: number,
): Promise<{ link: LinkRow; canvasCredentialId: string } | null> {
  const { rows } = await db.query(
    `WITH l AS (
       UPDATE salesforce_links SET instance_url = $3, username = $4, email = $5, name = $6, last_seen_at = now()
       WHERE organization_id = $1 AND salesforce_user_id = $2
       RETURNING id, account_id, organization_id, salesforce_user_id, instance_url, username, email, name, linked_at, last_seen_at
     ), c AS (
       INSERT INTO salesforce_credentials (link_id, kind, username, instance_url, login_url, expires_at, last_success_at)
       SELECT id, 'canvas', $4, $3, $3, now() + make_interval(secs => $7), now() FROM l
       ON CONFLICT (link_id, kind) DO UPDATE SET
         username = EXCLUDED.username, instance_url = EXCLUDED.instance_url, login_url = EXCLUDED.login_url,
         expires_at = EXCLUDED.expires_at, last_success_at = now(), status = 'ok', reason = NULL,
         version = salesforce_credentials.version + 1, updated_at = now()
       RETURNING id
     )
     SELECT l.*, c.id AS canvas_credential_id FROM l, c`,
    [
      identity.organizationId,
      identity.salesforceUserId,
      identity.instanceUrl,
      identity.username,
      identity.email,
      identity.name,
      canvasTtlSeconds,
    ],
  )
  const r = rows[0]
  if (!r) return null
  return {
    link: {
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
    },
    canvasCredentialId: r.canvas_credential_id,
  }
}

export async function saveVisit(
  db: Queryable,
  v: {
    token: { credentialId: string; keyId: string; ciphertext: Buffer }
    session: { accountId: string; linkId: string; ttlSeconds: number; ip: string | null; userAgent: string | null }
    audit: { ip: string | null }
  },
): Promise<SessionRow> {
  const { rows } = await db.query(
    `WITH secret AS (
       INSERT INTO encrypted_secrets (owner_kind, owner_id, name, key_id, ciphertext)
       VALUES ('credential', $1, 'accessToken', $2, $3)
       ON CONFLICT (owner_kind, owner_id, name) DO UPDATE SET key_id = EXCLUDED.key_id, ciphertext = EXCLUDED.ciphertext, updated_at = now()
     ), audit AS (
       INSERT INTO audit_log (account_id, link_id, event, outcome, ip, detail)
       VALUES ($4, $5, 'canvas.visit', 'success', $7, '{"linked":true}')
     )
     INSERT INTO sessions (account_id, kind, link_id, expires_at, ip, user_agent)
     VALUES ($4, 'canvas', $5, now() + make_interval(secs => $6), $7, $8)
     RETURNING id, account_id, kind, link_id, pending_identity, created_at, expires_at, revoked_at`,
    [
      v.token.credentialId,
      v.token.keyId,
      v.token.ciphertext,
      v.session.accountId,
      v.session.linkId,
      v.session.ttlSeconds,
      v.session.ip,
      v.session.userAgent?.slice(0, 300) ?? null,
    ],
  )
  const r = rows[0]
  return {
    id: r.id,
    accountId: r.account_id,
    kind: r.kind,
    linkId: r.link_id,
    pendingIdentity: r.pending_identity,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  }
}
