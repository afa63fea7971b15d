/**
 * The SQL of a canvas visit. enterVisit (below) does a whole visit in one statement; recordVisit
 * and saveVisit are the two-statement way it falls back on the first time a process sees a user.
 * `POST /canvas` is the hot path (it stays fast), so a linked
 * user's visit is two statements instead of one per table, each atomic on its own:
 * 1. note the signed request as seen and, if it may be accepted, refresh the link and its
 *    canvas credential row;
 * 2. store the new canvas token (sealed by SecretStore), the session and the audit entry.
 * `canvas_signed_requests` is this domain's own table. The other parts are the owning
 * repositories' fragments (links, salesforce credentials, secrets, sessions, audit), so their
 * SQL is written once; test/canvas/fast-path-rows.test.ts proves both ways write the same rows.
 */
import type { Queryable } from '../db/pool.js'
import { SqlParams } from '../db/sql.js'
import { refreshLinkSql, type LinkIdentity, type LinkRow } from '../links/repository.js'
import { insertSessionSql, type SessionRow } from '../http/session-repository.js'
import { upsertCanvasCredentialSql } from '../links/credentials-repository.js'
import { upsertSecretSql, type SecretRow } from '../crypto/secrets-repository.js'
import { insertAuditEntrySql } from '../audit/repository.js'

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
  const p = new SqlParams()
  const { rows } = await db.query<
    { seenCount: number; accepted: boolean; canvasCredentialId: string | null } & Partial<LinkRow>
  >(
    `WITH seen AS (
       INSERT INTO canvas_signed_requests AS s (digest) VALUES (${p.add(v.digest)})
       ON CONFLICT (digest) DO UPDATE SET seen_count = s.seen_count + 1
       RETURNING seen_count, ${p.add(v.proven)} OR first_seen_at > now() - make_interval(secs => ${p.add(v.freshSeconds)}) AS accepted
     ), l AS (
       ${refreshLinkSql(p, identity, '(SELECT accepted FROM seen)')}
     ), c AS (
       ${upsertCanvasCredentialSql(
         p,
         { username: identity.username, instanceUrl: identity.instanceUrl, ttlSeconds: v.canvasTtlSeconds },
         { column: 'l.id', from: 'l' },
       )}
     )
     SELECT seen.seen_count AS "seenCount", seen.accepted, c.id AS "canvasCredentialId", l.*
     FROM seen LEFT JOIN l ON true LEFT JOIN c ON true`,
    p.values,
  )
  const { seenCount, accepted, canvasCredentialId, ...link } = rows[0]
  return {
    seenCount,
    accepted,
    linked: link.id && canvasCredentialId ? { link: link as LinkRow, canvasCredentialId } : null,
  }
}

/** Statement 2 of a linked user's visit: the sealed canvas token, the session and the audit entry. */
export async function saveVisit(
  db: Queryable,
  v: {
    token: SecretRow
    session: { accountId: string; linkId: string; ttlSeconds: number; ip: string | null; userAgent: string | null }
  },
): Promise<SessionRow> {
  const p = new SqlParams()
  const { rows } = await db.query<SessionRow>(
    `WITH secret AS (
       ${upsertSecretSql(p, v.token)}
     ), audit AS (
       ${insertAuditEntrySql(p, {
         accountId: v.session.accountId,
         linkId: v.session.linkId,
         event: 'canvas.visit',
         outcome: 'success',
         ip: v.session.ip,
         detail: { linked: true },
       })}
     )
     ${insertSessionSql(p, { ...v.session, kind: 'canvas' })}`,
    p.values,
  )
  return rows[0]
}

/** A secret sealed by the caller, ready to store. */
export interface SealedValue {
  keyId: string
  ciphertext: Buffer
}

