/**
 * What the unsubscribe and bounce pushes ask of Salesforce, over a jsforce Connection from
 * `SalesforceAccess.withConnection`: find Contacts and Leads by email and update them (both
 * through /composite, see ../salesforce/composite.ts), and read opt-outs made in Salesforce. Every value in a query goes through the one SOQL
 * builder (`buildEmailInClauses`, `formatSoqlValue`), so every value is quoted.
 */
import type { Connection } from 'jsforce'
import { buildEmailInClauses, formatSoqlValue } from '../salesforce/soql.js'
import { parseEmail } from '../email/addresses.js'
import { AppError } from '../errors.js'
import { queryLocatorOf } from '../salesforce/hosts.js'
import {
  compositeCall,
  firstError,
  MAX_QUERIES_AND_COLLECTIONS,
  runComposite,
  subrequestError,
  type Subrequest,
  type SubResult,
} from '../salesforce/composite.js'

export const PERSON_OBJECTS = ['Contact', 'Lead'] as const
export type PersonObject = (typeof PERSON_OBJECTS)[number]

/** Salesforce's limit on a SOQL statement. */
export const MAX_SOQL_LENGTH = 100_000
/**
 * A REST query travels in the URL (`GET …/query?q=<encoded SOQL>`), and Salesforce caps a
 * request's URI plus headers at 16,384 bytes (414/431 beyond). This leaves ~880 bytes for the
 * path (~36) and the headers (~300 from jsforce, with a 112-character token), so in practice
 * the URI, not the 100,000 characters of SOQL, decides how many addresses fit in one query.
 */
export const MAX_ENCODED_QUERY_LENGTH = 15_500
/** composite/sobjects takes at most 200 records per call. */
export const MAX_RECORDS_PER_UPDATE = 200

export interface PersonRecord {
  sobject: PersonObject
  id: string
  /** Normalised as the suppression list keeps it. */
  email: string
  optedOut: boolean
  /** The extra fields asked for, by name. */
  values: Record<string, unknown>
}

export interface WriteResult {
  id: string
  success: boolean
  /** "CODE: message" of the first error, when it failed. */
  error: string | null
  errorCode: string | null
}

const KEPT_IN_QUERY: Record<string, string> = { '%40': '@', '%3A': ':', '%2C': ',', '%2F': '/', '%3F': '?', '%20': '+' }

/**
 * Encodes SOQL for the `q` parameter, leaving as they are the characters RFC 3986 allows in
 * a query (`@ : , / ?`) and writing spaces as `+` (Salesforce's documented form). Written
 * by hand rather than jsforce's `encodeURIComponent` because URI bytes are what limit a
 * query here: this fits ~15% more addresses per query. Quotes become %27, as the WHATWG URL
 * parser (fetch) would make them anyway, so the length measured is the length sent.
 */
