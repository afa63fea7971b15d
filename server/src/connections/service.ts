/**
 * Database connections (docs/spec.md §2, journeys 4 and 6): saved, named live queries of the
 * linked org. Create, list, get, copy and delete never need Salesforce; edit, connect
 * (test), preview, describe and pull do, and are refused up front with
 * SF_CREDENTIALS_REQUIRED (or the stored credential's own error) when there is no access.
 */
import type { Connection } from 'jsforce'
import type { Pool } from '../db/pool.js'
import { AppError, ERRORS, isAppError } from '../errors.js'
import { actionFor, problemCode, translateQueryError, type ProblemAction } from './problems.js'
import type { AccessState, AccessTarget, SalesforceAccess } from '../salesforce/access-types.js'
import type { DescribeCache } from './describe-cache.js'
import { createDescribeCache } from './describe-cache.js'
import { fetchDescribe, relatedTargets, usesRelatedFields, withRelatedFields, type DescribeView } from './describe.js'
import {
  bulkCellConverter,
  fieldValue,
  recordFormatter,
  type RecordFormat,
  type SalesforceRecord,
} from './record-format.js'
import { normaliseEmail } from '../email/addresses.js'
import * as repo from './repository.js'
import type { ConnectionInput, ConnectionRow } from './repository.js'
import { buildSoql, escapeSoqlString, type ConnectionFilter, type SupportedSObject } from '../salesforce/soql.js'
import { queryLocatorOf } from '../salesforce/hosts.js'
import { abortJob, createQueryJob, deleteJob, readResultsPage, waitForJob } from './bulk-query.js'
import { createCsvReader } from './csv-reader.js'
import {
  MAX_CONNECTION_NAME_LENGTH,
  type Access,
  type Campaign,
  type CampaignMemberStatus,
  type CampaignQuery,
  type Connection as ContractConnection,
  type ConnectionHealth,
  type ConnectionList,
  type CsvHeaders,
  type Readiness,
  type TestResult,
} from '../contract/index.js'

export const MAX_NAME_LENGTH = MAX_CONNECTION_NAME_LENGTH
/** Rows shown by connect (test) and the editor's preview. */
export const PREVIEW_ROWS = 10
/** Pull output is written in chunks of about this many characters (one page is up to 2,000 rows). */
const WRITE_CHUNK_CHARS = 64 * 1024
/** Rows per Bulk API results page (`maxRecords`): a million records in ten pages. */
const BULK_PAGE_RECORDS = 100_000
/** How long a pull waits for Salesforce to prepare a Bulk API query job. */
const BULK_MAX_WAIT_MS = 15 * 60_000
/** Bulk rows checked against the suppression list per database query. */
const SUPPRESSION_BATCH = 2_000
/** Connections whose last COUNT() is remembered for readiness (oldest forgotten first). */
const COUNT_CACHE_SIZE = 10_000
/** Field types the Bulk API cannot return (compound fields, binary). */
const NOT_IN_BULK = new Set(['address', 'location', 'base64'])
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** What the routes answer: the contract's shapes (server/src/contract/connections.ts). */
export type ConnectionView = ContractConnection
export type AccessView = Access
export type { Campaign, ConnectionHealth, CsvHeaders, ProblemAction, Readiness, TestResult }

/** A definition as a client sends it (create, preview); optional flags take their defaults. */
export interface ConnectionDraft {
  name?: string
  sobject: SupportedSObject
  fields: string[]
  filters?: ConnectionFilter[]
  logic?: 'AND' | 'OR'
  excludeOptedOut?: boolean
  requireEmail?: boolean
  excludeSuppressed?: boolean
}

export type ConnectionPatch = Partial<ConnectionDraft>

/** Where a pull writes. The route backs it with the raw HTTP response. */
export interface PullOutput {
  /** Sends the status and headers; called once the first page has arrived (errors before it are ordinary JSON errors). */
  begin(head: { contentType: string; contentDisposition: string }): void
  /** Resolves once the chunk is accepted (after `drain` when the socket is full); false when the client has gone. */
  write(chunk: string): Promise<boolean>
  /** True once the client has disconnected. */
  readonly closed: boolean
  end(): void
  /** Headers are out, so a failure can only break the body off (the client sees an incomplete response). */
  abort(err: unknown): void
}