export interface VisitOutcome extends VisitRecord {
  /** The linked user's canvas session, when inserted by this statement (the caller knew the credential ID). */
  linkedSession: SessionRow | null
  /** The first visit's pending-link session, when inserted by this statement. */
  pendingSession: SessionRow | null
  /** The link's stored oauth_refresh credential and its sealed refresh token, to compare with the request's. */
  storedRefresh: { credentialId: string; status: string; secret: SealedValue | null } | null
}

/** What enterVisit and enterVisits need of one visit besides the user's identity. */
export interface VisitInput {
  digest: Buffer
  freshSeconds: number
  proven: boolean
  canvasTtlSeconds: number
  sessionTtlSeconds: number
  ip: string | null
  userAgent: string | null
  linked: { credentialId: string; accessToken: SealedValue } | null
  pending: { sessionId: string; oauthToken: SealedValue; refreshToken: SealedValue | null } | null
}

/**
 * A whole visit in one statement (one round trip), all of it atomic. The hot path's own SQL,
 * written out in one place: what recordVisit and saveVisit do with the owners' fragments, plus the
 * first visit's pending session (test/canvas/canvas-entry-statements.test.ts checks its rows):
 * - the signed request's digest is recorded (as in recordVisit);
 * - accepted and linked: the link and its canvas credential are refreshed and, when the caller
 *   guessed the canvas credential's ID right (`linked.credentialId`, which its access token was
 *   sealed for), the token, the canvas session and the audit entry are stored; the link's
 *   stored refresh token comes back for comparison;
 * - accepted and not linked: with `pending` given, the pending-link session (its ID chosen by
 *   the caller, which the tokens were sealed for), its tokens (the refresh token only on first
 *   sight of the request) and the audit entry are stored.
 * Whatever the guess missed is reported as not inserted, and the caller completes it with
 * saveVisit or its own transaction.
 */
export async function enterVisit(db: Queryable, identity: LinkIdentity, v: VisitInput): Promise<VisitOutcome> {
  const { rows } = await db.query({
    // Named: Postgres parses and plans this large statement once per connection, not on every visit.
    name: 'canvas-enter-visit',
    text: `WITH seen AS (
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
     ), tok AS (
       INSERT INTO encrypted_secrets (owner_kind, owner_id, name, key_id, ciphertext)
       SELECT 'credential', c.id, 'accessToken', $12::text, $13::bytea FROM c WHERE c.id = $11::uuid
       ON CONFLICT (owner_kind, owner_id, name) DO UPDATE SET key_id = EXCLUDED.key_id, ciphertext = EXCLUDED.ciphertext, updated_at = now()
     ), ls AS (
       INSERT INTO sessions (account_id, kind, link_id, expires_at, ip, user_agent)
       SELECT l.account_id, 'canvas', l.id, now() + make_interval(secs => $14), $15, $16 FROM l, c WHERE c.id = $11::uuid
       RETURNING id, account_id, kind, link_id, pending_identity, created_at, expires_at, revoked_at
     ), la AS (
       INSERT INTO audit_log (account_id, link_id, event, outcome, ip, detail)
       SELECT account_id, link_id, 'canvas.visit', 'success', $15, '{"linked":true}' FROM ls
     ), rt AS (
       SELECT cr.id, cr.status, es.key_id, es.ciphertext
       FROM salesforce_credentials cr
       LEFT JOIN encrypted_secrets es ON es.owner_kind = 'credential' AND es.owner_id = cr.id AND es.name = 'refreshToken'
       WHERE cr.link_id = (SELECT id FROM l) AND cr.kind = 'oauth_refresh'
     ), ps AS (
       INSERT INTO sessions (id, account_id, kind, pending_identity, expires_at, ip, user_agent)
       SELECT $17::uuid, NULL, 'pending_link', $18::jsonb, now() + make_interval(secs => $14), $15, $16
       WHERE $17::uuid IS NOT NULL AND (SELECT accepted FROM seen) AND NOT EXISTS (SELECT 1 FROM l)
       RETURNING id, account_id, kind, link_id, pending_identity, created_at, expires_at, revoked_at
     ), pt AS (
       INSERT INTO encrypted_secrets (owner_kind, owner_id, name, key_id, ciphertext)
       SELECT 'canvas', ps.id, 'oauthToken', $19::text, $20::bytea FROM ps
       UNION ALL
       SELECT 'canvas', ps.id, 'refreshToken', $21::text, $22::bytea FROM ps WHERE $22::bytea IS NOT NULL AND (SELECT seen_count FROM seen) = 1
     ), pa AS (
       INSERT INTO audit_log (account_id, link_id, event, outcome, ip, detail)
       SELECT NULL, NULL, 'canvas.visit', 'success', $15, $23::jsonb FROM ps
     )
     SELECT seen.seen_count, seen.accepted, l.*, c.id AS canvas_credential_id,
       to_jsonb(ls.*) AS linked_session, to_jsonb(ps.*) AS pending_session,
       rt.id AS refresh_id, rt.status AS refresh_status, rt.key_id AS refresh_key_id, rt.ciphertext AS refresh_ciphertext
     FROM seen LEFT JOIN l ON true LEFT JOIN c ON true LEFT JOIN ls ON true LEFT JOIN ps ON true LEFT JOIN rt ON true`,
    values: [
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
      v.linked?.credentialId ?? null,
      v.linked?.accessToken.keyId ?? null,
      v.linked?.accessToken.ciphertext ?? null,
      v.sessionTtlSeconds,
      v.ip,
      v.userAgent?.slice(0, 300) ?? null,
      v.pending?.sessionId ?? null,
      JSON.stringify(identity),
      v.pending?.oauthToken.keyId ?? null,
      v.pending?.oauthToken.ciphertext ?? null,
      v.pending?.refreshToken?.keyId ?? null,
      v.pending?.refreshToken?.ciphertext ?? null,
      pendingAuditDetail(identity),
    ],
  })
  return outcomeOf(rows[0])
}

