/**
 * Database connections (SPEC §2, journeys 4 and 6): saved, named live queries of the
 * linked org. Create, list, get, copy and delete never need Salesforce; edit, connect
 * (test), preview, describe and pull do, and are refused up front with
 * SF_CREDENTIALS_REQUIRED (or the stored credential's own error) when there is no access.
 */
import type { Connection } from 'jsforce'
import type { Pool } from '../db/pool.js'
import { AppError, isAppError } from '../errors.js'
import type { AccessState, AccessTarget, SalesforceAccess } from '../salesforce/access-types.js'
import type { DescribeCache } from './describe-cache.js'
import { createDescribeCache } from './describe-cache.js'
import { fetchDescribe, type DescribeView } from './describe.js'
import {
  bulkCellConverter,
  fieldValue,
  recordFormatter,
  type RecordFormat,
  type SalesforceRecord,
} from './record-format.js'
import { normaliseEmail } from '../unsubscribes/emails.js'
import * as repo from './repository.js'
import type { ConnectionInput, ConnectionRow } from './repository.js'
import { buildSoql, SoqlBuildError, type ConnectionFilter, type SupportedSObject } from './soql-builder.js'
import { queryLocatorOf } from '../salesforce/hosts.js'
import { abortJob, createQueryJob, deleteJob, readResultsPage, waitForJob } from './bulk-query.js'
import { createCsvReader } from './csv-reader.js'

export const MAX_NAME_LENGTH = 200
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
/** Field types the Bulk API cannot return (compound fields, binary). */
const NOT_IN_BULK = new Set(['address', 'location', 'base64'])
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export interface ConnectionView {
  id: string
  name: string
  sobject: string
  fields: string[]
  filters: ConnectionFilter[]
  logic: 'AND' | 'OR'
  excludeOptedOut: boolean
  requireEmail: boolean
  excludeSuppressed: boolean
  createdAt: string
  updatedAt: string
}

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

export interface AccessView {
  canConnect: boolean
  code: string | null
  message: string | null
}

export interface TestResult {
  count: number
  records: Array<Record<string, unknown>>
  soql: string
}

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
  list(target: AccessTarget): Promise<{ items: ConnectionView[]; access: AccessView }>
  get(accountId: string, id: string): Promise<ConnectionView>
  create(accountId: string, draft: ConnectionDraft): Promise<ConnectionView>
  update(target: AccessTarget, id: string, patch: ConnectionPatch): Promise<ConnectionView>
  remove(accountId: string, id: string): Promise<void>
  copy(accountId: string, id: string): Promise<ConnectionView>
  test(target: AccessTarget, id: string): Promise<TestResult>
  preview(target: AccessTarget, draft: ConnectionDraft): Promise<TestResult>
  describe(target: AccessTarget, sobject: SupportedSObject): Promise<DescribeView>
  pull(target: AccessTarget, id: string, format: RecordFormat, out: PullOutput): Promise<void>
}

function toView(c: ConnectionRow): ConnectionView {
  return {
    id: c.id,
    name: c.name,
    sobject: c.sobject,
    fields: c.fields,
    filters: c.filters,
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

/** The gate of journey 6: the state's own credential error (SPEC §5) when it has one, else SF_CREDENTIALS_REQUIRED. */
export function accessError(state: AccessState): AppError {
  const code = state.code
  if (code && code !== 'SF_CREDENTIALS_REQUIRED' && code.startsWith('SF_')) return new AppError(code)
  return new AppError('SF_CREDENTIALS_REQUIRED', state.message ?? undefined)
}

/** Salesforce's answers that mean the query itself is wrong for this org (not the credential). */
const QUERY_ERROR_CODES = new Set([
  'INVALID_FIELD',
  'MALFORMED_QUERY',
  'INVALID_TYPE',
  'INVALID_QUERY_FILTER_OPERATOR',
  'NOT_FOUND',
])

function translateQueryError(err: unknown): unknown {
  if (err instanceof SoqlBuildError) {
    return new AppError('CONNECTION_INVALID', err.message, {
      cause: err,
      details: { reason: err.code, field: err.field ?? null },
    })
  }
  const code = (err as { errorCode?: unknown })?.errorCode
  if (typeof code === 'string' && QUERY_ERROR_CODES.has(code)) {
    const message = (err as Error).message ?? ''
    return new AppError('CONNECTION_INVALID', `Salesforce refused the query: ${message.slice(0, 300)}`, {
      cause: err,
      details: { reason: code },
    })
  }
  return err
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

  function describeOf(conn: Connection, organizationId: string, sobject: string): Promise<DescribeView> {
    return describes.get(organizationId, sobject, () => fetchDescribe(conn, sobject))
  }

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
      const describe = await describeOf(conn, organizationId, def.sobject)
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
      }
    })
  }

  return {
    async list(target) {
      const [rows, state] = await Promise.all([repo.listConnections(pool, target.accountId), salesforce.state(target)])
      const denied = state.canConnect ? null : accessError(state)
      return {
        items: rows.map(toView),
        access: { canConnect: state.canConnect, code: denied?.code ?? null, message: denied?.message ?? null },
      }
    },

    async get(accountId, id) {
      return toView(await find(accountId, id))
    },

    async create(accountId, draft) {
      // Always allowed: the definition is checked against the org's describe when it is next used.
      return toView(await repo.insertConnection(pool, accountId, toInput(draft, cleanName(draft.name))))
    },

    async update(target, id, patch) {
      const current = await find(target.accountId, id)
      const organizationId = await requireAccess(target)
      const merged = toInput({ ...current, ...patch } as ConnectionDraft, cleanName(patch.name ?? current.name))
      const checked = await salesforce.withConnection(target, async (conn) => {
        const describe = await describeOf(conn, organizationId, merged.sobject)
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
      return sample(target, await find(target.accountId, id))
    },

    async preview(target, draft) {
      return sample(target, toInput(draft, draft.name?.trim() || 'Preview'))
    },

    async describe(target, sobject) {
      const organizationId = await requireAccess(target)
      // A cached describe needs no Salesforce session at all.
      return describes.get(organizationId, sobject, () =>
        salesforce.withConnection(target, (conn) => fetchDescribe(conn, sobject)),
      )
    },

    async pull(target, id, format, out) {
      const def = await find(target.accountId, id)
      const organizationId = await requireAccess(target)
      await salesforce.withConnection(target, async (conn) => {
        const describe = await describeOf(conn, organizationId, def.sobject)
        const { soql, columns } = build(def, describe)
        // The first page is fetched before anything is sent: a refused query is still a JSON error.
        // Its totalSize is Salesforce's count, which decides between REST paging and the Bulk API.
        const first = await query(conn, soql)
        const formatter = recordFormatter(format, columns)
        const head = { contentType: formatter.contentType, contentDisposition: contentDisposition(def.name, format) }
        if (bulk.threshold > 0 && !first.done && first.totalSize > bulk.threshold && bulkReadable(def, describe)) {
          const sent = await pullThroughBulk(conn, { def, describe, soql, columns, formatter, head, target, out })
          if (sent) return
        }
        await pullThroughRest(conn, { def, first, formatter, head, target, out })
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
