/**
 * Salesforce's Composite resource (`POST …/composite`): up to 25 subrequests in one API call,
 * of which at most 5 may be queries or sObject Collections. `runComposite` sends a list of
 * subrequests in as few composite calls as those limits allow, in order, and answers one
 * result per subrequest; a subrequest that failed keeps its own status and error body, so
 * callers decide per subrequest (a refused update of 200 records is not a refused query).
 */
import type { Connection } from 'jsforce'
import { AppError } from '../errors.js'
import { translateSalesforceError } from './error-translation.js'

export const MAX_SUBREQUESTS = 25
export const MAX_QUERIES_AND_COLLECTIONS = 5

export interface Subrequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  /** Relative to the API version root, e.g. `/query?q=…` or `/composite/sobjects`. */
  url: string
  body?: unknown
}

export interface SubResult {
  status: number
  body: unknown
}

interface CompositeAnswer {
  compositeResponse?: Array<{ body: unknown; httpStatusCode: number; referenceId: string | null }>
}

/** Queries, queryAll (and their next pages) and sObject Collections count toward the 5. */
export function isQueryOrCollection(url: string): boolean {
  const path = url.split('?')[0]!
  return /^\/(query|queryAll)(\/|$)/.test(path) || /^\/composite\/sobjects(\/|$)/.test(path)
}

/** Splits subrequests, in order, into groups that each fit one composite call. */
export function packSubrequests<T extends Subrequest>(subrequests: readonly T[]): T[][] {
  const groups: T[][] = []
  let current: T[] = []
  let heavy = 0
  for (const sub of subrequests) {
    const isHeavy = isQueryOrCollection(sub.url)
    if (current.length === MAX_SUBREQUESTS || (isHeavy && heavy === MAX_QUERIES_AND_COLLECTIONS)) {
      groups.push(current)
      current = []
      heavy = 0
    }
    current.push(sub)
    if (isHeavy) heavy++
  }
  if (current.length > 0) groups.push(current)
  return groups
}

/**
 * One composite call (the subrequests must fit: see `packSubrequests`). allOrNone is false:
 * each subrequest succeeds or fails on its own. A refusal of the whole request (limits,
 * malformed) is thrown as an AppError.
 */
export async function compositeCall(conn: Connection, subrequests: readonly Subrequest[]): Promise<SubResult[]> {
  if (subrequests.length === 0) return []
  const root = `/services/data/v${conn.version}`
  const answer = await conn.request<CompositeAnswer>({
    method: 'POST',
    url: '/composite',
    body: JSON.stringify({
      allOrNone: false,
      compositeRequest: subrequests.map((s, i) => ({
        method: s.method,
        url: `${root}${s.url}`,
        referenceId: `r${i}`,
        ...(s.body === undefined ? {} : { body: s.body }),
      })),
    }),
    headers: { 'Content-Type': 'application/json' },
  })
  const byRef = new Map((answer.compositeResponse ?? []).map((r) => [r.referenceId, r]))
  return subrequests.map((_, i) => {
    const r = byRef.get(`r${i}`)
    if (r) return { status: r.httpStatusCode, body: r.body }
    // No answer for it: the request was refused as a whole (LIMIT_EXCEEDED has referenceId null).
    const whole = answer.compositeResponse?.find((x) => x.referenceId === null)
    throw subrequestError(whole ? { status: whole.httpStatusCode, body: whole.body } : { status: 500, body: null })
  })
}

/** Sends every subrequest, packed into composite calls; `onCall` runs after each call with its results. */
export async function runComposite(
  conn: Connection,
  subrequests: readonly Subrequest[],
  onCall?: (results: SubResult[], first: number) => Promise<void> | void,
): Promise<SubResult[]> {
  const all: SubResult[] = []
  for (const group of packSubrequests(subrequests)) {
    const results = await compositeCall(conn, group)
    if (onCall) await onCall(results, all.length)
    all.push(...results)
  }
  return all
}

/** The first `{errorCode, message}` of a failed subrequest's body. */
export function firstError(result: SubResult): { code: string; message: string } {
  const list = Array.isArray(result.body) ? result.body : [result.body]
  const first = (list[0] ?? {}) as { errorCode?: string; statusCode?: string; message?: string }
  return {
    code: first.errorCode ?? first.statusCode ?? `HTTP_${result.status}`,
    message: first.message ?? 'Salesforce did not say why',
  }
}

/** A failed subrequest as the AppError a direct call with the same answer would have given. */
export function subrequestError(result: SubResult): AppError {
  const { code, message } = firstError(result)
  const err = Object.assign(new Error(`${code}: ${message}`), {
    errorCode: code,
    name: code,
    statusCode: result.status,
  })
  return translateSalesforceError(err)
}
