/**
 * The app's own route list, read from its OpenAPI document (`/docs/json`), so the
 * reliability suites cover routes added later without being edited. Also a small
 * schema-driven sample generator: the smallest request a route's schema accepts, so a
 * test reaches the route's auth or handler instead of stopping at body validation.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  minItems?: number
  minLength?: number
  maxLength?: number
  minimum?: number
  pattern?: string
  format?: string
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  additionalProperties?: boolean | JsonSchema
  $ref?: string
}

export interface Parameter {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  schema: JsonSchema
}

export interface Operation {
  method: HttpMethod
  /** OpenAPI form: `/api/connections/{id}`. */
  path: string
  parameters: Parameter[]
  pathParams: Parameter[]
  /** The JSON body schema, when the route declares one. */
  body: JsonSchema | null
  bodyRequired: boolean
  /** Content types the route declares it consumes (empty: JSON by default). */
  consumes: string[]
}

const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

export async function listOperations(app: FastifyInstance): Promise<Operation[]> {
  const res = await app.inject({ url: '/docs/json' })
  if (res.statusCode !== 200) throw new Error(`/docs/json answered ${res.statusCode}`)
  const doc = res.json() as { paths: Record<string, Record<string, any>> }
  const ops: Operation[] = []
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(item)) {
      const method = m.toUpperCase() as HttpMethod
      if (!METHODS.includes(method)) continue
      const parameters = (op.parameters ?? []) as Parameter[]
      const content = op.requestBody?.content as Record<string, { schema?: JsonSchema }> | undefined
      ops.push({
        method,
        path,
        parameters,
        pathParams: parameters.filter((p) => p.in === 'path'),
        body: content?.['application/json']?.schema ?? null,
        bodyRequired: Boolean(op.requestBody?.required),
        consumes: content ? Object.keys(content) : [],
      })
    }
  }
  return ops
}

export const isStateChanging = (op: Pick<Operation, 'method'>): boolean => op.method !== 'GET'

/** `/api/connections/{id}/copy` with the path parameters filled in (values are URL-encoded). */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = values[name]
    if (v === undefined) throw new Error(`no value for path parameter ${name} of ${path}`)
    return encodeURIComponent(v)
  })
}

/** Strings tried, in order, against a pattern the generator cannot invert. */
const PATTERN_CANDIDATES = [
  'Email',
  'a',
  'A',
  '0',
  '1',
  'x@example.com',
  'production',
  'abc_123',
  '00000000-0000-4000-8000-000000000000',
]

/**
 * A small value the schema accepts (required properties only; every property with `all`),
 * or throws when it cannot find one.
 */
export function sampleFromSchema(schema: JsonSchema, where = 'value', opts: { all?: boolean } = {}): unknown {
  if (schema.const !== undefined) return schema.const
  if (schema.enum && schema.enum.length > 0) return schema.enum[0]
  const branch = schema.anyOf?.[0] ?? schema.oneOf?.[0]
  if (branch) return sampleFromSchema(branch, where, opts)
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s) => sampleFromSchema(s, where, opts)))
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type ?? (schema.properties ? 'object' : undefined)) {
    case 'object': {
      const out: Record<string, unknown> = {}
      const names = opts.all ? Object.keys(schema.properties ?? {}) : (schema.required ?? [])
      for (const name of names) out[name] = sampleFromSchema(schema.properties?.[name] ?? {}, `${where}.${name}`, opts)
      return out
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? (opts.all ? 1 : 0) }, () =>
        sampleFromSchema(schema.items ?? {}, `${where}[]`, opts),
      )
    case 'string':
      return sampleString(schema, where)
    case 'integer':
    case 'number':
      return schema.minimum ?? 0
    case 'boolean':
      return false
    case 'null':
      return null
    default:
      return 'x'
  }
}

function sampleString(schema: JsonSchema, where: string): string {
  if (schema.format === 'uuid') return randomUUID()
  if (schema.format === 'date-time') return new Date(0).toISOString()
  if (schema.format === 'email') return 'x@example.com'
  const min = schema.minLength ?? 0
  const fits = (s: string) => s.length >= min && (schema.maxLength === undefined || s.length <= schema.maxLength)
  if (schema.pattern) {
    const re = new RegExp(schema.pattern)
    const found = PATTERN_CANDIDATES.map((c) => c.padEnd(min, c.at(-1))).find((c) => re.test(c) && fits(c))
    if (found === undefined) throw new Error(`cannot generate a string for ${where} matching /${schema.pattern}/`)
    return found
  }
  return 'x'.repeat(Math.max(1, min))
}

/** A request the route's schemas accept: path params (from `pathValues` or generated), required query, required body. */
export function sampleRequest(
  op: Operation,
  pathValues: Record<string, string> = {},
): { url: string; payload?: unknown } {
  const values: Record<string, string> = {}
  for (const p of op.pathParams)
    values[p.name] = pathValues[p.name] ?? String(sampleFromSchema(p.schema, `${op.path} :${p.name}`))
  const query = new URLSearchParams()
  for (const p of op.parameters.filter((x) => x.in === 'query' && x.required))
    query.set(p.name, String(sampleFromSchema(p.schema, `${op.path} ?${p.name}`)))
  const qs = query.toString()
  const url = fillPath(op.path, values) + (qs ? `?${qs}` : '')
  return op.body ? { url, payload: sampleFromSchema(op.body, `${op.method} ${op.path} body`) } : { url }
}
