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
import {
  CampaignListSchema,
  CampaignMemberStatusListSchema,
  CampaignQuerySchema,
  ConnectionCreateSchema,
  ConnectionListSchema,
  ConnectionPatchSchema,
  ConnectionPreviewSchema,
  ConnectionSchema,
  DescribeQuerySchema,
  DescribeSchema,
  ErrorRef,
  ReadinessBodySchema,
  ReadinessSchema,
  RecordsQuerySchema,
  SObjectSchema,
  TestResultSchema,
} from '../contract/index.js'

/** A filter value may be matched against a multi-line text field: tab and line breaks are allowed there. */
const FILTER_VALUE_PATHS = ['filters.*.value', 'filters.*.value.*']

// Any string: an id that is not a UUID is answered 404 like any unknown id.
const IdParamsSchema = Type.Object({ id: Type.String({ maxLength: 100 }) })
const err = ErrorRef
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
        response: { 200: ConnectionListSchema },
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
        querystring: RecordsQuerySchema,
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
        body: Type.Optional(ReadinessBodySchema),
        response: { 200: ReadinessSchema, 401: err, 404: err },
      },
    },
    async (request) =>
      connections.readiness(targetOf(request), request.params.id, {
        requireNonEmpty: request.body?.requireNonEmpty === true,
        maxAgeSeconds: request.body?.maxAgeSeconds ?? 0,
      }),
  )

  app.get(
    '/api/salesforce/campaigns',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['salesforce'],
        summary: 'Campaigns by name (search) or by id, for picking a campaign in the editor (needs Salesforce access)',
        querystring: CampaignQuerySchema,
        response: { 200: CampaignListSchema, ...gatedErrors },
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
        response: { 200: CampaignMemberStatusListSchema, ...gatedErrors },
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
        querystring: DescribeQuerySchema,
        response: { 200: DescribeSchema, 400: err, ...gatedErrors },
      },
    },
    async (request) =>
      connections.describe(targetOf(request), request.params.sobject, { related: request.query.related === 'true' }),
  )
}
