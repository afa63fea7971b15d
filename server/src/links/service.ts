/**
 * Links between app accounts and Salesforce users (docs/spec.md §1, journeys 1–2), and the
 * Link Accounts view with the credential status.
 */
import type { Pool, Queryable } from '../db/pool.js'
import { PG_ERRORS, isPgError } from '../db/pool.js'
import { AppError, ERRORS, type ErrorCode } from '../errors.js'
import type { CredentialStore } from './credential-store.js'
import type { CredentialRow } from './credentials-repository.js'
import * as repo from './repository.js'
import type { CredentialView, LinkView } from '../contract/index.js'
import type { LinkIdentity, LinkRow } from './repository.js'

export type { LinkRow, LinkIdentity }

/** Stored credentials in the order docs/spec.md §2 uses them outside Salesforce. */
export const STORED_CREDENTIAL_ORDER = ['oauth_refresh', 'jwt_bearer', 'password_token'] as const

/** The link view is the contract's (`GET /api/salesforce/link`, server/src/contract/salesforce.ts). */
export type { CredentialView, LinkView }

export interface LinkService {
  findBySalesforceUser(db: Queryable, organizationId: string, userId: string): Promise<LinkRow | null>
  /** The link an operation uses: the canvas session's own, else the most recently seen. */
  currentLink(accountId: string, preferredLinkId?: string | null): Promise<LinkRow | null>
  /** Internal lookups (jobs, the Salesforce module): not scoped to a signed-in account. */
  byId(linkId: string): Promise<LinkRow | null>
  create(db: Queryable, accountId: string, identity: LinkIdentity): Promise<LinkRow>
  view(accountId: string, opts: { preferredLinkId?: string | null; canvasLive: boolean }): Promise<LinkView>
}

function credentialView(c: CredentialRow | null): CredentialView {
  if (!c)
    return {
      kind: null,
      status: 'none',
      reason: null,
      reasonMessage: null,
      lastSuccessAt: null,
      username: null,
      environment: null,
    }
  const reason = c.reason as ErrorCode | null
  return {
    kind: c.kind as CredentialView['kind'],
    status: c.status,
    reason,
    reasonMessage: reason && reason in ERRORS ? ERRORS[reason].message : null,
    lastSuccessAt: c.lastSuccessAt?.toISOString() ?? null,
    username: c.username,
    environment: c.environment,
  }
}

/** The credential that speaks for the link: the first usable one in order, else the first stored. */
export function primaryCredential(stored: CredentialRow[]): CredentialRow | null {
  const ordered = STORED_CREDENTIAL_ORDER.map((k) => stored.find((c) => c.kind === k)).filter((c): c is CredentialRow =>
    Boolean(c),
  )
  return ordered.find((c) => c.status !== 'needs_attention') ?? ordered[0] ?? null
}

export function createLinkService({ pool, credentials }: { pool: Pool; credentials: CredentialStore }): LinkService {
  return {
    findBySalesforceUser: (db, org, user) => repo.findLinkBySalesforceUser(db, org, user),
    async currentLink(accountId, preferredLinkId) {
      if (preferredLinkId) {
        const link = await repo.findLinkById(pool, accountId, preferredLinkId)
        if (link) return link
      }
      return (await repo.listLinksForAccount(pool, accountId))[0] ?? null
    },
    byId: (linkId) => repo.findLinkByIdUnscoped(pool, linkId),
    async create(db, accountId, identity) {
      try {
        return await repo.insertLink(db, accountId, identity)
      } catch (err) {
        if (isPgError(err, PG_ERRORS.UNIQUE_VIOLATION)) {
          const constraint = (err as { constraint?: string }).constraint
          throw new AppError(
            constraint === 'salesforce_links_account_org_key' ? 'LINK_ORG_TAKEN' : 'LINK_CONFLICT',
            undefined,
            { cause: err },
          )
        }
        throw err
      }
    },
    async view(accountId, opts) {
      const link = await this.currentLink(accountId, opts.preferredLinkId)
      if (!link) throw new AppError('LINK_NOT_FOUND')
      const all = await credentials.list(pool, link.id)
      const stored = all.filter((c) => c.kind !== 'canvas')
      const primary = primaryCredential(stored)
      return {
        salesforceUserId: link.salesforceUserId,
        organizationId: link.organizationId,
        instanceUrl: link.instanceUrl,
        username: link.username,
        email: link.email,
        name: link.name,
        linkedAt: link.linkedAt.toISOString(),
        lastSeenAt: link.lastSeenAt.toISOString(),
        credential: credentialView(primary),
        credentials: STORED_CREDENTIAL_ORDER.map((k) => stored.find((c) => c.kind === k))
          .filter(Boolean)
          .map((c) => credentialView(c!)),
        canConnect: opts.canvasLive || stored.some((c) => c.status === 'ok'),
      }
    },
  }
}