/** One result row of enterVisit / enterVisits, as the caller sees it. */
function outcomeOf(r: any): VisitOutcome {
  const session = (j: any): SessionRow | null =>
    j
      ? {
          id: j.id,
          accountId: j.account_id,
          kind: j.kind,
          linkId: j.link_id,
          pendingIdentity: j.pending_identity,
          createdAt: new Date(j.created_at),
          expiresAt: new Date(j.expires_at),
          revokedAt: j.revoked_at ? new Date(j.revoked_at) : null,
        }
      : null
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
    linkedSession: session(r.linked_session),
    pendingSession: session(r.pending_session),
    storedRefresh: r.refresh_id
      ? {
          credentialId: r.refresh_id,
          status: r.refresh_status,
          secret: r.refresh_ciphertext ? { keyId: r.refresh_key_id, ciphertext: r.refresh_ciphertext } : null,
        }
      : null,
  }
}

/** The audit detail of a first (not linked) visit. */
const pendingAuditDetail = (identity: LinkIdentity) =>
  JSON.stringify({
    linked: false,
    organizationId: identity.organizationId,
    salesforceUserId: identity.salesforceUserId,
  })

/**
 * Several visits in one statement and one commit (group commit, see canvas/visit-batcher.ts):
 * enterVisit's statement driven by one row per visit (`unnest` of one array per parameter), each
 * visit's rows joined back to it by its ordinal, one result per visit in the given order. The
 * caller keeps two visits of the same signed request or the same user out of one batch (an upsert
 * cannot touch a row twice in one statement) and the same `freshSeconds` / `canvasTtlSeconds` for all.
 */
