/**
 * `/docs` (the OpenAPI document Fastify builds from the route schemas) and the contract in
 * server/src/contract/ agree: every route the canvas UI calls answers, and takes, exactly the
 * schema the contract exports, so the types the UI imports are the ones the server declares.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TSchema } from 'typebox'
import * as contract from '../../server/src/contract/index.js'
import { createTestApp, type TestApp } from '../helpers/app.js'

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'

/** The routes canvas-ui/src/api.ts calls, with the success answer and the body the contract gives them. */
const UI_ROUTES: Array<{ method: Method; path: string; status: number; response?: TSchema; body?: TSchema }> = [
  {
    method: 'post',
    path: '/api/auth/signup',
    status: 201,
    response: contract.SessionTokenSchema,
    body: contract.SignupBodySchema,
  },
  {
    method: 'post',
    path: '/api/auth/login',
    status: 200,
    response: contract.SessionTokenSchema,
    body: contract.LoginBodySchema,
  },
  { method: 'get', path: '/api/me', status: 200, response: contract.MeSchema },
  { method: 'get', path: '/api/csrf', status: 200, response: contract.CsrfTokenSchema },
  {
    method: 'post',
    path: '/canvas/session',
    status: 200,
    response: contract.SessionTokenSchema,
    body: contract.CanvasSessionBodySchema,
  },
  { method: 'get', path: '/api/salesforce/link', status: 200, response: contract.LinkViewSchema },
  {
    method: 'put',
    path: '/api/salesforce/credentials',
    status: 200,
    response: contract.LinkViewSchema,
    body: contract.CredentialsBodySchema,
  },
  {
    method: 'patch',
    path: '/api/salesforce/credentials',
    status: 200,
    response: contract.LinkViewSchema,
    body: contract.CredentialsPatchSchema,
  },
  { method: 'post', path: '/api/salesforce/oauth/ticket', status: 200, response: contract.OAuthTicketSchema },
  { method: 'get', path: '/api/salesforce/describe/{sobject}', status: 200, response: contract.DescribeSchema },
  { method: 'get', path: '/api/salesforce/campaigns', status: 200, response: contract.CampaignListSchema },
  {
    method: 'get',
    path: '/api/salesforce/campaigns/{id}/statuses',
    status: 200,
    response: contract.CampaignMemberStatusListSchema,
  },
  { method: 'get', path: '/api/connections', status: 200, response: contract.ConnectionListSchema },
  {
    method: 'post',
    path: '/api/connections',
    status: 201,
    response: contract.ConnectionSchema,
    body: contract.ConnectionCreateSchema,
  },
  { method: 'get', path: '/api/connections/{id}', status: 200, response: contract.ConnectionSchema },
  {
    method: 'patch',
    path: '/api/connections/{id}',
    status: 200,
    response: contract.ConnectionSchema,
    body: contract.ConnectionPatchSchema,
  },
  { method: 'post', path: '/api/connections/{id}/copy', status: 201, response: contract.ConnectionSchema },
  { method: 'post', path: '/api/connections/{id}/test', status: 200, response: contract.TestResultSchema },
  {
    method: 'post',
    path: '/api/connections/{id}/readiness',
    status: 200,
    response: contract.ReadinessSchema,
    body: contract.ReadinessBodySchema,
  },
  {
    method: 'post',
    path: '/api/connections/preview',
    status: 200,
    response: contract.TestResultSchema,
    body: contract.ConnectionPreviewSchema,
  },
  {
    method: 'post',
    path: '/api/unsubscribes',
    status: 202,
    response: contract.IntakeResultSchema,
    body: contract.IntakeBodySchema,
  },
  { method: 'get', path: '/api/unsubscribes/status', status: 200, response: contract.UnsubscribeStatusSchema },
  { method: 'post', path: '/api/unsubscribes/sync', status: 202, response: contract.SyncQueuedSchema },
  { method: 'get', path: '/api/suppressions', status: 200, response: contract.SuppressionPageSchema },
  { method: 'get', path: '/api/bounces/status', status: 200, response: contract.BounceStatusSchema },
  {
    method: 'post',
    path: '/api/bounces',
    status: 202,
    response: contract.BounceIntakeResultSchema,
    body: contract.BounceBodySchema,
  },
  { method: 'get', path: '/api/salesforce/health', status: 200, response: contract.SyncHealthSchema },
  {
    method: 'put',
    path: '/api/salesforce/health/cap',
    status: 200,
    response: contract.SyncHealthSchema,
    body: contract.ApiCapBodySchema,
  },
  {
    method: 'post',
    path: '/api/salesforce/health/retry',
    status: 202,
    response: contract.SyncRetryResultSchema,
    body: contract.SyncRetryBodySchema,
  },
  { method: 'get', path: '/api/api-keys', status: 200, response: contract.ApiKeyListSchema },
  {
    method: 'post',
    path: '/api/api-keys',
    status: 201,
    response: contract.CreatedApiKeySchema,
    body: contract.ApiKeyCreateBodySchema,
  },
  { method: 'get', path: '/demo.json', status: 200, response: contract.DemoInfoSchema },
  { method: 'get', path: '/api/notifications/settings', status: 200, response: contract.NotificationSettingsSchema },
  {
    method: 'put',
    path: '/api/notifications/settings',
    status: 200,
    response: contract.NotificationSettingsSchema,
    body: contract.NotificationSettingsBodySchema,
  },
  {
    method: 'get',
    path: '/api/notifications/preview/{kind}',
    status: 200,
    response: contract.NotificationPreviewSchema,
  },
]

