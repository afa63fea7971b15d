// REST data API under /services/data: versions, query/queryAll with paging, describe,
// sObject CRUD, composite/sobjects, limits. Sessions, daily cap and Sforce-Limit-Info here.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { useSession } from '../auth.js'
import type { SimulatorContext } from '../context.js'
import { isValidId, KEY_PREFIXES } from '../ids.js'
import { orgLimits } from '../limits.js'
import type { UpdatePlan, Validation, WriteError } from '../records.js'
import {
  applyUpdate,
  deleteRecord,
  insertRecord,
  resolverFor,
  toWireRecord,
  validateCreate,
  validateDelete,
  validateUpdate,
} from '../records.js'
import { describeSObject, globalEntry } from '../describe.js'
import type { FieldDef, SObjectDef } from '../schema.js'
import { sobjectForId } from '../schema.js'
import { weekStartsOn } from '../soql/date-literals.js'
import { compileQuery, projector, runQuery } from '../soql/evaluate.js'
import { SoqlError } from '../soql/errors.js'
import { parseSoql } from '../soql/parser.js'
import type { Org, SimulatorState } from '../state.js'
import { registerBulkQueryRoutes } from './bulk2.js'
import { registerCompositeRoutes } from './composite.js'
import {
  bearerToken,
  JSON_TYPE,
  queryParams,
  sendSfError,
  type ApiContext,
  type ApiHandler,
  type ApiRoute,
} from './http.js'

const MIN_VERSION = 20
const MAX_VERSION = 66
const DEFAULT_BATCH = 2000
const CURSOR_IDLE_MS = 15 * 60_000
const MAX_COLLECTION = 200

function releaseLabel(version: number): string {
  const index = version - 20
  return `${['Winter', 'Spring', 'Summer'][index % 3]} '${String(11 + Math.floor(index / 3)).padStart(2, '0')}`
}

