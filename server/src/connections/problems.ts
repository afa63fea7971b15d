/**
 * What is wrong with a connection, in the codes readiness and health speak, and the next step
 * for each: Link Accounts for access, the editor for a definition Salesforce refuses, and a
 * later check only for faults that waiting can fix (never "try again" for the rest).
 */
import { AppError, type ErrorCode } from '../errors.js'
import { isCredentialError } from '../links/credential-policy.js'
import { SoqlBuildError } from '../salesforce/soql.js'
import type { ProblemAction } from '../contract/index.js'

/** What to do about a problem (server/src/contract/connections.ts): never "try again" for what retrying cannot fix. */
export type { ProblemAction }

/** Salesforce's answers that mean the query itself is wrong for this org (not the credential). */
export const QUERY_ERROR_CODES = new Set([
  'INVALID_FIELD',
  'MALFORMED_QUERY',
  'INVALID_TYPE',
  'INVALID_QUERY_FILTER_OPERATOR',
  'NOT_FOUND',
])

/**
 * A definition's problem as CONNECTION_INVALID with `details: {reason, field, action}`:
 * the builder's refusals, and Salesforce's refusals of the query (others pass through).
 */
export function translateQueryError(err: unknown): unknown {
  if (err instanceof SoqlBuildError) {
    const reason =
      err.rule === 'UNKNOWN_FIELD' ? 'FIELD_REMOVED' : err.rule === 'NOT_FILTERABLE' ? 'FIELD_NOT_FILTERABLE' : err.code
    return new AppError('CONNECTION_INVALID', err.message, {
      cause: err,
      details: { reason, field: err.field ?? null, action: 'edit_connection' },
    })
  }
  const code = (err as { errorCode?: unknown })?.errorCode
  if (typeof code === 'string' && QUERY_ERROR_CODES.has(code)) {
    const message = (err as Error).message ?? ''
    return new AppError('CONNECTION_INVALID', `Salesforce refused the query: ${message.slice(0, 300)}`, {
      cause: err,
      details: { reason: 'QUERY_REFUSED', salesforceCode: code, field: null, action: 'edit_connection' },
    })
  }
  return err
}

/** The specific code of a definition problem found against the org (readiness and health speak in these). */
export function problemCode(err: AppError): ErrorCode {
  const reason = (err.details as { reason?: unknown } | undefined)?.reason
  if (err.code !== 'CONNECTION_INVALID') return err.code
  if (reason === 'FIELD_REMOVED') return 'CONNECTION_FIELD_REMOVED'
  if (reason === 'FIELD_NOT_FILTERABLE') return 'CONNECTION_FIELD_NOT_FILTERABLE'
  if (reason === 'QUERY_REFUSED') return 'CONNECTION_QUERY_REFUSED'
  return 'CONNECTION_INVALID'
}

/** The next step for an error code (the UI shows the same). */
export function actionFor(code: string, connectionId?: string): ProblemAction {
  const edit: ProblemAction = {
    kind: 'edit_connection',
    label: 'Edit the connection',
    href: connectionId ? `#/connections/${connectionId}` : null,
  }
  // The credential policy (links/credential-policy.ts) decides which codes the credential causes.
  if (isCredentialError(code) || code === 'LINK_NOT_FOUND')
    return { kind: 'fix_access', label: 'Update Salesforce access on Link Accounts', href: '#/settings/link-accounts' }
  if (code === 'CONNECTION_EMPTY') return { ...edit, kind: 'check_filters', label: 'Check the filters' }
  if (code.startsWith('CONNECTION_')) return edit
  return { kind: 'retry_later', label: 'Check again later', href: null }
}