/**
 * A schema as /docs publishes it: plain JSON (TypeBox's symbols dropped), with the two
 * equivalent rewrites @fastify/swagger makes in an OpenAPI 3.1 document: `const: x` is
 * written `enum: [x]`, and a record's `patternProperties: {'^.*$': s}` `additionalProperties: s`.
 */
const plain = (schema: TSchema): unknown =>
  JSON.parse(JSON.stringify(schema), (_key, value) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value
    let out = value as Record<string, unknown>
    if ('const' in out) {
      const { const: only, ...rest } = out
      out = { ...rest, enum: [only] }
    }
    const pattern = out.patternProperties as Record<string, unknown> | undefined
    if (pattern && Object.keys(pattern).length === 1 && '^.*$' in pattern) {
      const { patternProperties: _, ...rest } = out
      out = { ...rest, additionalProperties: pattern['^.*$'] }
    }
    return out
  })

let t: TestApp
let doc: {
  paths: Record<
    string,
    Record<
      string,
      {
        responses: Record<string, { content?: Record<string, { schema: unknown }> }>
        requestBody?: { content: Record<string, { schema: unknown }> }
      }
    >
  >
  components: { schemas: Record<string, unknown> }
}

beforeAll(async () => {
  t = await createTestApp({
    deps: { demo: { simulatorUrl: 'http://127.0.0.1:1', users: async () => [] } },
  })
  doc = (await t.app.inject('/docs/json')).json()
})
afterAll(() => t?.close())

describe('the OpenAPI document is the contract', () => {
  it.each(UI_ROUTES)('$method $path answers $status with the exported schema', (route) => {
    const operation = doc.paths[route.path]?.[route.method]
    expect(operation, `${route.method} ${route.path} in /docs`).toBeDefined()
    const published = operation!.responses[String(route.status)]?.content?.['application/json']?.schema
    expect(published).toEqual(plain(route.response!))
    if (route.body) expect(operation!.requestBody?.content['application/json']?.schema).toEqual(plain(route.body))
  })

  it('every error answer of those routes is the Error schema', () => {
    const error = plain(contract.ErrorSchema) as Record<string, unknown>
    for (const route of UI_ROUTES) {
      const operation = doc.paths[route.path]![route.method]!
      for (const [status, answer] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue
        const schema = answer.content?.['application/json']?.schema as { $ref?: string } | undefined
        const resolved = schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()!] : schema
        expect({ route: `${route.method} ${route.path} ${status}`, ...(resolved as object) }).toMatchObject({
          type: error.type,
          properties: error.properties,
        })
      }
    }
  })
})

describe('the canvas UI has no hand-written copy of the contract', () => {
  const uiSources = path.resolve(import.meta.dirname, '../../canvas-ui/src')
  const typesFile = fs.readFileSync(path.join(uiSources, 'types.ts'), 'utf8')

  it('types.ts takes the answers from server/src/contract by a type-only import', () => {
    expect(typesFile).toMatch(
      /import type \{[^}]*\bLinkView\b[^}]*\} from '\.\.\/\.\.\/server\/src\/contract\/index\.js'/s,
    )
    for (const shape of [
      'SalesforceLink',
      'Credential',
      'Me',
      'Connection',
      'ConnectionHealth',
      'Readiness',
      'Campaign',
      'CampaignMemberStatus',
      'DescribeField',
      'UnsubscribeStatus',
      'BounceStatus',
      'SyncHealth',
      'ApiKey',
      'DemoInfo',
    ])
      expect(typesFile, shape).not.toMatch(new RegExp(`export interface ${shape}\\b`))
  })

  it('no UI source imports the server except as types', () => {
    const files = fs.readdirSync(uiSources, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tsx?$/.test(f))
    for (const file of files) {
      const text = fs.readFileSync(path.join(uiSources, file), 'utf8')
      for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']*server\/[^']*)'/gms))
        expect({ file, statement: m[0], typeOnly: Boolean(m[2]) }).toMatchObject({ typeOnly: true })
    }
  })
})