export async function enterVisits(
  db: Queryable,
  visits: readonly { identity: LinkIdentity; v: VisitInput }[],
): Promise<VisitOutcome[]> {
  const col = <T>(f: (x: { identity: LinkIdentity; v: VisitInput }) => T): T[] => visits.map(f)
  const { rows } = await db.query({
    name: 'canvas-enter-visits',
    text: `WITH v AS MATERIALIZED (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[],
         $8::bool[], $9::uuid[], $10::text[], $11::bytea[], $12::float8[], $13::text[], $14::text[], $15::uuid[],
         $16::jsonb[], $17::text[], $18::bytea[], $19::text[], $20::bytea[], $21::jsonb[])
       WITH ORDINALITY AS v(org, sf_user, instance_url, username, email, name, digest, proven, cred_id, tok_key, tok_ct,
         session_ttl, ip, user_agent, pending_id, pending_identity, pt_key, pt_ct, rt_key, rt_ct, pa_detail, i)
     ), seen AS (
       INSERT INTO canvas_signed_requests AS s (digest) SELECT digest FROM v ORDER BY i
       ON CONFLICT (digest) DO UPDATE SET seen_count = s.seen_count + 1
       RETURNING digest, seen_count, first_seen_at
     ), sv AS (
       SELECT v.i, seen.seen_count, v.proven OR seen.first_seen_at > now() - make_interval(secs => $22) AS accepted
       FROM v JOIN seen ON seen.digest = v.digest
     ), l AS (
       UPDATE salesforce_links sl SET instance_url = v.instance_url, username = v.username, email = v.email, name = v.name, last_seen_at = now()
       FROM v JOIN sv ON sv.i = v.i
       WHERE sl.organization_id = v.org AND sl.salesforce_user_id = v.sf_user AND sv.accepted
       RETURNING v.i, sl.id, sl.account_id, sl.organization_id, sl.salesforce_user_id, sl.instance_url, sl.username, sl.email, sl.name, sl.linked_at, sl.last_seen_at
     ), c AS (
       INSERT INTO salesforce_credentials (link_id, kind, username, instance_url, login_url, expires_at, last_success_at)
       SELECT l.id, 'canvas', l.username, l.instance_url, l.instance_url, now() + make_interval(secs => $23), now() FROM l ORDER BY l.id
       ON CONFLICT (link_id, kind) DO UPDATE SET
         username = EXCLUDED.username, instance_url = EXCLUDED.instance_url, login_url = EXCLUDED.login_url,
         expires_at = EXCLUDED.expires_at, last_success_at = now(), status = 'ok', reason = NULL,
         version = salesforce_credentials.version + 1, updated_at = now()
       RETURNING id, link_id
     ), lc AS (
       SELECT l.i, l.id AS link_id, l.account_id, c.id AS cred_id, c.id = v.cred_id AS guessed, v.ip, v.user_agent, v.session_ttl, v.tok_key, v.tok_ct
       FROM l JOIN c ON c.link_id = l.id JOIN v ON v.i = l.i
     ), tok AS (
       INSERT INTO encrypted_secrets (owner_kind, owner_id, name, key_id, ciphertext)
       SELECT 'credential', cred_id, 'accessToken', tok_key, tok_ct FROM lc WHERE guessed
       ON CONFLICT (owner_kind, owner_id, name) DO UPDATE SET key_id = EXCLUDED.key_id, ciphertext = EXCLUDED.ciphertext, updated_at = now()
     ), ls AS (
       INSERT INTO sessions (account_id, kind, link_id, expires_at, ip, user_agent)
       SELECT account_id, 'canvas', link_id, now() + make_interval(secs => session_ttl), ip, user_agent FROM lc WHERE guessed
       RETURNING id, account_id, kind, link_id, pending_identity, created_at, expires_at, revoked_at
     ), la AS (
       INSERT INTO audit_log (account_id, link_id, event, outcome, ip, detail)
       SELECT ls.account_id, ls.link_id, 'canvas.visit', 'success', lc.ip, '{"linked":true}' FROM ls JOIN lc ON lc.link_id = ls.link_id
     ), rt AS (
       SELECT l.i, cr.id, cr.status, es.key_id, es.ciphertext
       FROM l JOIN salesforce_credentials cr ON cr.link_id = l.id AND cr.kind = 'oauth_refresh'
       LEFT JOIN encrypted_secrets es ON es.owner_kind = 'credential' AND es.owner_id = cr.id AND es.name = 'refreshToken'
     ), ps AS (
       INSERT INTO sessions (id, account_id, kind, pending_identity, expires_at, ip, user_agent)
       SELECT v.pending_id, NULL, 'pending_link', v.pending_identity, now() + make_interval(secs => v.session_ttl), v.ip, v.user_agent
       FROM v JOIN sv ON sv.i = v.i
       WHERE v.pending_id IS NOT NULL AND sv.accepted AND NOT EXISTS (SELECT 1 FROM l WHERE l.i = v.i)
       RETURNING id, account_id, kind, link_id, pending_identity, created_at, expires_at, revoked_at
     ), pt AS (
       INSERT INTO encrypted_secrets (owner_kind, owner_id, name, key_id, ciphertext)
       SELECT 'canvas', ps.id, 'oauthToken', v.pt_key, v.pt_ct FROM ps JOIN v ON v.pending_id = ps.id
       UNION ALL
       SELECT 'canvas', ps.id, 'refreshToken', v.rt_key, v.rt_ct FROM ps JOIN v ON v.pending_id = ps.id JOIN sv ON sv.i = v.i
       WHERE v.rt_ct IS NOT NULL AND sv.seen_count = 1
     ), pa AS (
       INSERT INTO audit_log (account_id, link_id, event, outcome, ip, detail)
       SELECT NULL, NULL, 'canvas.visit', 'success', v.ip, v.pa_detail FROM ps JOIN v ON v.pending_id = ps.id
     )
     SELECT sv.i, sv.seen_count, sv.accepted, l.id, l.account_id, l.organization_id, l.salesforce_user_id, l.instance_url,
       l.username, l.email, l.name, l.linked_at, l.last_seen_at, lc.cred_id AS canvas_credential_id,
       to_jsonb(ls.*) AS linked_session, to_jsonb(ps.*) AS pending_session,
       rt.id AS refresh_id, rt.status AS refresh_status, rt.key_id AS refresh_key_id, rt.ciphertext AS refresh_ciphertext
     FROM sv JOIN v ON v.i = sv.i LEFT JOIN l ON l.i = sv.i LEFT JOIN lc ON lc.i = sv.i LEFT JOIN ls ON ls.link_id = l.id
       LEFT JOIN ps ON ps.id = v.pending_id LEFT JOIN rt ON rt.i = sv.i
     ORDER BY sv.i`,
    values: [
      col((x) => x.identity.organizationId),
      col((x) => x.identity.salesforceUserId),
      col((x) => x.identity.instanceUrl),
      col((x) => x.identity.username),
      col((x) => x.identity.email),
      col((x) => x.identity.name),
      col((x) => x.v.digest),
      col((x) => x.v.proven),
      col((x) => x.v.linked?.credentialId ?? null),
      col((x) => x.v.linked?.accessToken.keyId ?? null),
      col((x) => x.v.linked?.accessToken.ciphertext ?? null),
      col((x) => x.v.sessionTtlSeconds),
      col((x) => x.v.ip),
      col((x) => x.v.userAgent?.slice(0, 300) ?? null),
      col((x) => x.v.pending?.sessionId ?? null),
      col((x) => JSON.stringify(x.identity)),
      col((x) => x.v.pending?.oauthToken.keyId ?? null),
      col((x) => x.v.pending?.oauthToken.ciphertext ?? null),
      col((x) => x.v.pending?.refreshToken?.keyId ?? null),
      col((x) => x.v.pending?.refreshToken?.ciphertext ?? null),
      col((x) => pendingAuditDetail(x.identity)),
      visits[0]!.v.freshSeconds,
      visits[0]!.v.canvasTtlSeconds,
    ],
  })
  if (rows.length !== visits.length)
    throw new Error(`enterVisits: ${rows.length} result rows for ${visits.length} visits`)
  return rows.map(outcomeOf)
}
