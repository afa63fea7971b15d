// Bulk API 2.0 query jobs, as jsforce's `bulk2` (lib/api/bulk2.js) drives them:
//   POST   /services/data/vXX.X/jobs/query                  create (state UploadComplete)
//   GET    /services/data/vXX.X/jobs/query[/:id]            list / poll (InProgress → JobComplete)
//   GET    /services/data/vXX.X/jobs/query/:id/results      CSV page (?locator=&maxRecords=), with
//                                                           Sforce-Locator ("null" at the end) and
//                                                           Sforce-NumberOfRecords
//   PATCH  /services/data/vXX.X/jobs/query/:id {state: "Aborted"}, DELETE …/:id
// Every HTTP call is one API call. The query runs when the job is created (its matches are kept
// as the job's result set); pages are streamed as CSV chunks, never built as one string, so a
// million records go out at a few hundred thousand per second or more.
import type { FastifyInstance, FastifyReply } from 'fastify'
import { Readable } from 'node:stream'
import { DEFAULT_BULK_SETTINGS, type SimulatorContext } from '../context.js'
import { KEY_PREFIXES } from '../ids.js'
import { resolverFor } from '../records.js'
import type { SRecord } from '../schema.js'
import { formatDateTime, isoDateTimeBase } from '../schema.js'
import { weekStartsOn } from '../soql/date-literals.js'
import { SoqlError } from '../soql/errors.js'
import { compileQuery, runQuery, type Column } from '../soql/evaluate.js'
import { parseSoql } from '../soql/parser.js'
import { JSON_TYPE, queryParams, sendSfError, type ApiRoute } from './http.js'

type JobState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Aborted' | 'Failed'

const DELIMITERS: Record<string, string> = {
  COMMA: ',',
  TAB: '\t',
  SEMICOLON: ';',
  PIPE: '|',
  CARET: '^',
  BACKQUOTE: '`',
}
const LINE_ENDINGS: Record<string, string> = { LF: '\n', CRLF: '\r\n' }

interface QueryJob {
  id: string
  orgId: string
  createdById: string
  operation: 'query' | 'queryAll'
  object: string
  apiVersion: number
  columnDelimiter: string
  lineEnding: string
  createdDate: number
  systemModstamp: number
  state: JobState
  /** Wall-clock time (performance.now) when processing is over. */
  readyAt: number
  startedAt: number
  records: SRecord[]
  columns: Column[]
  /** Status polls (GET) answered so far, and the one at which the job fails (0: never). */
  polls: number
  failAtPoll: number
  /** Why a Failed job failed, as Salesforce's job info gives it. */
  errorMessage?: string
}

/** What a query job that failed at Salesforce says (its job info's errorMessage). */
const FAILED_JOB_MESSAGE = 'Failed to process query: an internal error occurred while running the job'

function jobError(reply: FastifyReply, status: number, errorCode: string, message: string) {
  return sendSfError(reply, status, errorCode, message)
}

/** Salesforce's opaque locators look like Base64 text ("MTAwMDA" for 10000); ours encode the offset. */
function encodeLocator(offset: number): string {
  return Buffer.from(String(offset)).toString('base64').replace(/=+$/, '')
}

function decodeLocator(locator: string): number | undefined {
  if (!/^[A-Za-z0-9+/]+$/.test(locator)) return undefined
  const text = Buffer.from(locator, 'base64').toString('utf8')
  return /^\d+$/.test(text) ? Number(text) : undefined
}

/** What a cell holds, as text to quote, or null. */
type CellText = (record: SRecord) => string | null

function cellText(column: Column): CellText {
  const get = column.get
  if (column.field.type === 'datetime') {
    return (r) => {
      const v = get(r)
      return typeof v === 'number' ? `${isoDateTimeBase(v)}Z` : null
    }
  }
  return (r) => {
    const v = get(r)
    return v === null ? null : typeof v === 'string' ? v : String(v)
  }
}