export function encodeQueryValue(soql: string): string {
  return encodeURIComponent(soql)
    .replace(/%(?:40|3A|2C|2F|3F|20)/g, (m) => KEPT_IN_QUERY[m]!)
    .replace(/'/g, '%27')
}

/**
 * Queries (full SOQL) that together cover `emails`, each short enough for Salesforce's
 * SOQL limit and, URL-encoded, for the URI limit. The builder sizes clauses by raw length;
 * the budget shrinks until every encoded query fits (two or three passes in practice).
 */
export function emailQueries(
  prefix: string,
  emails: readonly string[],
  maxEncoded = MAX_ENCODED_QUERY_LENGTH,
): string[] {
  if (emails.length === 0) return []
  let budget = Math.min(MAX_SOQL_LENGTH, maxEncoded)
  for (let pass = 0; pass < 12; pass++) {
    const queries = buildEmailInClauses(emails, budget, prefix).map((clause) => `${prefix}${clause}`)
    const longest = Math.max(...queries.map((q) => encodeQueryValue(q).length))
    if (longest <= maxEncoded) return queries
    budget = Math.floor((budget * maxEncoded) / longest) - 32
  }
  throw new Error('could not fit the email queries within the URI limit')
}

interface QueryPage<T> {
  done: boolean
  nextRecordsUrl?: string
  records: T[]
}

/**
 * Runs a query and reads it page by page. The next page is asked for by its query locator on
 * this connection's own instance, never at the URL Salesforce answered: a `nextRecordsUrl`
 * naming another host would otherwise receive the bearer token.
 */
async function queryAll<T>(
  conn: Connection,
  soql: string,
  onPage: (records: T[]) => Promise<void> | void,
): Promise<void> {
  let page = await conn.request<QueryPage<T>>(`/query?q=${encodeQueryValue(soql)}`)
  for (;;) {
    await onPage(page.records)
    if (page.done || !page.nextRecordsUrl) return
    const next = queryLocatorOf(page.nextRecordsUrl, conn.instanceUrl)
    if (!next) throw new AppError('SF_UNTRUSTED_URL')
    page = await conn.request<QueryPage<T>>(`/${next.endpoint}/${next.locator}`)
  }
}

/**
 * The Contacts and Leads whose Email is one of `emails` (compared as Salesforce does,
 * case-insensitively), keyed by the normalised address. HasOptedOutOfEmail comes along so
 * records already opted out are never updated again (a restarted push re-reads the flag
 * and skips what the crashed run already did); `extraFields` are read into `values`.
 *
 * The queries go through /composite, five per call, with their next pages likewise. A
 * query inside a composite request travels in the JSON body, not in the URI, so only
 * Salesforce's SOQL limit bounds it (sized by its encoded length, which is never shorter):
 * ~2,700 ordinary addresses per query instead of ~400.
 */
export async function findPeopleByEmail(
  conn: Connection,
  emails: readonly string[],
  extraFields: readonly string[] = [],
): Promise<Map<string, PersonRecord[]>> {
  const wanted = new Set(emails)
  const found = new Map<string, PersonRecord[]>()
  const seen = new Set<string>()
  const select = ['Id', 'Email', 'HasOptedOutOfEmail', ...extraFields].join(', ')
  const queries: Array<{ sobject: PersonObject; soql: string }> = []
  for (const sobject of PERSON_OBJECTS) {
    for (const soql of emailQueries(`SELECT ${select} FROM ${sobject} WHERE `, emails, MAX_SOQL_LENGTH))
      queries.push({ sobject, soql })
  }
  await queryAllComposite<Record<string, unknown>>(conn, queries, (sobject, records) => {
    for (const r of records) {
      const id = String(r.Id)
      const email = typeof r.Email === 'string' ? parseEmail(r.Email) : null
      // Salesforce's case folding may match an address our normalisation keeps apart: only touch what was asked for.
      if (!email || !wanted.has(email) || seen.has(id)) continue
      seen.add(id)
      const list = found.get(email) ?? []
      const values = Object.fromEntries(extraFields.map((f) => [f, r[f] ?? null]))
      list.push({ sobject, id, email, optedOut: r.HasOptedOutOfEmail === true, values })
      found.set(email, list)
    }
  })
  return found
}

/**
 * Runs queries through /composite (five per call) and then their next pages, each page
 * asked for by its query locator on this connection's own instance. A failed query is
 * thrown as the error a direct call would have given.
 */
async function queryAllComposite<T>(
  conn: Connection,
  queries: ReadonlyArray<{ sobject: PersonObject; soql: string }>,
  onPage: (sobject: PersonObject, records: T[]) => void,
): Promise<void> {
  let pending = queries.map((q) => ({
    sobject: q.sobject,
    sub: { method: 'GET' as const, url: `/query?q=${encodeQueryValue(q.soql)}` },
  }))
  while (pending.length > 0) {
    const results = await runComposite(
      conn,
      pending.map((p) => p.sub),
    )
    const next: typeof pending = []
    results.forEach((result, i) => {
      if (result.status >= 400) throw subrequestError(result)
      const page = result.body as QueryPage<T>
      onPage(pending[i]!.sobject, page.records)
      if (page.done || !page.nextRecordsUrl) return
      const locator = queryLocatorOf(page.nextRecordsUrl, conn.instanceUrl)
      if (!locator) throw new AppError('SF_UNTRUSTED_URL')
      next.push({
        sobject: pending[i]!.sobject,
        sub: { method: 'GET', url: `/${locator.endpoint}/${locator.locator}` },
      })
    })
    pending = next
  }
}

export interface RecordWrite {
  sobject: PersonObject
  id: string
  fields: Record<string, unknown>
}

/** One sObject Collections update of up to 200 records of one type, each on its own (allOrNone false). */
export function collectionUpdate(writes: readonly RecordWrite[]): Subrequest {
  if (writes.length > MAX_RECORDS_PER_UPDATE) throw new Error(`at most ${MAX_RECORDS_PER_UPDATE} records per call`)
  return {
    method: 'PATCH',
    url: '/composite/sobjects',
    body: {
      allOrNone: false,
      records: writes.map((w) => ({ attributes: { type: w.sobject }, id: w.id, ...w.fields })),
    },
  }
}

/** Each record's outcome from a collection update's answer; a refused collection fails each of its records. */
export function collectionResults(ids: readonly string[], result: SubResult): WriteResult[] {
  if (result.status >= 400 || !Array.isArray(result.body)) {
    const { code, message } = firstError(result)
    return ids.map((id) => ({ id, success: false, errorCode: code, error: `${code}: ${message}` }))
  }
  const rows = result.body as Array<{
    id?: string
    success: boolean
    errors?: Array<{ statusCode?: string; errorCode?: string; message?: string }>
  }>
  return ids.map((id, i) => {
    const r = rows[i]
    if (r?.success) return { id, success: true, error: null, errorCode: null }
    const first = r?.errors?.[0]
    const code = first?.statusCode ?? first?.errorCode ?? 'UNKNOWN_ERROR'
    return { id, success: false, errorCode: code, error: `${code}: ${first?.message ?? 'Salesforce did not say why'}` }
  })
}

/**
 * Writes records in chunks of 200 per type, five chunks per composite call. After each call
 * `onCall` gets every record of that call with its outcome, to be recorded before the next.
 */
export async function updateRecords(
  conn: Connection,
  writes: readonly RecordWrite[],
  onCall: (outcomes: Array<{ write: RecordWrite; result: WriteResult }>) => Promise<void>,
): Promise<void> {
  const chunks: RecordWrite[][] = []
  for (const sobject of PERSON_OBJECTS) {
    const ofType = writes.filter((w) => w.sobject === sobject)
    for (let i = 0; i < ofType.length; i += MAX_RECORDS_PER_UPDATE)
      chunks.push(ofType.slice(i, i + MAX_RECORDS_PER_UPDATE))
  }
  for (let c = 0; c < chunks.length; c += MAX_QUERIES_AND_COLLECTIONS) {
    const group = chunks.slice(c, c + MAX_QUERIES_AND_COLLECTIONS)
    const results = await compositeCall(
      conn,
      group.map((chunk) => collectionUpdate(chunk)),
    )
    const outcomes: Array<{ write: RecordWrite; result: WriteResult }> = []
    group.forEach((chunk, k) => {
      const each = collectionResults(
        chunk.map((w) => w.id),
        results[k]!,
      )
      chunk.forEach((write, i) => outcomes.push({ write, result: each[i]! }))
    })
    await onCall(outcomes)
  }
}

/** Salesforce writes `2025-01-01T00:00:00.000+0000`; Date wants a colon in the offset. */
export function parseSalesforceDateTime(value: unknown): Date | null {
  if (typeof value !== 'string') return null
  const date = new Date(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))
  return Number.isNaN(date.getTime()) ? null : date
}

/**
 * Contacts and Leads opted out of email in Salesforce and modified at or after `since`
 * (all of them when null), page by page: `onPage` gets the addresses and the newest
 * SystemModstamp of each page.
 */
export async function readOptOuts(
  conn: Connection,
  since: Date | null,
  onPage: (page: { emails: string[]; newest: Date | null }) => Promise<void> | void,
): Promise<void> {
  const sinceClause = since ? ` AND SystemModstamp >= ${formatSoqlValue(since.toISOString(), 'datetime')}` : ''
  for (const sobject of PERSON_OBJECTS) {
    const soql = `SELECT Email, SystemModstamp FROM ${sobject} WHERE HasOptedOutOfEmail = true AND Email != null${sinceClause}`
    await queryAll<{ Email: string | null; SystemModstamp: string }>(conn, soql, async (records) => {
      const emails: string[] = []
      let newest: Date | null = null
      for (const r of records) {
        const email = typeof r.Email === 'string' ? parseEmail(r.Email) : null
        if (email) emails.push(email)
        const at = parseSalesforceDateTime(r.SystemModstamp)
        if (at && (!newest || at > newest)) newest = at
      }
      await onPage({ emails, newest })
    })
  }
}
