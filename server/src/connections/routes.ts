/**
 * Database connections (docs/api-contract.md, Connections) and the describe the editor's
 * field picker uses. Thin: each handler names the access target and calls the service.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { requireAccount } from '../http/auth.js'
import type { AccessTarget } from '../salesforce/access-types.js'
import { rawResponseOutput } from './pull-output.js'
import type { ConnectionService } from './service.js'
import { MAX_NAME_LENGTH } from './service.js'
import {
  FILTER_OPERATORS,
  MAX_FILTERS,
  MAX_IN_VALUES,
  MAX_STRING_LENGTH,
  SUPPORTED_SOBJECTS,
} from '../salesforce/soql.js'

const SObjectSchema = Type.Union(
  SUPPORTED_SOBJECTS.map((s) => Type.Literal(s)),
  { description: 'The Salesforce object queried' },
)
const FieldNameSchema = Type.String({
  minLength: 1,
  maxLength: 80,
  pattern: '^[A-Za-z][A-Za-z0-9_]*$',
  description: 'A field API name, checked against the describe',
})
const ScalarSchema = Type.Union([Type.String({ maxLength: MAX_STRING_LENGTH }), Type.Number(), Type.Boolean()])

/** A filter value may be matched against a multi-line text field: tab and line breaks are allowed there. */
const FILTER_VALUE_PATHS = ['filters.*.value', 'filters.*.value.*']

export const FilterSchema = Type.Object({
  field: FieldNameSchema,
  operator: Type.Union(FILTER_OPERATORS.map((o) => Type.Literal(o))),
  value: Type.Optional(
    Type.Union([ScalarSchema, Type.Null(), Type.Array(ScalarSchema, { maxItems: MAX_IN_VALUES })], {
      description: 'A list for in/notIn; none for isEmpty/isNotEmpty',
    }),
  ),
})

const definitionProperties = {
  name: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }),
  sobject: SObjectSchema,
  fields: Type.Array(FieldNameSchema, { maxItems: 200 }),
  filters: Type.Optional(Type.Array(FilterSchema, { maxItems: MAX_FILTERS })),
  logic: Type.Optional(Type.Union([Type.Literal('AND'), Type.Literal('OR')])),
  excludeOptedOut: Type.Optional(Type.Boolean({ description: 'Default true' })),
  requireEmail: Type.Optional(Type.Boolean({ description: 'Default false' })),
  excludeSuppressed: Type.Optional(
    Type.Boolean({ description: "Default false: leave out addresses on the account's suppression list" }),
  ),
}

export const ConnectionCreateSchema = Type.Object(definitionProperties)
export const ConnectionPatchSchema = Type.Partial(Type.Object(definitionProperties))
// The editor previews before the connection has a name.
export const ConnectionPreviewSchema = Type.Object({
  ...definitionProperties,
  name: Type.Optional(Type.String({ maxLength: MAX_NAME_LENGTH })),
})

export const ConnectionSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  sobject: Type.String(),
  fields: Type.Array(Type.String()),
  filters: Type.Array(
    Type.Object({ field: Type.String(), operator: Type.String(), value: Type.Optional(Type.Unknown()) }),
  ),
  logic: Type.Union([Type.Literal('AND'), Type.Literal('OR')]),
  excludeOptedOut: Type.Boolean(),
  requireEmail: Type.Boolean(),
  excludeSuppressed: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})

