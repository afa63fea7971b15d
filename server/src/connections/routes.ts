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
import { FILTER_OPERATORS, MAX_FILTERS, MAX_IN_VALUES, MAX_STRING_LENGTH, SUPPORTED_SOBJECTS } from './soql-builder.js'

const SObjectSchema = Type.Union(
  SUPPORTED_SOBJECTS.map((s) => Type.Literal(s)),
  { description: 'The Salesforce object queried' },
)
const FieldNameSchema = Type.String({
  minLength: 1,
  maxLength: 80,
  pattern: '^[A-Za-z][A-Za-z0-9_]*(?:\\.[A-Za-z][A-Za-z0-9_]*)?$',
  description:
    'A field API name, or Relationship.Field of a related record (Account.Name), checked against the describe',
})
const ScalarSchema = Type.Union([Type.String({ maxLength: MAX_STRING_LENGTH }), Type.Number(), Type.Boolean()])

/** A filter value may be matched against a multi-line text field: tab and line breaks are allowed there. */
const FILTER_VALUE_PATHS = ['filters.*.value', 'filters.*.value.*']

export const FilterSchema = Type.Object({
  field: FieldNameSchema,
  operator: Type.Union(FILTER_OPERATORS.map((o) => Type.Literal(o))),
  value: Type.Optional(
    Type.Union(
      [
        ScalarSchema,
        Type.Null(),
        Type.Array(ScalarSchema, { maxItems: MAX_IN_VALUES }),
        Type.Object(
          { relative: Type.String({ maxLength: 40 }) },
          { additionalProperties: false, description: 'A relative date: TODAY, THIS_MONTH, LAST_N_DAYS:30, …' },
        ),
        Type.Object(
          { day: Type.String({ maxLength: 10 }) },
          {
            additionalProperties: false,
            description: 'A calendar day (YYYY-MM-DD); the whole UTC day on a date/time field',
          },
        ),
      ],
      {
        description:
          'A list for in/notIn/includes/excludes; none for isEmpty/isNotEmpty; {relative} or {day} on date and date/time fields',
      },
    ),
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

const HealthSchema = Type.Object({
  state: Type.Union([Type.Literal('ok'), Type.Literal('broken')]),
  code: Type.Union([Type.String(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
  field: Type.Union([Type.String(), Type.Null()]),
  checkedAt: Type.String({ format: 'date-time' }),
})

const ActionSchema = Type.Object({
  kind: Type.Union([
    Type.Literal('fix_access'),
    Type.Literal('edit_connection'),
    Type.Literal('check_filters'),
    Type.Literal('retry_later'),
  ]),
  label: Type.String(),
  href: Type.Union([Type.String(), Type.Null()]),
})

export const ReadinessSchema = Type.Union([
  Type.Object({ ready: Type.Literal(true), count: Type.Integer() }),
  Type.Object({ ready: Type.Literal(false), code: Type.String(), message: Type.String(), action: ActionSchema }),
])

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
  columns: Type.Array(Type.Object({ name: Type.String(), label: Type.String() }), {
    description: "The output columns with Salesforce's labels",
  }),
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
      custom: Type.Optional(Type.Boolean()),
      relationship: Type.Optional(Type.String({ description: 'On a related field: the relationship label' })),
      referenceTo: Type.Optional(Type.Array(Type.String())),
      relationshipName: Type.Optional(Type.String()),
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
        response: {
          200: Type.Object({
            items: Type.Array(ConnectionSchema),
            access: AccessSchema,
            health: Type.Record(Type.String(), HealthSchema, {
              description:
                'By connection id: whether it still works against the org (absent: not checked since the last edit)',
            }),
          }),
        },
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
        summary:
          'Create a connection: checked against the org like a preview when Salesforce or a cached describe is at hand, else saved and checked on first use',
        body: ConnectionCreateSchema,
        response: { 201: ConnectionSchema, 400: err },
      },
    },
    async (request, reply) => reply.code(201).send(await connections.create(targetOf(request), request.body)),
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
        querystring: Type.Object({
          format: Type.Optional(Type.Union([Type.Literal('ndjson'), Type.Literal('csv')])),
          headers: Type.Optional(
            Type.Union([Type.Literal('api'), Type.Literal('labels')], {
              description: "CSV header row: API names (default, for machines) or Salesforce's labels",
            }),
          ),
        }),
        response: { 400: err, 401: err, ...gatedErrors },
      },
    },
    async (request, reply) => {
      await connections.pull(
        targetOf(request),
        request.params.id,
        request.query.format ?? 'ndjson',
        rawResponseOutput(request, reply),
        { headers: request.query.headers ?? 'api' },
      )
      return reply
    },
  )

  app.post(
    '/api/connections/:id/readiness',
    {
      config: { auth: 'session-or-api-key' },
      schema: {
        tags,
        summary:
          'Pre-send check: Salesforce access, then COUNT() of the saved query. Answers 200 {ready: true, count} or {ready: false, code, message, action}',
        params: IdParamsSchema,
        body: Type.Optional(
          Type.Object({
            requireNonEmpty: Type.Optional(
              Type.Boolean({ description: 'Not ready when the query matches no records (default false)' }),
            ),
          }),
        ),
        response: { 200: ReadinessSchema, 401: err, 404: err },
      },
    },
    async (request) =>
      connections.readiness(targetOf(request), request.params.id, {
        requireNonEmpty: request.body?.requireNonEmpty === true,
      }),
  )

  app.get(
    '/api/salesforce/campaigns',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['salesforce'],
        summary: 'Campaigns by name (search) or by id, for picking a campaign in the editor (needs Salesforce access)',
        querystring: Type.Object({
          search: Type.Optional(Type.String({ maxLength: 80 })),
          id: Type.Optional(Type.String({ maxLength: 18 })),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.String(),
                name: Type.String(),
                status: Type.Union([Type.String(), Type.Null()]),
                isActive: Type.Union([Type.Boolean(), Type.Null()]),
              }),
            ),
          }),
          ...gatedErrors,
        },
      },
    },
    async (request) => ({ items: await connections.campaigns(targetOf(request), request.query) }),
  )

  app.get(
    '/api/salesforce/campaigns/:id/statuses',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['salesforce'],
        summary: "A campaign's own member statuses (CampaignMemberStatus)",
        params: IdParamsSchema,
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({ label: Type.String(), isDefault: Type.Boolean(), hasResponded: Type.Boolean() }),
            ),
          }),
          ...gatedErrors,
        },
      },
    },
    async (request) => ({ items: await connections.campaignStatuses(targetOf(request), request.params.id) }),
  )

  app.get(
    '/api/salesforce/describe/:sobject',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['salesforce'],
        summary: "An object's fields, for the connection editor (needs Salesforce access)",
        params: Type.Object({ sobject: SObjectSchema }),
        querystring: Type.Object({
          related: Type.Optional(
            Type.Union([Type.Literal('true'), Type.Literal('false')], {
              description: 'true: also the fields of related records (Account.Name), labelled "Account: Account Name"',
            }),
          ),
        }),
        response: { 200: DescribeSchema, 400: err, ...gatedErrors },
      },
    },
    async (request) =>
      connections.describe(targetOf(request), request.params.sobject, { related: request.query.related === 'true' }),
  )
}
