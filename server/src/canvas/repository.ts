/**
 * The SQL of a canvas visit. `POST /canvas` is the hot path (it stays fast), so a linked
 * user's visit is two statements instead of one per table, each atomic on its own:
 * 1. note the signed request as seen and, if it may be accepted, refresh the link and its
 *    canvas credential row;
 * 2. store the new canvas token (encrypted by the caller), the session and the audit entry.
 * The tables belong to other domains; their other queries stay in their own repositories.
 */
import type { Queryable } from '../db/pool.js'
import type { LinkIdentity, LinkRow } from '../links/repository.js'
import type { SessionRow } from '../http/session-repository.js'

export interface VisitRecord {
  /** How often this signed request has been presented, this time included (1 = first sight). */
  seenCount: number
  /** Accepted without proof: first seen within the window (or proven by the caller). */
  accepted: boolean
  /** The link and its canvas credential, refreshed, when the request was accepted and the user is linked. */
  linked: { link: LinkRow; canvasCredentialId: string } | null
}

/**
 * Statement 1 of a visit. Records the signed request's digest (first sight inserts it, a
 * replay counts up) and, only when the request is accepted (first seen less than
 * `freshSeconds` ago, or `proven` by its OAuth token), refreshes the link and its canvas
 * credential, all in one round trip.
 */
export async function recordVisit(
  db: Queryable,
  identity: LinkIdentity,
  v: { digest: Buffer; freshSeconds: number; proven: boolean; canvasTtlSeconds: number },
): Promise<VisitRecord> {
  const { rows } = await db.query(
    `WITH seen AS (
       INSERT INTO canvas_signed_requests AS s (digest) VALUES ($8)
       ON CONFLICT (digest) DO UPDATE SET seen_count = s.seen_count + 1
       RETURNING seen_count, $10 OR first_seen_at > now() - make_interval(secs => $9) AS accepted
     ), l AS (
       UPDATE salesforce_links SET instance_url = $3, username = $4, email = $5, name = $6, last_seen_at = now()
       WHERE organization_id = $1 AND salesforce_user_id = $2 AND (SELECT accepted FROM seen)
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
     SELECT seen.seen_count, seen.accepted, l.*, c.id AS canvas_credential_id
     FROM seen LEFT JOIN l ON true LEFT JOIN c ON true`,
    [
      identity.organizationId,
      identity.salesforceUserId,
      identity.instanceUrl,
      identity.username,
      identity.email,
      identity.name,
      v.canvasTtlSeconds,
      v.digest,
      v.freshSeconds,
      v.proven,
    ],
  )
  const r = rows[0]
  return {
    seenCount: r.seen_count,
    accepted: r.accepted,
    linked:
      r.id && r.canvas_credential_id
        ? {
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
        : null,
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