const QUOTE = 0x22
/** Bytes per streamed chunk. */
const CHUNK_BYTES = 256 * 1024

/**
 * The CSV of records [start, end), written straight into 256 KiB buffers (every cell quoted, as
 * Salesforce writes them; empty quotes for null). Writing bytes instead of concatenating strings
 * keeps a million-row page from making millions of short-lived strings.
 */
function* csvChunks(job: QueryJob, start: number, end: number, onRows: (n: number) => void): Generator<Buffer> {
  const delimiter = DELIMITERS[job.columnDelimiter].charCodeAt(0)
  const crlf = job.lineEnding === 'CRLF'
  const cells = job.columns.map(cellText)
  const width = cells.length
  yield Buffer.from(
    job.columns.map((c) => `"${c.name}"`).join(DELIMITERS[job.columnDelimiter]) + LINE_ENDINGS[job.lineEnding],
  )
  let out = Buffer.allocUnsafe(CHUNK_BYTES)
  let pos = 0
  let rows = 0
  for (let i = start; i < end; i++) {
    const record = job.records[i]
    for (let c = 0; c < width; c++) {
      let text = cells[c](record) ?? ''
      if (text.indexOf('"') >= 0) text = text.replace(/"/g, '""')
      // Room for the worst case (3 bytes per UTF-16 unit), quotes, delimiter and line end.
      if (pos + text.length * 3 + 8 > out.length) {
        onRows(rows)
        rows = 0
        yield out.subarray(0, pos)
        out = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, text.length * 3 + 8))
        pos = 0
      }
      if (c > 0) out[pos++] = delimiter
      out[pos++] = QUOTE
      pos += out.write(text, pos)
      out[pos++] = QUOTE
    }
    if (crlf) out[pos++] = 0x0d
    out[pos++] = 0x0a
    rows++
  }
  onRows(rows)
  if (pos > 0) yield out.subarray(0, pos)
}

