/**
 * The SQL of a canvas visit. `POST /canvas` is the hot path (it stays fast), so a linked
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
