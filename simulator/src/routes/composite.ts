// POST /services/data/vXX.X/composite: up to 25 subrequests (at most 5 of them queries or sObject
// Collections) run in order as one API call, with referenceId / @{ref.path} references,
// per-subrequest status and body, and allOrNone rolling every write back when one fails.
// Subrequests run through the ordinary routes (app.inject), marked so they are not counted as
// API calls of their own and so their writes are journaled for the rollback.
import type { FastifyInstance } from 'fastify'
import { randomUUID } from 'node:crypto'
import type { SimulatorContext } from '../context.js'
import { JSON_TYPE, sendSfError, type ApiRoute } from './http.js'

const MAX_SUBREQUESTS = 25
const MAX_QUERIES_AND_COLLECTIONS = 5
const REFERENCE_ID = /^[A-Za-z0-9][A-Za-z0-9_]*$/
const REFERENCE = /@\{([^}]*)\}/g
const METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD'])

interface Subrequest {
  method: string
  url: string
  referenceId: string
  body?: unknown
  httpHeaders?: Record<string, string>
}

interface SubResponse {
  body: unknown
  httpHeaders: Record<string, string>
  httpStatusCode: number
  referenceId: string | null
}

const error = (errorCode: string, message: string) => [{ errorCode, message }]

const halted = (referenceId: string | null, message: string): SubResponse => ({
  body: error('PROCESSING_HALTED', message),
  httpHeaders: {},
  httpStatusCode: 400,
  referenceId,
})

const ROLLED_BACK = 'The transaction was rolled back since another operation in the same transaction failed.'

/** Query, queryAll and sObject Collections count toward Salesforce's limit of 5 per composite request. */
function isQueryOrCollection(url: string): boolean {
  const path = url.split('?')[0].replace(/^\/services\/data\/v\d+\.\d+/, '')
  return /^\/(query|queryAll)(\/|$)/.test(path) || /^\/composite\/sobjects(\/|$)/.test(path)
}

/** Reads `ref.path[0].field` out of earlier subrequests' bodies; undefined when there is no such value. */
function lookup(bodies: Map<string, unknown>, expression: string): unknown {
  const m = /^([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)$/.exec(expression.trim())
  if (!m || !bodies.has(m[1])) return undefined
  let current: unknown = bodies.get(m[1])
  for (const step of m[2].match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
    if (current === null || typeof current !== 'object') return undefined
    const key = step.startsWith('[') ? Number(step.slice(1, -1)) : step.slice(1)
    current = (current as Record<string | number, unknown>)[key]
  }
  return current === undefined || (typeof current === 'object' && current !== null) ? undefined : current
}

class MissingReference extends Error {
  constructor(readonly expression: string) {
    super(expression)
  }
}

function substitute(text: string, bodies: Map<string, unknown>): string {
  return text.replace(REFERENCE, (_all, expression: string) => {
    const value = lookup(bodies, expression)
    if (value === undefined) throw new MissingReference(expression)
    return String(value)
  })
}

/** A body with its references replaced; a string that is one whole reference takes the value's own type. */
function resolveBody(value: unknown, bodies: Map<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = /^@\{([^}]*)\}$/.exec(value)
    if (whole) {
      const found = lookup(bodies, whole[1])
      if (found === undefined) throw new MissingReference(whole[1])
      return found
    }
    return substitute(value, bodies)
  }
  if (Array.isArray(value)) return value.map((v) => resolveBody(v, bodies))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveBody(v, bodies)]))
  }
  return value
}

function parseSubrequests(raw: unknown): Subrequest[] | string {
  if (!Array.isArray(raw) || raw.length === 0) return 'compositeRequest must be a non-empty array of subrequests'
  const seen = new Set<string>()
  const out: Subrequest[] = []
  for (const [i, item] of raw.entries()) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) return `subrequest ${i} is not an object`
    const s = item as Record<string, unknown>
    const method = typeof s.method === 'string' ? s.method.toUpperCase() : ''
    if (!METHODS.has(method)) return `subrequest ${i}: method must be one of ${[...METHODS].join(', ')}`
    if (typeof s.url !== 'string' || !/^\/services\/data\/v\d+\.\d+\//.test(s.url)) {
      return `subrequest ${i}: url must start with /services/data/vXX.X/`
    }
    if (/^\/services\/data\/v\d+\.\d+\/composite\/?(\?|$)/.test(s.url)) {
      return `subrequest ${i}: a composite request cannot contain another one`
    }
    if (typeof s.referenceId !== 'string' || !REFERENCE_ID.test(s.referenceId)) {
      return `subrequest ${i}: referenceId must start with a letter or a number and contain only letters, numbers and underscores`
    }
    if (seen.has(s.referenceId)) return `Duplicate referenceId provided in the request: ${s.referenceId}`
    seen.add(s.referenceId)
    const headers = s.httpHeaders && typeof s.httpHeaders === 'object' ? (s.httpHeaders as Record<string, string>) : {}
    out.push({ method, url: s.url, referenceId: s.referenceId, body: s.body, httpHeaders: headers })
  }
  return out
}