export interface ConnectionService {
  list(target: AccessTarget): Promise<ConnectionList>
  get(accountId: string, id: string): Promise<ConnectionView>
  /** Checked against the org's describe like a preview when Salesforce (or a cached describe) is at hand. */
  create(target: AccessTarget, draft: ConnectionDraft): Promise<ConnectionView>
  update(target: AccessTarget, id: string, patch: ConnectionPatch): Promise<ConnectionView>
  remove(accountId: string, id: string): Promise<void>
  copy(accountId: string, id: string): Promise<ConnectionView>
  test(target: AccessTarget, id: string): Promise<TestResult>
  preview(target: AccessTarget, draft: ConnectionDraft): Promise<TestResult>
  /** With `related`, the fields of related records too (`Account.Name`, "Account: Account Name"). */
  describe(target: AccessTarget, sobject: SupportedSObject, options?: { related?: boolean }): Promise<DescribeView>
  pull(
    target: AccessTarget,
    id: string,
    format: RecordFormat,
    out: PullOutput,
    options?: { headers?: CsvHeaders },
  ): Promise<void>
  /**
   * Pre-send check: access, then `COUNT()` of the saved query. Never throws for a Salesforce or
   * definition problem. `maxAgeSeconds`: a count of the connection as it is now, counted that
   * recently, is reused (the list shows a status per connection on every load, and each COUNT()
   * is an API call of the org's daily allowance); access is checked every time.
   */
  readiness(
    target: AccessTarget,
    id: string,
    options?: { requireNonEmpty?: boolean; maxAgeSeconds?: number },
  ): Promise<Readiness>
  campaigns(target: AccessTarget, query: CampaignQuery): Promise<Campaign[]>
  campaignStatuses(target: AccessTarget, campaignId: string): Promise<CampaignMemberStatus[]>
}

function toView(c: ConnectionRow): ConnectionView {
  return {
    id: c.id,
    name: c.name,
    sobject: c.sobject,
    fields: c.fields,
    // Stored only after passing the contract's FilterSchema, so the values are JSON scalars or lists.
    filters: c.filters as ConnectionView['filters'],
    logic: c.logic,
    excludeOptedOut: c.excludeOptedOut,
    requireEmail: c.requireEmail,
    excludeSuppressed: c.excludeSuppressed,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  }
}

function cleanName(name: string | undefined): string {
  const trimmed = (name ?? '').trim()
  if (!trimmed) throw new AppError('CONNECTION_INVALID', 'Give the connection a name.')
  if (trimmed.length > MAX_NAME_LENGTH)
    throw new AppError('CONNECTION_INVALID', `A connection name can be at most ${MAX_NAME_LENGTH} characters.`)
  return trimmed
}

function toInput(draft: ConnectionDraft, name: string): ConnectionInput {
  return {
    name,
    sobject: draft.sobject,
    fields: [...draft.fields],
    filters: (draft.filters ?? []).map((f) =>
      f.value === undefined
        ? { field: f.field, operator: f.operator }
        : { field: f.field, operator: f.operator, value: f.value },
    ),
    logic: draft.logic ?? 'AND',
    excludeOptedOut: draft.excludeOptedOut ?? true,
    requireEmail: draft.requireEmail ?? false,
    excludeSuppressed: draft.excludeSuppressed ?? false,
  }
}

/** The gate of journey 6: the state's own credential error (docs/spec.md §5) when it has one, else SF_CREDENTIALS_REQUIRED. */
export function accessError(state: AccessState): AppError {
  const code = state.code
  if (code && code !== 'SF_CREDENTIALS_REQUIRED' && code.startsWith('SF_')) return new AppError(code)
  return new AppError('SF_CREDENTIALS_REQUIRED', state.message ?? undefined)
}

/** An email as the suppression list stores it; null for no email. */
function suppressionKey(value: unknown): string | null {
  return typeof value === 'string' ? normaliseEmail(value) || null : null
}

/** What a definition sends to Salesforce and what it gives back, in the order of the output. */
interface BuiltQuery {
  soql: string
  /** Output columns: Id, then the requested fields in their canonical spelling. */
  columns: string[]
}

/**
 * `attachment; filename="<name>.<format>"`: the connection's name, with anything that could
 * break the header or a path replaced in the plain `filename`; non-ASCII names also get the
 * exact name as RFC 6266 `filename*`.
 */
export function contentDisposition(name: string, format: RecordFormat): string {
  const plain =
    name
      .replace(/[^A-Za-z0-9 ._()-]+/g, '_')
      .replace(/^[\s._]+|[\s.]+$/g, '')
      .slice(0, 100) || 'connection'
  const header = `attachment; filename="${plain}.${format}"`
  // eslint-disable-next-line no-control-regex
  const exact = name.replace(/[\u0000-\u001f\u007f/\\]+/g, '_').slice(0, 100)
  if (/^[\x20-\x7e]*$/.test(exact)) return header
  const encoded = encodeURIComponent(`${exact}.${format}`).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `${header}; filename*=UTF-8''${encoded}`
}