const AccessSchema = Type.Object({
  canConnect: Type.Boolean(),
  code: Type.Union([Type.String(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
})

export const TestResultSchema = Type.Object({
  count: Type.Integer({ description: 'How many records match in Salesforce' }),
  records: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
    description: `Up to 10 of them: Id and the fields`,
  }),
  soql: Type.String({ description: 'The query the connection runs' }),
})

export const DescribeSchema = Type.Object({
  name: Type.String(),
  label: Type.String(),
  fields: Type.Array(
    Type.Object({
      name: Type.String(),
      label: Type.String(),
      type: Type.String(),
      filterable: Type.Boolean(),
      picklistValues: Type.Optional(Type.Array(Type.String())),
    }),
  ),
})

// Any string: an id that is not a UUID is answered 404 like any unknown id.
const IdParamsSchema = Type.Object({ id: Type.String({ maxLength: 100 }) })
const err = { $ref: 'Error#' }
const gatedErrors = { 403: err, 404: err, 422: err, 429: err, 502: err, 503: err }

/** Whose Salesforce and through which door: a canvas session may use its live canvas token. */
function targetOf(request: FastifyRequest): AccessTarget {
  const auth = requireAccount(request)
  return { accountId: auth.accountId, linkId: auth.linkId, canvas: auth.kind === 'canvas' }
}

export const connectionRoutes: FastifyPluginAsyncTypebox<{ connections: ConnectionService }> = async (
  app,
  { connections },
) => {
  const tags = ['connections']

  app.get(
    '/api/connections',
    {
      config: { auth: 'session' },
      schema: {
        tags,
        summary: 'Connections, and whether Salesforce can be reached now',
        response: { 200: Type.Object({ items: Type.Array(ConnectionSchema), access: AccessSchema }) },
      },
    },
    async (request) => connections.list(targetOf(request)),
  )

  app.post(
    '/api/connections',
    {
      config: { auth: 'session', lineBreaksAllowed: FILTER_VALUE_PATHS },
      schema: {
        tags,
        summary: 'Create a connection (always allowed)',
        body: ConnectionCreateSchema,
        response: { 201: ConnectionSchema, 400: err },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await connections.create(requireAccount(request).accountId, request.body)),
  )

  app.post(
    '/api/connections/preview',
    {
      config: { auth: 'session', lineBreaksAllowed: FILTER_VALUE_PATHS },
      schema: {
        tags,
        summary: "Count and first rows of an unsaved definition (the editor's live count; needs Salesforce access)",
        body: ConnectionPreviewSchema,
        response: { 200: TestResultSchema, 400: err, ...gatedErrors },
      },
    },
    async (request) => connections.preview(targetOf(request), request.body),
  )

  app.get(
    '/api/connections/:id',
    {
      config: { auth: 'session' },
      schema: {
        tags,
        summary: 'One connection',
        params: IdParamsSchema,
        response: { 200: ConnectionSchema, 404: err },
      },
    },
    async (request) => connections.get(requireAccount(request).accountId, request.params.id),
  )

  app.patch(
    '/api/connections/:id',
    {
      config: { auth: 'session', lineBreaksAllowed: FILTER_VALUE_PATHS },
      schema: {
        tags,
        summary: 'Edit a connection (needs Salesforce access: the definition is checked against the describe)',
        params: IdParamsSchema,
        body: ConnectionPatchSchema,
        response: { 200: ConnectionSchema, 400: err, ...gatedErrors },
      },
    },
    async (request) => connections.update(targetOf(request), request.params.id, request.body),
  )

  app.delete(
    '/api/connections/:id',
    {
      config: { auth: 'session' },
      schema: {
        tags,
        summary: 'Delete a connection (always allowed)',
        params: IdParamsSchema,
        response: { 204: Type.Null(), 404: err },
      },
    },
    async (request, reply) => {
      await connections.remove(requireAccount(request).accountId, request.params.id)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/api/connections/:id/copy',
    {
      config: { auth: 'session' },
      schema: {
        tags,
        summary: 'Copy a connection as "Copy of …" (always allowed)',
        params: IdParamsSchema,
        response: { 201: ConnectionSchema, 404: err },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await connections.copy(requireAccount(request).accountId, request.params.id)),
  )

  app.post(
    '/api/connections/:id/test',
    {
      config: { auth: 'session' },
      schema: {
        tags,
        summary: 'Connect: count and up to 10 rows (needs Salesforce access)',
        params: IdParamsSchema,
        response: { 200: TestResultSchema, 400: err, ...gatedErrors },
      },
    },
    async (request) => connections.test(targetOf(request), request.params.id),
  )

  app.get(
    '/api/connections/:id/records',
    {
      config: { auth: 'session-or-api-key' },
      // A HEAD would run a whole pull for nothing.
      exposeHeadRoute: false,
      schema: {
        tags,
        summary:
          'Pull: every matching record, streamed as NDJSON (default) or CSV (needs Salesforce access; API keys accepted)',
        params: IdParamsSchema,
        querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('ndjson'), Type.Literal('csv')])) }),
        response: { 400: err, 401: err, ...gatedErrors },
      },
    },
    async (request, reply) => {
      await connections.pull(
        targetOf(request),
        request.params.id,
        request.query.format ?? 'ndjson',
        rawResponseOutput(request, reply),
      )
      return reply
    },
  )

  app.get(
    '/api/salesforce/describe/:sobject',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['salesforce'],
        summary: "An object's fields, for the connection editor (needs Salesforce access)",
        params: Type.Object({ sobject: SObjectSchema }),
        response: { 200: DescribeSchema, 400: err, ...gatedErrors },
      },
    },
    async (request) => connections.describe(targetOf(request), request.params.sobject),
  )
}