export function registerCompositeRoutes(app: FastifyInstance, ctx: SimulatorContext, api: ApiRoute): void {
  const gate = ctx.composite
  if (!gate) throw new Error('the composite gate is set when the app is built')

  app.post(
    '/services/data/:version/composite',
    api('composite', async (request, reply, { version }) => {
      const body = request.body
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        return sendSfError(reply, 400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object')
      }
      const input = body as Record<string, unknown>
      const subrequests = parseSubrequests(input.compositeRequest)
      if (typeof subrequests === 'string') return sendSfError(reply, 400, 'INVALID_INPUT', subrequests)
      const limitExceeded = (message: string) =>
        reply
          .code(400)
          .type(JSON_TYPE)
          .send({
            compositeResponse: [
              { body: error('LIMIT_EXCEEDED', message), httpHeaders: {}, httpStatusCode: 400, referenceId: null },
            ],
          })
      if (subrequests.length > MAX_SUBREQUESTS) {
        return limitExceeded(`The request can\u2019t contain more than ${MAX_SUBREQUESTS} operations.`)
      }
      if (subrequests.filter((s) => isQueryOrCollection(s.url)).length > MAX_QUERIES_AND_COLLECTIONS) {
        return limitExceeded(
          `The request can\u2019t contain more than ${MAX_QUERIES_AND_COLLECTIONS} query or sObject Collections operations.`,
        )
      }
      const allOrNone = input.allOrNone === true
      const journalId = randomUUID()
      const undo: (() => void)[] = []
      if (allOrNone) gate.journals.set(journalId, undo)
      const bodies = new Map<string, unknown>()
      const responses: SubResponse[] = []
      let failed = false
      try {
        for (const sub of subrequests) {
          if (allOrNone && failed) {
            responses.push(halted(sub.referenceId, ROLLED_BACK))
            continue
          }
          let url: string
          let payload: unknown
          try {
            url = substitute(sub.url, bodies)
            payload = sub.body === undefined ? undefined : resolveBody(sub.body, bodies)
          } catch (err) {
            if (!(err instanceof MissingReference)) throw err
            const name = /^[A-Za-z0-9_]+/.exec(err.expression)?.[0] ?? err.expression
            responses.push(
              halted(sub.referenceId, `Invalid reference specified. No value for ${err.expression} found in ${name}.`),
            )
            failed = true
            continue
          }
          const res = await app.inject({
            method: sub.method as 'GET',
            url,
            payload: payload === undefined ? undefined : JSON.stringify(payload),
            headers: {
              ...sub.httpHeaders,
              authorization: request.headers.authorization ?? '',
              'content-type': 'application/json',
              'x-sim-subrequest': gate.token,
              'x-sim-journal': journalId,
            },
          })
          const text = res.body
          let parsed: unknown = null
          if (text) {
            try {
              parsed = JSON.parse(text)
            } catch {
              parsed = text
            }
          }
          const httpHeaders: Record<string, string> = {}
          if (res.statusCode === 201 && parsed && typeof parsed === 'object' && 'id' in parsed) {
            const type = /\/sobjects\/([A-Za-z0-9_]+)/.exec(url)?.[1]
            if (type)
              httpHeaders.Location = `/services/data/v${version}/sobjects/${type}/${String((parsed as { id: unknown }).id)}`
          }
          responses.push({ body: parsed, httpHeaders, httpStatusCode: res.statusCode, referenceId: sub.referenceId })
          if (res.statusCode >= 400) failed = true
          else bodies.set(sub.referenceId, parsed)
        }
        if (allOrNone && failed) {
          for (let i = undo.length - 1; i >= 0; i--) undo[i]()
          for (const [i, r] of responses.entries()) {
            if (r.httpStatusCode < 400) responses[i] = halted(r.referenceId, ROLLED_BACK)
          }
        }
      } finally {
        gate.journals.delete(journalId)
      }
      return reply.type(JSON_TYPE).send({ compositeResponse: responses })
    }),
  )
}