/** Can the Bulk API return every field the pull reads (it has no compound or binary fields)? */
function bulkReadable(def: ConnectionInput, describe: DescribeView): boolean {
  const types = new Map(describe.fields.map((f) => [f.name.toLowerCase(), f.type]))
  const fields = def.excludeSuppressed ? [...def.fields, 'Email'] : def.fields
  return fields.every((f) => !NOT_IN_BULK.has(types.get(f.toLowerCase()) ?? 'string'))
}

export function createConnectionService(deps: {
  pool: Pool
  salesforce: SalesforceAccess
  describes?: DescribeCache
  /** Pulls above `threshold` records (0: never) use the Bulk API 2.0 query; see bulk-query.ts. */
  bulk?: { threshold: number; extraHosts: readonly string[]; pageRecords?: number; maxWaitMs?: number }
}): ConnectionService {
  const { pool, salesforce } = deps
  const bulk = {
    threshold: deps.bulk?.threshold ?? 0,
    extraHosts: deps.bulk?.extraHosts ?? [],
    pageRecords: deps.bulk?.pageRecords ?? BULK_PAGE_RECORDS,
    maxWaitMs: deps.bulk?.maxWaitMs ?? BULK_MAX_WAIT_MS,
  }
  const describes = deps.describes ?? createDescribeCache({ db: pool })

  async function find(accountId: string, id: string): Promise<ConnectionRow> {
    // Not a UUID is simply not found (never a database error).
    const row = UUID.test(id) ? await repo.findConnection(pool, accountId, id) : null
    if (!row) throw new AppError('CONNECTION_NOT_FOUND')
    return row
  }

  /** Checks access without calling Salesforce; the org is the cache key of describes. */
  async function requireAccess(target: AccessTarget): Promise<string> {
    const state = await salesforce.state(target)
    if (!state.canConnect || !state.organizationId) throw accessError(state)
    return state.organizationId
  }

  /**
   * The object's describe (cached per org), with the fields of related records when `related`
   * (each related object's describe is cached under its own name).
   */
  async function describeOf(
    conn: Connection,
    organizationId: string,
    sobject: string,
    related = false,
  ): Promise<DescribeView> {
    const base = await describes.get(organizationId, sobject, () => fetchDescribe(conn, sobject))
    if (!related) return base
    const targets = new Map<string, DescribeView>()
    for (const target of new Set(relatedTargets(base).values())) {
      try {
        targets.set(target, await describes.get(organizationId, target, () => fetchDescribe(conn, target)))
      } catch (err) {
        // An object this user cannot see offers no related fields; access problems still surface.
        if (isAppError(err)) throw err
      }
    }
    return withRelatedFields(base, targets)
  }

  /** The same from the cache alone, whatever its age (null when the object's describe is not cached). */
  async function cachedDescribeOf(
    organizationId: string,
    sobject: string,
    related: boolean,
  ): Promise<DescribeView | null> {
    const base = await describes.peek(organizationId, sobject)
    if (!base || !related) return base
    const targets = new Map<string, DescribeView>()
    for (const target of new Set(relatedTargets(base).values())) {
      const view = await describes.peek(organizationId, target)
      if (view) targets.set(target, view)
    }
    return withRelatedFields(base, targets)
  }

  /** Whether a definition needs the related objects' describes. */
  const related = (def: { fields: readonly string[]; filters: readonly ConnectionFilter[] }): boolean =>
    usesRelatedFields([...def.fields, ...def.filters.map((f) => String(f?.field))])

  /** Builds the SOQL for a definition against the describe; definition errors become CONNECTION_INVALID. */
  function build(
    def: ConnectionInput,
    describe: DescribeView,
    opts: { count?: boolean; limit?: number } = {},
  ): BuiltQuery {
    try {
      // With the suppression list applied, Email is fetched to match against it even when not an output column.
      const queryFields = def.excludeSuppressed ? [...def.fields, 'Email'] : def.fields
      const { soql } = buildSoql({ ...def, fields: queryFields }, describe, opts)
      const byName = new Map(describe.fields.map((f) => [f.name.toLowerCase(), f.name]))
      const columns = ['Id']
      for (const f of def.fields) {
        const canonical = byName.get(f.toLowerCase())!
        if (!columns.some((c) => c.toLowerCase() === canonical.toLowerCase())) columns.push(canonical)
      }
      return { soql, columns }
    } catch (err) {
      throw translateQueryError(err)
    }
  }

  /** The same definition with field names in the describe's spelling (so what is stored matches what Salesforce returns). */
  function canonical(def: ConnectionInput, describe: DescribeView): ConnectionInput {
    const byName = new Map(describe.fields.map((f) => [f.name.toLowerCase(), f.name]))
    const spell = (name: string) => byName.get(name.toLowerCase()) ?? name
    return { ...def, fields: def.fields.map(spell), filters: def.filters.map((f) => ({ ...f, field: spell(f.field) })) }
  }

  /** The records whose Email is not on the account's suppression list (one query for the batch). */
  async function withoutSuppressed(accountId: string, records: SalesforceRecord[]): Promise<SalesforceRecord[]> {
    const emails = new Set<string>()
    for (const r of records) {
      const email = suppressionKey(fieldValue(r, 'Email'))
      if (email) emails.add(email)
    }
    const suppressed = await repo.findSuppressedEmails(pool, accountId, [...emails])
    if (suppressed.size === 0) return records
    return records.filter((r) => {
      const email = suppressionKey(fieldValue(r, 'Email'))
      return !(email && suppressed.has(email))
    })
  }

  async function query(
    conn: Connection,
    soql: string,
  ): Promise<{ totalSize: number; done: boolean; nextRecordsUrl?: string; records: SalesforceRecord[] }> {
    try {
      return await conn.query<SalesforceRecord>(soql, { autoFetch: false })
    } catch (err) {
      throw translateQueryError(err)
    }
  }

  /** Count and the first rows of a definition (connect and the editor's preview). */
  async function sample(target: AccessTarget, def: ConnectionInput): Promise<TestResult> {
    const organizationId = await requireAccess(target)
    return salesforce.withConnection(target, async (conn) => {
      const describe = await describeOf(conn, organizationId, def.sobject, related(def))
      const full = build(def, describe)
      const [counted, first] = await Promise.all([
        query(conn, build(def, describe, { count: true }).soql),
        query(conn, build(def, describe, { limit: PREVIEW_ROWS }).soql),
      ])
      const rows = def.excludeSuppressed ? await withoutSuppressed(target.accountId, first.records) : first.records
      return {
        // Salesforce's count: addresses on the suppression list are only taken out of the rows.
        count: counted.totalSize,
        records: rows.map((r) => Object.fromEntries(full.columns.map((c) => [c, fieldValue(r, c)]))),
        soql: full.soql,
        columns: full.columns.map((c) => ({ name: c, label: labelOf(describe, c) })),
      }
    })
  }

  /** The label Salesforce gives a column ("Email", "Account: Account Name"); the API name when unknown. */
  function labelOf(describe: DescribeView, name: string): string {
    const lower = name.toLowerCase()
    return describe.fields.find((f) => f.name.toLowerCase() === lower)?.label ?? name
  }

  /** A problem found with a saved definition, as its health. */
  function brokenHealth(err: AppError): { state: 'broken'; code: string; message: string; field: string | null } {
    const code = problemCode(err)
    const field = (err.details as { field?: unknown } | undefined)?.field
    return {
      state: 'broken',
      code,
      message: code === 'CONNECTION_INVALID' ? err.message : `${ERRORS[code].message} (${err.message})`,
      field: typeof field === 'string' ? field : null,
    }
  }

  /** A saved definition's problem in words that say what changed in Salesforce and what to do. */
  function savedProblem(err: AppError): AppError {
    const details = err.details as { reason?: unknown; field?: unknown } | undefined
    const field = typeof details?.field === 'string' ? JSON.stringify(details.field) : 'a field'
    const message =
      details?.reason === 'FIELD_REMOVED'
        ? `The field ${field} this connection uses is no longer in Salesforce (deleted, or hidden from you). Edit the connection to replace it.`
        : details?.reason === 'FIELD_NOT_FILTERABLE'
          ? `Salesforce no longer allows filtering on ${field}. Edit the connection to change that filter.`
          : null
    return message ? new AppError(err.code, message, { cause: err, details: err.details }) : err
  }

  /**
   * Runs work on a saved connection and keeps its health: ok after success, broken with the
   * reason when the definition no longer fits the org. When Salesforce refuses a query the
   * cached describe said was fine, the org changed: the describe is fetched again and the
   * definition checked against it, so the reason names the field that went.
   */
  async function watched<T>(target: AccessTarget, row: ConnectionRow, work: () => Promise<T>): Promise<T> {
    try {
      const result = await work()
      await repo.saveHealth(
        pool,
        target.accountId,
        row.id,
        { state: 'ok', code: null, message: null, field: null },
        row.updatedAt,
      )
      return result
    } catch (err) {
      if (!isAppError(err) || err.code !== 'CONNECTION_INVALID') throw err
      let problem: AppError = err
      const refused = (err.details as { reason?: unknown } | undefined)?.reason === 'QUERY_REFUSED'
      if (refused) {
        const state = await salesforce.state(target)
        if (state.organizationId) {
          await describes.invalidate(state.organizationId, row.sobject)
          const organizationId = state.organizationId
          const recheck = await salesforce
            .withConnection(target, async (conn) => {
              build(row, await describeOf(conn, organizationId, row.sobject, related(row)))
              return null
            })
            .catch((e: unknown) => (isAppError(e) && e.code === 'CONNECTION_INVALID' ? e : null))
          if (recheck) problem = recheck
        }
      }
      await repo.saveHealth(pool, target.accountId, row.id, brokenHealth(problem), row.updatedAt)
      throw savedProblem(problem)
    }
  }

  /** Checks every saved connection against the describes (cached for an hour), recording their health. */
  async function checkAll(target: AccessTarget, organizationId: string, rows: ConnectionRow[]): Promise<void> {
    const sobjects = [...new Set(rows.map((r) => r.sobject))]
    const previous = new Map((await repo.listHealth(pool, target.accountId)).map((h) => [h.connectionId, h]))
    await salesforce.withConnection(target, async (conn) => {
      for (const sobject of sobjects) {
        const ofObject = rows.filter((r) => r.sobject === sobject)
        const describe = await describeOf(conn, organizationId, sobject, ofObject.some(related))
        for (const row of ofObject) {
          let health: { state: 'ok' | 'broken'; code: string | null; message: string | null; field: string | null }
          try {
            build(row, describe)
            health = { state: 'ok', code: null, message: null, field: null }
          } catch (err) {
            if (!isAppError(err) || err.code !== 'CONNECTION_INVALID') throw err
            health = brokenHealth(err)
          }
          // A connection found fine by the describe keeps a "broken" Salesforce itself reported (until an edit).
          const before = previous.get(row.id)
          if (health.state === 'ok' && before?.state === 'broken' && before.code === 'CONNECTION_QUERY_REFUSED')
            continue
          await repo.saveHealth(pool, target.accountId, row.id, health, row.updatedAt)
        }
      }
    })
  }

  /** Recent COUNT() results by account and connection, with the definition they counted (its updatedAt). */
  const counts = new Map<string, { at: number; version: number; count: number }>()
  const countKey = (row: ConnectionRow) => `${row.accountId}/${row.id}`
  function rememberCount(row: ConnectionRow, count: number): void {
    counts.delete(countKey(row))
    if (counts.size >= COUNT_CACHE_SIZE) counts.delete(counts.keys().next().value!)
    counts.set(countKey(row), { at: Date.now(), version: row.updatedAt.getTime(), count })
  }
  function recentCount(row: ConnectionRow, maxAgeSeconds: number): number | null {
    const hit = counts.get(countKey(row))
    if (!hit || maxAgeSeconds <= 0 || hit.version !== row.updatedAt.getTime()) return null
    return Date.now() - hit.at <= maxAgeSeconds * 1000 ? hit.count : null
  }

  async function readinessOf(
    target: AccessTarget,
    row: ConnectionRow,
    requireNonEmpty: boolean,
    maxAgeSeconds = 0,
  ): Promise<Readiness> {
    const notReady = (code: string, message: string): Readiness => ({
      ready: false,
      code,
      message,
      action: actionFor(code, row.id),
    })
    const state = await salesforce.state(target)
    if (!state.canConnect || !state.organizationId) {
      const denied = accessError(state)
      return notReady(denied.code, denied.message)
    }
    const organizationId = state.organizationId
    try {
      // A remembered count stands only while nothing flagged the connection broken since (the
      // list's describe check, checkAll): then Salesforce is asked, and says what is wrong.
      // Its age runs from when Salesforce counted: reusing it does not make it younger.
      const remembered = recentCount(row, maxAgeSeconds)
      let count: number
      if (remembered !== null && (await repo.healthStateOf(pool, target.accountId, row.id)) !== 'broken') {
        count = remembered
      } else {
        count = await salesforce.withConnection(target, async (conn) => {
          const describe = await describeOf(conn, organizationId, row.sobject, related(row))
          return watched(
            target,
            row,
            async () => (await query(conn, build(row, describe, { count: true }).soql)).totalSize,
          )
        })
        rememberCount(row, count)
      }
      if (requireNonEmpty && count === 0)
        return notReady(
          'CONNECTION_EMPTY',
          'The connection matches no records right now, so a send would reach nobody.',
        )
      return { ready: true, count }
    } catch (err) {
      const app = isAppError(err) ? err : translateQueryError(err)
      if (!isAppError(app)) return notReady('SF_REQUEST_FAILED', ERRORS.SF_REQUEST_FAILED.message)
      const code = problemCode(app)
      return notReady(code, code === app.code ? app.message : brokenHealth(app).message)
    }
  }

  const CAMPAIGN_ID = /^701[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$/

  return {
    async list(target) {
      const [rows, state] = await Promise.all([repo.listConnections(pool, target.accountId), salesforce.state(target)])
      const denied = state.canConnect ? null : accessError(state)
      if (state.canConnect && state.organizationId && rows.length > 0) {
        // Flag connections a change in Salesforce broke, against the (cached) describes.
        await checkAll(target, state.organizationId, rows).catch(() => undefined)
      }
      const health: Record<string, ConnectionHealth> = {}
      for (const h of await repo.listHealth(pool, target.accountId)) {
        health[h.connectionId] = {
          state: h.state,
          code: h.code,
          message: h.message,
          field: h.field,
          checkedAt: h.checkedAt.toISOString(),
        }
      }
      return {
        items: rows.map(toView),
        access: { canConnect: state.canConnect, code: denied?.code ?? null, message: denied?.message ?? null },
        health,
      }
    },

    async get(accountId, id) {
      return toView(await find(accountId, id))
    },

    async create(target, draft) {
      // Save checks what the preview checks: against the org's describe when Salesforce can be
      // asked, else against the describe cached for the org. With neither (no access, nothing
      // cached) it is saved as is and checked when it is next used.
      const input = toInput(draft, cleanName(draft.name))
      const state = await salesforce.state(target)
      let checked: ConnectionInput | null = null
      if (state.canConnect && state.organizationId) {
        const organizationId = state.organizationId
        checked = await salesforce
          .withConnection(target, async (conn) => {
            const describe = await describeOf(conn, organizationId, input.sobject, related(input))
            const normalised = canonical(input, describe)
            build(normalised, describe)
            return normalised
          })
          .catch((err: unknown) => {
            // A definition Salesforce's describe refuses is refused; Salesforce being out of reach
            // (or the access failing just now) does not lose the person's work: the cache decides.
            if (isAppError(err) && err.code === 'CONNECTION_INVALID') throw err
            return null
          })
      }
      if (!checked && state.organizationId) {
        const cached = await cachedDescribeOf(state.organizationId, input.sobject, related(input))
        if (cached) {
          checked = canonical(input, cached)
          build(checked, cached)
        }
      }
      return toView(await repo.insertConnection(pool, target.accountId, checked ?? input))
    },

    async update(target, id, patch) {
      const current = await find(target.accountId, id)
      const organizationId = await requireAccess(target)
      const merged = toInput({ ...current, ...patch } as ConnectionDraft, cleanName(patch.name ?? current.name))
      const checked = await salesforce.withConnection(target, async (conn) => {
        const describe = await describeOf(conn, organizationId, merged.sobject, related(merged))
        const normalised = canonical(merged, describe)
        build(normalised, describe)
        return normalised
      })
      const row = await repo.updateConnection(pool, target.accountId, id, checked)
      if (!row) throw new AppError('CONNECTION_NOT_FOUND')
      return toView(row)
    },

    async remove(accountId, id) {
      if (!UUID.test(id) || !(await repo.deleteConnection(pool, accountId, id)))
        throw new AppError('CONNECTION_NOT_FOUND')
    },

    async copy(accountId, id) {
      const row = UUID.test(id) ? await repo.copyConnection(pool, accountId, id, MAX_NAME_LENGTH) : null
      if (!row) throw new AppError('CONNECTION_NOT_FOUND')
      return toView(row)
    },

    async test(target, id) {
      const row = await find(target.accountId, id)
      return watched(target, row, () => sample(target, row))
    },

    async preview(target, draft) {
      return sample(target, toInput(draft, draft.name?.trim() || 'Preview'))
    },

    async describe(target, sobject, options = {}) {
      const organizationId = await requireAccess(target)
      if (options.related) {
        const views = await salesforce.withConnection(target, (conn) => describeOf(conn, organizationId, sobject, true))
        return views
      }
      // A cached describe needs no Salesforce session at all.
      return describes.get(organizationId, sobject, () =>
        salesforce.withConnection(target, (conn) => fetchDescribe(conn, sobject)),
      )
    },

    async pull(target, id, format, out, options = {}) {
      const def = await find(target.accountId, id)
      const organizationId = await requireAccess(target)
      await salesforce.withConnection(target, async (conn) => {
        const describe = await describeOf(conn, organizationId, def.sobject, related(def))
        // The first page is fetched before anything is sent: a refused query is still a JSON error.
        // Its totalSize is Salesforce's count, which decides between REST paging and the Bulk API.
        const { first, columns, soql } = await watched(target, def, async () => {
          const built = build(def, describe)
          return { first: await query(conn, built.soql), columns: built.columns, soql: built.soql }
        })
        const headerNames =
          format === 'csv' && options.headers === 'labels' ? columns.map((c) => labelOf(describe, c)) : undefined
        const formatter = recordFormatter(format, columns, headerNames)
        const head = { contentType: formatter.contentType, contentDisposition: contentDisposition(def.name, format) }
        if (bulk.threshold > 0 && !first.done && first.totalSize > bulk.threshold && bulkReadable(def, describe)) {
          const sent = await pullThroughBulk(conn, { def, describe, soql, columns, formatter, head, target, out })
          if (sent) return
        }
        await pullThroughRest(conn, { def, first, formatter, head, target, out })
      })
    },

    async readiness(target, id, options = {}) {
      return readinessOf(
        target,
        await find(target.accountId, id),
        options.requireNonEmpty === true,
        options.maxAgeSeconds ?? 0,
      )
    },

    async campaigns(target, { search, id }) {
      await requireAccess(target)
      let where = ''
      if (id !== undefined) {
        if (!CAMPAIGN_ID.test(id)) return []
        where = ` WHERE Id = '${id}'`
      } else if (search && search.trim()) {
        where = ` WHERE Name LIKE '%${escapeSoqlString(search.trim().slice(0, 80), { like: true })}%'`
      }
      const soql = `SELECT Id, Name, Status, IsActive FROM Campaign${where} ORDER BY Name LIMIT 50`
      return salesforce.withConnection(target, async (conn) => {
        const result = await conn.query<SalesforceRecord>(soql)
        return result.records.map((r) => ({
          id: String(r.Id),
          name: String(r.Name ?? ''),
          status: typeof r.Status === 'string' ? r.Status : null,
          isActive: typeof r.IsActive === 'boolean' ? r.IsActive : null,
        }))
      })
    },

    async campaignStatuses(target, campaignId) {
      await requireAccess(target)
      if (!CAMPAIGN_ID.test(campaignId)) throw new AppError('NOT_FOUND', 'There is no campaign with this ID.')
      return salesforce.withConnection(target, async (conn) => {
        const result = await conn.query<SalesforceRecord>(
          `SELECT Label, IsDefault, HasResponded FROM CampaignMemberStatus WHERE CampaignId = '${campaignId}'`,
        )
        return result.records.map((r) => ({
          label: String(r.Label ?? ''),
          isDefault: r.IsDefault === true,
          hasResponded: r.HasResponded === true,
        }))
      })
    },
  }

  /** Writes text in chunks of about WRITE_CHUNK_CHARS; false once the client has gone. */
  function chunkedWriter(out: PullOutput): { add(text: string): Promise<boolean>; flush(): Promise<boolean> } {
    let chunk = ''
    return {
      async add(text) {
        chunk += text
        if (chunk.length < WRITE_CHUNK_CHARS) return true
        const full = chunk
        chunk = ''
        return out.write(full)
      },
      async flush() {
        const rest = chunk
        chunk = ''
        return rest ? out.write(rest) : !out.closed
      },
    }
  }

  interface PullContext {
    def: ConnectionRow
    formatter: ReturnType<typeof recordFormatter>
    head: { contentType: string; contentDisposition: string }
    target: AccessTarget
    out: PullOutput
  }

  /** REST paging: the first page, then queryMore by query locator until done. */
  async function pullThroughRest(
    conn: Connection,
    { def, first, formatter, head, target, out }: PullContext & { first: Awaited<ReturnType<typeof query>> },
  ): Promise<void> {
    let page: Awaited<ReturnType<typeof query>> | null = first
    out.begin(head)
    try {
      if (formatter.header && !(await out.write(formatter.header))) return
      // Page by page (queryMore with the query locator): at most the page being written and the next one in hand, so memory stays flat at any size.
      while (page) {
        const records = def.excludeSuppressed ? await withoutSuppressed(target.accountId, page.records) : page.records
        const next: string | null = page.done ? null : (page.nextRecordsUrl ?? null)
        page = null
        const writer = chunkedWriter(out)
        for (const record of records) if (!(await writer.add(formatter.row(record)))) return
        if (!(await writer.flush())) return
        // The client went away: stop asking Salesforce for more.
        if (!next || out.closed) break
        // Only the locator is followed, on this connection's own instance: the token never goes elsewhere.
        const locator = queryLocatorOf(next, conn.instanceUrl)
        if (!locator) throw new AppError('SF_UNTRUSTED_URL')
        page = await conn.queryMore<SalesforceRecord>(locator.locator)
      }
      out.end()
    } catch (err) {
      out.abort(isAppError(err) ? err : translateQueryError(err))
    }
  }

  /**
   * A Bulk API 2.0 query job, its CSV results read page by page as they stream in and written
   * in the pull's own format. Resolves false when the job could not be had before anything was
   * sent (the caller then pages through REST, from the first page it holds); true otherwise. A
   * client that leaves aborts the job (while it runs) or stops the reading and deletes it.
   */
  async function pullThroughBulk(
    conn: Connection,
    ctx: PullContext & { describe: DescribeView; soql: string; columns: string[] },
  ): Promise<boolean> {
    const { def, describe, soql, columns, formatter, head, target, out } = ctx
    let jobId: string
    try {
      jobId = await createQueryJob(conn, soql)
    } catch {
      return false
    }
    try {
      if ((await waitForJob(conn, jobId, { closed: () => out.closed, maxWaitMs: bulk.maxWaitMs })) === 'closed') {
        await abortJob(conn, jobId)
        return true
      }
    } catch {
      await abortJob(conn, jobId)
      await deleteJob(conn, jobId)
      return false
    }

    const types = new Map(describe.fields.map((f) => [f.name.toLowerCase(), f.type]))
    const converters = columns.map((c) => bulkCellConverter(types.get(c.toLowerCase()) ?? 'string'))
    const writer = chunkedWriter(out)
    /** Rows waiting for the suppression check (only when it applies). */
    let batch: Array<{ values: unknown[]; email: string | null }> = []
    const flushBatch = async (): Promise<boolean> => {
      const rows = batch
      batch = []
      const emails = [...new Set(rows.map((r) => r.email).filter((e): e is string => e !== null))]
      const suppressed = await repo.findSuppressedEmails(pool, target.accountId, emails)
      for (const row of rows) {
        if (row.email && suppressed.has(row.email)) continue
        if (!(await writer.add(formatter.values(row.values)))) return false
      }
      return true
    }

    let deleted = false
    out.begin(head)
    try {
      if (formatter.header && !(await out.write(formatter.header))) return true
      let locator: string | null = null
      do {
        const reader = createCsvReader(',')
        /** Per page: where each output column (and Email) sits in its header line. */
        let positions: number[] | null = null
        let emailAt = -1
        const take = async (rows: Iterable<string[]>): Promise<boolean> => {
          for (const cells of rows) {
            if (!positions) {
              const at = new Map(cells.map((name, i) => [name.toLowerCase(), i]))
              positions = columns.map((c) => {
                const i = at.get(c.toLowerCase())
                if (i === undefined) throw new Error(`the Bulk API results have no ${c} column`)
                return i
              })
              emailAt = def.excludeSuppressed ? (at.get('email') ?? -1) : -1
              continue
            }
            const values = new Array<unknown>(positions.length)
            for (let c = 0; c < positions.length; c++) values[c] = converters[c]!(cells[positions[c]!] ?? '')
            if (def.excludeSuppressed) {
              batch.push({ values, email: emailAt >= 0 ? suppressionKey(cells[emailAt]) : null })
              if (batch.length >= SUPPRESSION_BATCH && !(await flushBatch())) return false
            } else if (!(await writer.add(formatter.values(values)))) return false
          }
          return true
        }
        const page = await readResultsPage(conn, jobId, {
          locator,
          maxRecords: bulk.pageRecords,
          extraHosts: bulk.extraHosts,
          onText: (text) => take(reader.push(text)),
        })
        if (page.stopped || !(await take(reader.end()))) break
        locator = page.next
      } while (locator && !out.closed)
      if (batch.length > 0) await flushBatch()
      if (await writer.flush()) {
        // Deleted before the response ends: once a client has everything, nothing is left at Salesforce.
        deleted = true
        await deleteJob(conn, jobId)
        out.end()
      }
    } catch (err) {
      out.abort(isAppError(err) ? err : translateQueryError(err))
    } finally {
      if (!deleted) await deleteJob(conn, jobId)
    }
    return true
  }
}