export function registerBulkQueryRoutes(app: FastifyInstance, ctx: SimulatorContext, api: ApiRoute): void {
  const { state } = ctx
  const settings = (ctx.bulk ??= { ...DEFAULT_BULK_SETTINGS })
  /** Jobs of this simulator (all orgs), by 15-character ID. */
  const jobs = new Map<string, QueryJob>()

  const stateOf = (job: QueryJob): JobState => {
    if ((job.state === 'UploadComplete' || job.state === 'InProgress') && performance.now() >= job.readyAt) {
      job.state = 'JobComplete'
      job.systemModstamp = state.now()
    }
    return job.state
  }

  const info = (job: QueryJob, full: boolean) => ({
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: job.createdById,
    createdDate: formatDateTime(job.createdDate),
    systemModstamp: formatDateTime(job.systemModstamp),
    state: job.state,
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: job.apiVersion,
    ...(job.errorMessage !== undefined ? { errorMessage: job.errorMessage } : {}),
    ...(full
      ? {
          jobType: 'V2Query',
          lineEnding: job.lineEnding,
          columnDelimiter: job.columnDelimiter,
          numberRecordsProcessed: job.state === 'JobComplete' ? job.records.length : 0,
          retries: 0,
          totalProcessingTime: job.state === 'JobComplete' ? Math.max(0, Math.round(job.readyAt - job.startedAt)) : 0,
          isPkChunkingSupported: true,
        }
      : { lineEnding: job.lineEnding, columnDelimiter: job.columnDelimiter }),
  })

  const jobOf = (orgId: string, id: string): QueryJob | undefined => {
    const job = jobs.get(id.slice(0, 15))
    return job && job.orgId === orgId ? job : undefined
  }

  const notFound = (reply: FastifyReply) => jobError(reply, 404, 'NOT_FOUND', 'The requested resource does not exist')

  app.post(
    '/services/data/:version/jobs/query',
    api('jobs/query', (request, reply, { org, user, version }) => {
      const body = request.body
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        return jobError(reply, 400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object')
      }
      const input = body as Record<string, unknown>
      const operation = input.operation ?? 'query'
      if (operation !== 'query' && operation !== 'queryAll') {
        return jobError(reply, 400, 'INVALIDJOB', `Invalid operation: ${String(operation)}; use query or queryAll`)
      }
      if (typeof input.query !== 'string' || input.query.trim() === '') {
        return jobError(reply, 400, 'INVALIDJOB', 'The query is required')
      }
      const columnDelimiter = String(input.columnDelimiter ?? 'COMMA')
      const lineEnding = String(input.lineEnding ?? 'LF')
      if (!(columnDelimiter in DELIMITERS)) {
        return jobError(reply, 400, 'INVALIDJOB', `Invalid columnDelimiter: ${columnDelimiter}`)
      }
      if (!(lineEnding in LINE_ENDINGS)) return jobError(reply, 400, 'INVALIDJOB', `Invalid lineEnding: ${lineEnding}`)
      if (input.contentType !== undefined && input.contentType !== 'CSV') {
        return jobError(reply, 400, 'INVALIDJOB', 'The only contentType supported is CSV')
      }
      let compiled
      try {
        compiled = compileQuery(parseSoql(input.query), {
          schema: org.schema,
          resolve: resolverFor(state, org.id),
          now: state.now(),
          weekStart: weekStartsOn(user.locale),
        })
      } catch (err) {
        if (err instanceof SoqlError) return jobError(reply, 400, err.errorCode, err.message)
        throw err
      }
      if (compiled.count) {
        return jobError(
          reply,
          400,
          'INVALIDJOB',
          'Aggregate functions such as COUNT() are not supported in Bulk API 2.0 queries',
        )
      }
      if (compiled.offset !== null) {
        return jobError(reply, 400, 'INVALIDJOB', 'OFFSET is not supported in Bulk API 2.0 queries')
      }
      if (compiled.columns.some((c) => c.field.type === 'address')) {
        return jobError(reply, 400, 'FUNCTIONALITY_NOT_ENABLED', 'Selecting compound data not supported in Bulk Query')
      }
      const records = runQuery(compiled, state.table(org.id, compiled.sobject.name).rows, operation === 'queryAll')
      let id = state.ids.next(KEY_PREFIXES.BulkJob)
      while (jobs.has(id.slice(0, 15))) id = state.ids.next(KEY_PREFIXES.BulkJob)
      const now = state.now()
      const startedAt = performance.now()
      const job: QueryJob = {
        id,
        orgId: org.id,
        createdById: user.id,
        operation,
        object: compiled.sobject.name,
        apiVersion: Number(version),
        columnDelimiter,
        lineEnding,
        createdDate: now,
        systemModstamp: now,
        state: 'UploadComplete',
        readyAt: startedAt + settings.processingMs,
        startedAt,
        records,
        columns: compiled.columns,
        polls: 0,
        failAtPoll: settings.failAfterPolls,
      }
      jobs.set(id.slice(0, 15), job)
      state.counters.bulk.jobsCreated++
      return reply.type(JSON_TYPE).send(info(job, false))
    }),
  )

  app.get(
    '/services/data/:version/jobs/query',
    api('jobs/query.list', (_request, reply, { org }) => {
      const records = [...jobs.values()].filter((j) => j.orgId === org.id).map((j) => (stateOf(j), info(j, true)))
      return reply.type(JSON_TYPE).send({ done: true, records, nextRecordsUrl: null })
    }),
  )

  app.get(
    '/services/data/:version/jobs/query/:id',
    api('jobs/query.get', (request, reply, { org }) => {
      const job = jobOf(org.id, (request.params as { id: string }).id)
      if (!job) return notFound(reply)
      // A job is seen InProgress at least once when processing takes time, as in Salesforce.
      if (job.state === 'UploadComplete' && performance.now() < job.readyAt) job.state = 'InProgress'
      const current = stateOf(job)
      job.polls++
      if (
        job.failAtPoll > 0 &&
        job.polls >= job.failAtPoll &&
        (current === 'UploadComplete' || current === 'InProgress')
      ) {
        // Failed while running (bulk settings' failAfterPolls): final, no results, errorMessage says why.
        job.state = 'Failed'
        job.errorMessage = FAILED_JOB_MESSAGE
        job.systemModstamp = state.now()
        job.records = []
      }
      return reply.type(JSON_TYPE).send(info(job, true))
    }),
  )

  app.get(
    '/services/data/:version/jobs/query/:id/results',
    api('jobs/query.results', (request, reply, { org }) => {
      const job = jobOf(org.id, (request.params as { id: string }).id)
      if (!job) return notFound(reply)
      const current = stateOf(job)
      if (current !== 'JobComplete') {
        return jobError(
          reply,
          400,
          'JOB_NOT_COMPLETE',
          `can only download query results of successfully completed bulk job with status: JOB_COMPLETE. Current status: ${current === 'InProgress' || current === 'UploadComplete' ? 'IN_PROGRESS' : current.toUpperCase()}`,
        )
      }
      const q = queryParams(request)
      const offset = q.locator ? decodeLocator(q.locator) : 0
      if (offset === undefined || offset > job.records.length) {
        return jobError(reply, 400, 'INVALID_LOCATOR', `Invalid locator: ${q.locator}`)
      }
      let pageSize = settings.resultsPageSize
      if (q.maxRecords !== undefined) {
        pageSize = Number(q.maxRecords)
        if (!/^\d+$/.test(q.maxRecords) || pageSize < 1) {
          return jobError(reply, 400, 'INVALID_INPUT', 'maxRecords must be a positive integer')
        }
      }
      const end = Math.min(job.records.length, offset + pageSize)
      reply
        .type('text/csv')
        .header('Sforce-NumberOfRecords', String(end - offset))
        .header('Sforce-Locator', end < job.records.length ? encodeLocator(end) : 'null')
      const counters = state.counters.bulk
      const body = Readable.from(
        csvChunks(job, offset, end, (n) => {
          counters.recordsServed += n
        }),
        { objectMode: false, highWaterMark: CHUNK_BYTES },
      )
      return reply.send(body)
    }),
  )

  app.patch(
    '/services/data/:version/jobs/query/:id',
    api('jobs/query.abort', (request, reply, { org }) => {
      const job = jobOf(org.id, (request.params as { id: string }).id)
      if (!job) return notFound(reply)
      const body = request.body as { state?: unknown } | undefined
      if (body?.state !== 'Aborted') {
        return jobError(reply, 400, 'INVALIDJOBSTATE', 'A query job can only be changed to the state Aborted')
      }
      const current = stateOf(job)
      if (current !== 'UploadComplete' && current !== 'InProgress') {
        return jobError(reply, 400, 'INVALIDJOBSTATE', `Job is already in a final state: ${current}`)
      }
      job.state = 'Aborted'
      job.systemModstamp = state.now()
      job.records = []
      return reply.type(JSON_TYPE).send(info(job, false))
    }),
  )

  app.delete(
    '/services/data/:version/jobs/query/:id',
    api('jobs/query.delete', (request, reply, { org }) => {
      const job = jobOf(org.id, (request.params as { id: string }).id)
      if (!job) return notFound(reply)
      const current = stateOf(job)
      if (current === 'UploadComplete' || current === 'InProgress') {
        return jobError(
          reply,
          400,
          'INVALIDJOBSTATE',
          'Only a job in a final state (JobComplete, Aborted, Failed) can be deleted',
        )
      }
      jobs.delete(job.id.slice(0, 15))
      return reply.code(204).send()
    }),
  )
}