export function apiVersions(): { label: string; url: string; version: string }[] {
  const out = []
  for (let v = MIN_VERSION; v <= MAX_VERSION; v++)
    out.push({ label: releaseLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` })
  return out
}

function parseVersion(raw: string): string | undefined {
  const m = /^v(\d+)\.0$/.exec(raw)
  if (!m) return undefined
  const n = Number(m[1])
  return n >= MIN_VERSION && n <= MAX_VERSION ? `${n}.0` : undefined
}

function notFound(reply: FastifyReply): FastifyReply {
  return sendSfError(reply, 404, 'NOT_FOUND', 'The requested resource does not exist')
}

function batchSizeOf(request: FastifyRequest): number {
  const header = request.headers['sforce-query-options']
  const m = typeof header === 'string' ? /batchSize\s*=\s*(\d+)/i.exec(header) : null
  if (!m) return DEFAULT_BATCH
  return Math.min(2000, Math.max(200, Number(m[1])))
}

function today(state: SimulatorState): string {
  return new Date(state.now()).toISOString().slice(0, 10)
}

function asObject(body: unknown): Record<string, unknown> | undefined {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined
}

const ROLLED_BACK: WriteError = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
}

/** Counts one API call of an org by endpoint. */
export function countApiCall(state: SimulatorState, orgId: string, endpoint: string, userId: string): void {
  const calls = state.counters.apiCalls
  calls.total++
  calls.byEndpoint[endpoint] = (calls.byEndpoint[endpoint] ?? 0) + 1
  calls.byUser[userId] = (calls.byUser[userId] ?? 0) + 1
  calls.byOrg[orgId] = (calls.byOrg[orgId] ?? 0) + 1
  const byOrg = state.counters.apiCallsByOrg
  const org = (byOrg[orgId] ??= { total: 0, byEndpoint: {} })
  org.total++
  org.byEndpoint[endpoint] = (org.byEndpoint[endpoint] ?? 0) + 1
}

export function registerRestRoutes(app: FastifyInstance, ctx: SimulatorContext): void {
  const { state } = ctx
  const gate = ctx.composite

  /** Authenticates, enforces the org's switches and daily cap, counts the call, sets Sforce-Limit-Info. */
  const api: ApiRoute =
    (endpoint: string, handler: ApiHandler) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const version = parseVersion((request.params as { version: string }).version)
      if (!version) return notFound(reply)
      const token = bearerToken(request)
      const session = token ? useSession(state, token) : undefined
      if (!session) return sendSfError(reply, 401, 'INVALID_SESSION_ID', 'Session expired or invalid')
      const org = state.orgs.get(session.orgId)!
      const user = state.users.get(session.userId)!
      // A /composite subrequest: the composite call itself was counted and checked against the cap.
      if (gate && request.headers['x-sim-subrequest'] === gate.token) {
        const sub = state.counters.subrequests
        sub.total++
        sub.byEndpoint[endpoint] = (sub.byEndpoint[endpoint] ?? 0) + 1
        state.journal = gate.journals.get(String(request.headers['x-sim-journal'] ?? '')) ?? null
        try {
          return handler(request, reply, { session, user, org, version })
        } finally {
          state.journal = null
        }
      }
      if (org.apiUsageDay !== today(state)) {
        org.apiUsageDay = today(state)
        org.apiRequestsUsed = 0
      }
      reply.header('Sforce-Limit-Info', `api-usage=${org.apiRequestsUsed}/${org.settings.apiRequestCap}`)
      if (!org.settings.apiEnabled)
        return sendSfError(reply, 403, 'API_DISABLED_FOR_ORG', 'API is not enabled for this Organization or Partner')
      if (org.apiRequestsUsed >= org.settings.apiRequestCap)
        return sendSfError(reply, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.')
      org.apiRequestsUsed++
      reply.header('Sforce-Limit-Info', `api-usage=${org.apiRequestsUsed}/${org.settings.apiRequestCap}`)
      countApiCall(state, org.id, endpoint, user.id)
      if (session.restricted) {
        return sendSfError(
          reply,
          403,
          'INVALID_OPERATION_WITH_EXPIRED_PASSWORD',
          'The users password has expired, you must call SetPassword before attempting any other API operations',
        )
      }
      return handler(request, reply, { session, user, org, version })
    }

  // Also answers /services/data/ (the router ignores a trailing slash, as Salesforce does).
  app.get('/services/data', async (_request, reply) => reply.type(JSON_TYPE).send(apiVersions()))

  app.get(
    '/services/data/:version',
    api('resources', (_request, reply, { user, version }) => {
      const base = `/services/data/v${version}`
      return reply.type(JSON_TYPE).send({
        sobjects: `${base}/sobjects`,
        query: `${base}/query`,
        queryAll: `${base}/queryAll`,
        composite: `${base}/composite`,
        limits: `${base}/limits`,
        identity: `${state.baseUrl}/id/${user.orgId}/${user.id}`,
      })
    }),
  )

  // ---- query / queryAll ----------------------------------------------------------------

  const runSoql =
    (includeDeleted: boolean): ApiHandler =>
    (request, reply, { org, user, version }) => {
      const soql = queryParams(request).q
      if (!soql) return sendSfError(reply, 400, 'MALFORMED_QUERY', 'A query string has to be specified')
      const resolve = resolverFor(state, org.id)
      try {
        const compiled = compileQuery(parseSoql(soql), {
          schema: org.schema,
          resolve,
          now: state.now(),
          weekStart: weekStartsOn(user.locale),
        })
        const matched = runQuery(compiled, state.table(org.id, compiled.sobject.name).rows, includeDeleted)
        if (compiled.count) return reply.type(JSON_TYPE).send({ totalSize: matched.length, done: true, records: [] })
        const project = projector(compiled, version, org.schema, resolve)
        const batch = batchSizeOf(request)
        const first = matched.slice(0, batch).map(project)
        if (matched.length <= batch)
          return reply.type(JSON_TYPE).send({ totalSize: matched.length, done: true, records: first })
        const id = state.ids.next(KEY_PREFIXES.QueryLocator)
        pruneCursors()
        state.cursors.set(id, {
          id,
          orgId: org.id,
          type: compiled.sobject.name,
          records: matched,
          project,
          batchSize: batch,
          lastUsed: state.now(),
        })
        return reply.type(JSON_TYPE).send({
          totalSize: matched.length,
          done: false,
          nextRecordsUrl: `/services/data/v${version}/${includeDeleted ? 'queryAll' : 'query'}/${id}-${batch}`,
          records: first,
        })
      } catch (err) {
        if (err instanceof SoqlError) return sendSfError(reply, 400, err.errorCode, err.message)
        throw err
      }
    }

  const pruneCursors = () => {
    const now = state.now()
    for (const [id, c] of state.cursors) if (now - c.lastUsed > CURSOR_IDLE_MS) state.cursors.delete(id)
  }

  const queryMore =
    (endpoint: string): ApiHandler =>
    (request, reply, { org, version }) => {
      const { locator } = request.params as { locator: string }
      const m = /^([0-9A-Za-z]{15,18})-(\d+)$/.exec(locator)
      const cursor = m ? state.cursors.get(m[1]) : undefined
      if (!m || !cursor || cursor.orgId !== org.id || state.now() - cursor.lastUsed > CURSOR_IDLE_MS) {
        return sendSfError(reply, 400, 'INVALID_QUERY_LOCATOR', 'invalid query locator')
      }
      cursor.lastUsed = state.now()
      const start = Number(m[2])
      const end = start + cursor.batchSize
      const records = cursor.records.slice(start, end).map(cursor.project)
      const done = end >= cursor.records.length
      if (done) state.cursors.delete(cursor.id)
      return reply.type(JSON_TYPE).send({
        totalSize: cursor.records.length,
        done,
        ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/${endpoint}/${cursor.id}-${end}` }),
        records,
      })
    }

  app.get('/services/data/:version/query', api('query', runSoql(false)))
  app.get('/services/data/:version/queryAll', api('queryAll', runSoql(true)))
  app.get('/services/data/:version/query/:locator', api('queryMore', queryMore('query')))
  app.get('/services/data/:version/queryAll/:locator', api('queryMore', queryMore('queryAll')))

  // ---- describe -----------------------------------------------------------------------

  app.get(
    '/services/data/:version/sobjects',
    api('sobjects', (_request, reply, { org, version }) =>
      reply.type(JSON_TYPE).send({
        encoding: 'UTF-8',
        maxBatchSize: 200,
        sobjects: org.schema.list().map((d) => globalEntry(d, version)),
      }),
    ),
  )

  const withType =
    (
      handler: (request: FastifyRequest, reply: FastifyReply, api: ApiContext, def: SObjectDef) => unknown,
    ): ApiHandler =>
    (request, reply, a) => {
      const def = a.org.schema.find((request.params as { type: string }).type)
      return def ? handler(request, reply, a, def) : notFound(reply)
    }

  app.get(
    '/services/data/:version/sobjects/:type/describe',
    api(
      'describe',
      withType((_request, reply, { org, version }, def) =>
        reply.type(JSON_TYPE).send(describeSObject(org.schema, def, version)),
      ),
    ),
  )

  app.get(
    '/services/data/:version/sobjects/:type',
    api(
      'sobject',
      withType((_request, reply, { version }, def) =>
        reply.type(JSON_TYPE).send({ objectDescribe: globalEntry(def, version), recentItems: [] }),
      ),
    ),
  )

  // ---- single-record CRUD ---------------------------------------------------------------

  const sendWriteError = (reply: FastifyReply, error: WriteError) =>
    sendSfError(
      reply,
      error.statusCode === 'INVALID_CROSS_REFERENCE_KEY' ? 404 : 400,
      error.statusCode,
      error.message,
      error.fields,
    )

  app.post(
    '/services/data/:version/sobjects/:type',
    api(
      'sobject.create',
      withType((request, reply, { org, user }, def) => {
        const body = asObject(request.body)
        if (!body) return sendSfError(reply, 400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object')
        const checked = validateCreate(state, org.id, def, body)
        if (!checked.ok)
          return sendSfError(
            reply,
            400,
            checked.errors[0].statusCode,
            checked.errors[0].message,
            checked.errors[0].fields,
          )
        const record = insertRecord(state, org.id, def, checked.value, user)
        return reply.code(201).type(JSON_TYPE).send({ id: record.Id, success: true, errors: [] })
      }),
    ),
  )

  const liveRecord = (orgId: string, def: SObjectDef, id: string) => {
    if (!isValidId(id) || sobjectForId(id)?.name !== def.name) return undefined
    const record = state.table(orgId, def.name).byId.get(id.slice(0, 15))
    return record && !record.IsDeleted ? record : undefined
  }

  app.get(
    '/services/data/:version/sobjects/:type/:id',
    api(
      'sobject.retrieve',
      withType((request, reply, { org, version }, def) => {
        const { id } = request.params as { id: string }
        const record = liveRecord(org.id, def, id)
        if (!record) return notFound(reply)
        const wanted = queryParams(request).fields
        let fields: FieldDef[] = def.fields
        if (wanted) {
          fields = []
          for (const name of wanted
            .split(',')
            .map((f) => f.trim())
            .filter(Boolean)) {
            const f = def.fieldMap.get(name.toLowerCase())
            if (!f)
              return sendSfError(
                reply,
                400,
                'INVALID_FIELD',
                `No such column '${name}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
              )
            fields.push(f)
          }
        }
        return reply.type(JSON_TYPE).send(toWireRecord(state, org.id, def, record, version, fields))
      }),
    ),
  )

  app.patch(
    '/services/data/:version/sobjects/:type/:id',
    api(
      'sobject.update',
      withType((request, reply, { org, user }, def) => {
        const { id } = request.params as { id: string }
        const body = asObject(request.body)
        if (!body) return sendSfError(reply, 400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object')
        if (!liveRecord(org.id, def, id)) {
          const deleted = isValidId(id) && state.table(org.id, def.name).byId.get(id.slice(0, 15))?.IsDeleted
          return deleted ? sendSfError(reply, 404, 'ENTITY_IS_DELETED', 'entity is deleted', []) : notFound(reply)
        }
        const checked = validateUpdate(state, org.id, def, id, body)
        if (!checked.ok) return sendWriteError(reply, checked.errors[0])
        applyUpdate(state, def, checked.value, user)
        return reply.code(204).send()
      }),
    ),
  )

  app.delete(
    '/services/data/:version/sobjects/:type/:id',
    api(
      'sobject.delete',
      withType((request, reply, { org }, def) => {
        const { id } = request.params as { id: string }
        if (!liveRecord(org.id, def, id)) {
          const deleted = isValidId(id) && state.table(org.id, def.name).byId.get(id.slice(0, 15))?.IsDeleted
          return deleted ? sendSfError(reply, 404, 'ENTITY_IS_DELETED', 'entity is deleted', []) : notFound(reply)
        }
        const checked = validateDelete(state, org.id, id)
        if (!checked.ok) return sendWriteError(reply, checked.errors[0])
        deleteRecord(state, org.id, checked.value.def, checked.value.target)
        return reply.code(204).send()
      }),
    ),
  )

  // ---- composite/sobjects ----------------------------------------------------------------

  interface CollectionBody {
    allOrNone: boolean
    records: Record<string, unknown>[]
  }

  const collectionBody = (request: FastifyRequest): CollectionBody | string => {
    const body = asObject(request.body)
    if (!body || !Array.isArray(body.records)) return 'The request body must be an object with a records array'
    if (!body.records.every((r) => asObject(r))) return 'Each record must be a JSON object'
    return { allOrNone: body.allOrNone === true, records: body.records as Record<string, unknown>[] }
  }

  const exceeded = (reply: FastifyReply) =>
    sendSfError(
      reply,
      400,
      'EXCEEDED_ID_LIMIT',
      'record limit reached. cannot submit more than 200 records into this call',
    )

  const typeOf = (org: Org, record: Record<string, unknown>): SObjectDef | undefined => {
    const attributes = asObject(record.attributes)
    return typeof attributes?.type === 'string' ? org.schema.find(attributes.type) : undefined
  }

  /** Validates every item, then applies all (allOrNone: only when every one is valid). */
  const runCollection = <T>(
    allOrNone: boolean,
    plans: Validation<T>[],
    apply: (plan: T) => string,
    idOf: (index: number) => string | undefined,
  ) => {
    const anyFailed = plans.some((p) => !p.ok)
    return plans.map((plan, i) => {
      const id = idOf(i)
      if (!plan.ok) return { ...(id ? { id } : {}), success: false, errors: plan.errors }
      if (allOrNone && anyFailed) return { ...(id ? { id } : {}), success: false, errors: [ROLLED_BACK] }
      return { id: apply(plan.value), success: true, errors: [] }
    })
  }

  const noType = (): Validation<never> => ({
    ok: false,
    errors: [
      {
        statusCode: 'INVALID_TYPE',
        message: 'Must send a concrete entity type in the attributes of each record.',
        fields: [],
      },
    ],
  })

  app.post(
    '/services/data/:version/composite/sobjects',
    api('composite/sobjects', (request, reply, { org, user }) => {
      const body = collectionBody(request)
      if (typeof body === 'string') return sendSfError(reply, 400, 'JSON_PARSER_ERROR', body)
      if (body.records.length > MAX_COLLECTION) return exceeded(reply)
      const plans = body.records.map((record) => {
        const def = typeOf(org, record)
        if (!def) return noType()
        const checked = validateCreate(state, org.id, def, record)
        return checked.ok ? ({ ok: true, value: { def, values: checked.value } } as const) : checked
      })
      const results = runCollection(
        body.allOrNone,
        plans,
        ({ def, values }) => insertRecord(state, org.id, def, values, user).Id,
        () => undefined,
      )
      return reply.type(JSON_TYPE).send(results)
    }),
  )

  app.patch(
    '/services/data/:version/composite/sobjects',
    api('composite/sobjects', (request, reply, { org, user }) => {
      const body = collectionBody(request)
      if (typeof body === 'string') return sendSfError(reply, 400, 'JSON_PARSER_ERROR', body)
      if (body.records.length > MAX_COLLECTION) return exceeded(reply)
      const plans: Validation<{ def: SObjectDef; plan: UpdatePlan }>[] = body.records.map((record) => {
        const def = typeOf(org, record)
        if (!def) return noType()
        const { id, ...fields } = record
        const checked = validateUpdate(state, org.id, def, id, fields)
        return checked.ok ? { ok: true, value: { def, plan: checked.value } } : checked
      })
      const results = runCollection(
        body.allOrNone,
        plans,
        ({ def, plan }) => applyUpdate(state, def, plan, user).Id,
        (i) => (typeof body.records[i].id === 'string' ? (body.records[i].id as string) : undefined),
      )
      return reply.type(JSON_TYPE).send(results)
    }),
  )

  app.delete(
    '/services/data/:version/composite/sobjects',
    api('composite/sobjects', (request, reply, { org }) => {
      const q = queryParams(request)
      const ids = (q.ids ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
      if (ids.length === 0) return sendSfError(reply, 400, 'MISSING_ARGUMENT', 'ids parameter is required')
      if (ids.length > MAX_COLLECTION) return exceeded(reply)
      const plans = ids.map((id) => validateDelete(state, org.id, id))
      const results = runCollection(
        q.allOrNone === 'true',
        plans,
        ({ def, target }) => {
          deleteRecord(state, org.id, def, target)
          return target.Id
        },
        (i) => ids[i],
      )
      return reply.type(JSON_TYPE).send(results)
    }),
  )

  const retrieveMany: ApiHandler = (request, reply, { org, version }) => {
    const def = org.schema.find((request.params as { type: string }).type)
    if (!def) return notFound(reply)
    const q = { ...queryParams(request), ...(asObject(request.body) as Record<string, string> | undefined) }
    const ids = Array.isArray(q.ids)
      ? (q.ids as string[])
      : String(q.ids ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
    const names = Array.isArray(q.fields)
      ? (q.fields as string[])
      : String(q.fields ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
    if (ids.length > 2000) return exceeded(reply)
    const fields: FieldDef[] = []
    for (const name of names) {
      const f = def.fieldMap.get(name.toLowerCase())
      if (!f) return sendSfError(reply, 400, 'INVALID_FIELD', `No such column '${name}' on entity '${def.name}'.`)
      fields.push(f)
    }
    return reply.type(JSON_TYPE).send(
      ids.map((id) => {
        const record = liveRecord(org.id, def, id)
        return record
          ? toWireRecord(state, org.id, def, record, version, fields.length > 0 ? fields : def.fields)
          : null
      }),
    )
  }
  app.get('/services/data/:version/composite/sobjects/:type', api('composite/sobjects.retrieve', retrieveMany))
  app.post('/services/data/:version/composite/sobjects/:type', api('composite/sobjects.retrieve', retrieveMany))

  // ---- limits ---------------------------------------------------------------------------

  app.get(
    '/services/data/:version/limits',
    api('limits', (_request, reply, { org }) => reply.type(JSON_TYPE).send(orgLimits(org))),
  )

  registerCompositeRoutes(app, ctx, api)
  registerBulkQueryRoutes(app, ctx, api)
  // Unknown paths and methods: routes/fallback.ts answers them in Salesforce's shapes.
}
