/**
 * Links between app accounts and Salesforce users (docs/spec.md §1, journeys 1–2), and the
 * Link Accounts view with the credential status.
 */
import type { Pool, Queryable } from '../db/pool.js'
import { PG_ERRORS, isPgError } from '../db/pool.js'
import { AppError, ERRORS } from '../errors.js'
import type { CredentialStore } from './credential-store.js'
import type { CredentialRow } from './credentials-repository.js'
import * as policy from './credential-policy.js'
import * as repo from './repository.js'
import type { CredentialView, LinkView } from '../contract/index.js'
import type { LinkIdentity, LinkRow } from './repository.js'

export type { LinkRow, LinkIdentity }

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
      lastFailureAt: null,
      username: null,
      environment: null,
      action: null,
      adminAction: null,
      notice: null,
    }
  const reason = c.reason
  const failing = c.status !== 'ok' && reason
  return {
    kind: c.kind as policy.StoredCredentialKind,
    status: c.status,
    reason,
    reasonMessage: reason && Object.hasOwn(ERRORS, reason) ? ERRORS[reason as keyof typeof ERRORS].message : null,
    lastSuccessAt: c.lastSuccessAt?.toISOString() ?? null,
    lastFailureAt: c.lastFailureAt?.toISOString() ?? null,
    username: c.username,
    environment: c.environment,
    action: failing ? policy.actionFor(reason) : null,
    adminAction: failing ? policy.adminAction(reason) : null,
    notice: policy.retirementNotice(c.kind),
  }
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
      const stored = policy.orderCredentials(all, { canvas: false, now: new Date() })
      const decision = policy.decideAccess({ linked: true, credentials: all, canvas: opts.canvasLive, now: new Date() })
      return {
        salesforceUserId: link.salesforceUserId,
        organizationId: link.organizationId,
        instanceUrl: link.instanceUrl,
        username: link.username,
        email: link.email,
        name: link.name,
        linkedAt: link.linkedAt.toISOString(),
        lastSeenAt: link.lastSeenAt.toISOString(),
        credential: credentialView(policy.primaryCredential(stored)),
        credentials: stored.map(credentialView),
        canConnect: decision.canConnect,
        access: {
          code: decision.code,
          message: decision.message,
          action: decision.action,
          adminAction: decision.adminAction,
        },
      }
    },
  }
}
