// A faithful local Salesforce for tests, benchmarks and demo mode (docs/spec.md §8).
// See README.md in this folder for the options and the control API.
import type { SimulatorContext } from './context.js'
import { createControl, createOrgIn, createUserIn, type SimulatorControl } from './control.js'
import { KEY_PREFIXES, to15 } from './ids.js'
import type { SalesforceSimulatorOptions, SimulatorOrgInput } from './options.js'
import {
  DEFAULT_API_VERSION,
  DEFAULT_CONSUMER_KEY,
  DEFAULT_CONSUMER_SECRET,
  DEFAULT_DATA,
  DEFAULT_ORG_NAME,
  DEFAULT_USERS,
  defaultOrgSettings,
} from './options.js'
import { seedRecords } from './seed-data.js'
import { buildSimulatorApp } from './server.js'
import type { ConnectedApp } from './state.js'
import { SimulatorState } from './state.js'

export interface SalesforceSimulator {
  /** e.g. http://127.0.0.1:41234 (no trailing slash): login URL and instance URL at once. */
  url: string
  consumerKey: string
  consumerSecret: string
  control: SimulatorControl
  close(): Promise<void>
}

const APP_SCOPES = [
  'api',
  'refresh_token',
  'offline_access',
  'id',
  'openid',
  'profile',
  'email',
  'web',
  'visualforce',
  'full',
]

function connectedApp(
  state: SimulatorState,
  consumerKey: string,
  consumerSecret: string,
  options: SalesforceSimulatorOptions,
): ConnectedApp {
  return {
    name: 'SF Link',
    developerName: 'SF_Link',
    consumerKey,
    consumerSecret,
    scopes: APP_SCOPES,
    callbackUrls: options.callbackUrls ?? [],
    requireSecretForWebServerFlow: true,
    requireSecretForRefreshToken: true,
    jwtCertificatePem: null,
    preauthorizedUserIds: new Set(),
    approvedUserIds: new Set(),
    canvasAppUrl: options.canvasAppUrl ?? null,
    canvasRefreshToken: options.canvasRefreshToken ?? true,
    permittedUsers: options.permittedUsers ?? 'admin_preauthorized',
    refreshTokenRotation: options.refreshTokenRotation ?? false,
    selfAuthorizedUserIds: new Set(),
    applicationId: to15(state.ids.next(KEY_PREFIXES.ConnectedApplication)),
    referenceId: to15(state.ids.next(KEY_PREFIXES.CanvasReference)),
  }
}

export async function createSalesforceSimulator(
  options: SalesforceSimulatorOptions = {},
): Promise<SalesforceSimulator> {
  const seed = options.seed ?? 1
  const state = new SimulatorState(seed, options.now ?? Date.now)
  const consumerKey = options.consumerKey ?? DEFAULT_CONSUMER_KEY
  const consumerSecret = options.consumerSecret ?? DEFAULT_CONSUMER_SECRET
  const mainApp = connectedApp(state, consumerKey, consumerSecret, options)
  state.connectedApps.set(consumerKey, mainApp)
  const certificates =
    typeof options.jwtCertificatePem === 'string'
      ? { [consumerKey]: options.jwtCertificatePem }
      : (options.jwtCertificatePem ?? {})
  for (const [key, pem] of Object.entries(certificates)) {
    if (!state.connectedApps.has(key))
      state.connectedApps.set(key, { ...connectedApp(state, key, consumerSecret, options), canvasAppUrl: null })
    state.connectedApps.get(key)!.jwtCertificatePem = pem
  }

  const orgInputs: SimulatorOrgInput[] = options.orgs ?? [
    {
      name: options.orgName ?? DEFAULT_ORG_NAME,
      createdAfterWinter26: options.createdAfterWinter26,
      users: options.users ?? [...DEFAULT_USERS],
      data: options.data ?? DEFAULT_DATA,
    },
  ]
  for (const input of orgInputs) {
    // Orgs of the start options keep the pre-Winter '26 defaults unless they say otherwise.
    const recent = input.createdAfterWinter26 ?? false
    const org = createOrgIn(
      state,
      input.name,
      { ...defaultOrgSettings(options, recent), ...input.settings },
      recent,
      input.schema,
    )
    for (const u of input.users ?? []) {
      const user = createUserIn(state, org.id, u)
      if (u.jwtPreauthorized) mainApp.preauthorizedUserIds.add(user.id)
    }
    if (input.data !== false) seedRecords(state, { ...DEFAULT_DATA, ...input.data, orgId: org.id, seed })
  }

  const ctx: SimulatorContext = { state, apiVersion: options.apiVersion ?? DEFAULT_API_VERSION }
  ctx.bulk = {
    processingMs: options.bulkQueryProcessingMs ?? 0,
    resultsPageSize: options.bulkResultsPageSize ?? 100_000,
    failAfterPolls: 0,
  }
  const control = createControl(ctx, (recent) => defaultOrgSettings(options, recent))
  const app = await buildSimulatorApp(ctx, control, options.logger ?? false)
  const host = options.host ?? '127.0.0.1'
  await app.listen({ port: options.port ?? 0, host })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  const url = (options.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/$/, '')
  state.baseUrl = url

  return {
    url,
    consumerKey,
    consumerSecret,
    control,
    close: () => app.close(),
  }
}

export { buildCanvasRequest, buildSignedRequest, verifySignedRequest } from './signed-request.js'
export type { CanvasRequest } from './signed-request.js'
export type { SimulatorControl, SimApp, SimOrg, SimUser, SignedRequestOptions, RecordFilter } from './control.js'
export { RecordWriteError } from './control.js'
export type {
  SalesforceSimulatorOptions,
  SimulatorOrgInput,
  SimulatorUserInput,
  SimulatorDataInput,
} from './options.js'
export { DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, DEFAULT_USERS } from './options.js'
export type { SeedOptions, SeedResult } from './seed-data.js'
export type { BulkSettings } from './context.js'
export type { DataControl } from './data-control.js'
export type { CustomFieldInput, FieldPatch, RecordTypeInfo } from './org-schema.js'
export type { RecordTypeInput } from './customization.js'
export type { MemberStatusInput } from './records.js'
export type { Counters, FaultSpec, OrgSettings, OutboxEntry, PermittedUsers } from './state.js'
export { checksumSuffix, isValidId, to18 } from './ids.js'
