// Canvas signed requests exactly as Salesforce builds them (field names and value shapes
// follow a real one, test/fixtures/conformance/canvas/real-signed-request-1.json).
import { createHmac, timingSafeEqual } from 'node:crypto'
import { to15 } from './ids.js'
import type { ConnectedApp, Org, User } from './state.js'

export interface CanvasClient {
  refreshToken: string | null
  instanceId: string
  targetOrigin: string
  instanceUrl: string
  oauthToken: string
}

export interface CanvasRequest {
  algorithm: 'HMACSHA256'
  issuedAt: number
  userId: string
  client: CanvasClient
  context: {
    user: Record<string, unknown> & { userId: string; userName: string; email: string; fullName: string }
    links: Record<string, string>
    application: Record<string, unknown> & { name: string; canvasUrl: string; authType: string }
    organization: {
      organizationId: string
      name: string
      multicurrencyEnabled: boolean
      namespacePrefix: string | null
      currencyIsoCode: string
    }
    environment: Record<string, unknown> & {
      dimensions: Record<string, string>
      version: { season: string; api: string }
    }
  }
}

export interface CanvasRequestInput {
  user: User
  org: Org
  app: ConnectedApp
  /** The simulator URL (client.instanceUrl). */
  instanceUrl: string
  /** Origin of the page hosting the iframe (client.targetOrigin). */
  targetOrigin: string
  canvasUrl: string
  oauthToken: string
  refreshToken: string | null
  apiVersion: string
  locationUrl: string
  issuedAt: number
}

export function releaseSeason(apiVersion: string): string {
  const index = Math.floor(Number(apiVersion)) - 20
  return ['WINTER', 'SPRING', 'SUMMER'][((index % 3) + 3) % 3]
}

export function buildCanvasRequest(input: CanvasRequestInput): CanvasRequest {
  const { user, org, app, apiVersion: v } = input
  const org15 = to15(org.id)
  return {
    algorithm: 'HMACSHA256',
    issuedAt: input.issuedAt,
    userId: user.id,
    client: {
      refreshToken: input.refreshToken,
      instanceId: `_:${app.developerName}:canvasapp`,
      targetOrigin: input.targetOrigin,
      instanceUrl: input.instanceUrl,
      oauthToken: input.oauthToken,
    },
    context: {
      user: {
        userId: user.id,
        userName: user.username,
        firstName: user.firstName,
        lastName: user.lastName,
        email: user.email,
        fullName: `${user.firstName} ${user.lastName}`.trim(),
        locale: user.locale,
        language: user.language,
        timeZone: user.timeZone,
        profileId: user.profileId,
        roleId: user.roleId,
        userType: user.userType,
        currencyISOCode: user.currencyIsoCode,
        profilePhotoUrl: `${input.instanceUrl}/profilephoto/005/F`,
        profileThumbnailUrl: `${input.instanceUrl}/profilephoto/005/T`,
        siteUrl: null,
        siteUrlPrefix: null,
        networkId: null,
        accessibilityModeEnabled: false,
        isDefaultNetwork: true,
      },
      links: {
        loginUrl: input.instanceUrl,
        enterpriseUrl: `/services/Soap/c/${v}/${org15}`,
        metadataUrl: `/services/Soap/m/${v}/${org15}`,
        partnerUrl: `/services/Soap/u/${v}/${org15}`,
        restUrl: `/services/data/v${v}/`,
        sobjectUrl: `/services/data/v${v}/sobjects/`,
        searchUrl: `/services/data/v${v}/search/`,
        queryUrl: `/services/data/v${v}/query/`,
        recentItemsUrl: `/services/data/v${v}/recent/`,
        chatterFeedsUrl: `/services/data/v31.0/chatter/feeds`,
        chatterGroupsUrl: `/services/data/v${v}/chatter/groups`,
        chatterUsersUrl: `/services/data/v${v}/chatter/users`,
        chatterFeedItemsUrl: `/services/data/v31.0/chatter/feed-items`,
        userUrl: `/${user.id}`,
      },
      application: {
        name: app.name,
        canvasUrl: input.canvasUrl,
        applicationId: app.applicationId,
        version: '1.0',
        authType: 'SIGNED_REQUEST',
        referenceId: app.referenceId,
        options: [],
        samlInitiationMethod: 'None',
        namespace: '',
        isInstalledPersonalApp: false,
        developerName: app.developerName,
      },
      environment: {
        referer: null,
        locationUrl: input.locationUrl,
        displayLocation: 'Visualforce',
        sublocation: null,
        uiTheme: 'Theme4d',
        dimensions: {
          width: '100%',
          height: '900px',
          maxWidth: '1000px',
          maxHeight: '2000px',
          clientWidth: '1200px',
          clientHeight: '900px',
        },
        parameters: {},
        record: {},
        version: { season: releaseSeason(v), api: v },
      },
      organization: {
        organizationId: org.id,
        name: org.name,
        multicurrencyEnabled: false,
        namespacePrefix: null,
        currencyIsoCode: org.currencyIsoCode,
      },
    },
  }
}

/**
 * Signs a CanvasRequest as Salesforce does: `<signature>.<payload>`, both standard Base64
 * with padding, the signature being HMAC-SHA256 over the payload's Base64 text.
 */
export function buildSignedRequest(canvasRequest: object, consumerSecret: string): string {
  const payload = Buffer.from(JSON.stringify(canvasRequest), 'utf8').toString('base64')
  const signature = createHmac('sha256', consumerSecret).update(payload).digest('base64')
  return `${signature}.${payload}`
}

/** Verifies and decodes a signed request (for tests); undefined when the signature does not hold. */
export function verifySignedRequest(signedRequest: string, consumerSecret: string): CanvasRequest | undefined {
  const dot = signedRequest.indexOf('.')
  if (dot < 0) return undefined
  const signature = Buffer.from(signedRequest.slice(0, dot), 'base64')
  const payload = signedRequest.slice(dot + 1)
  const expected = createHmac('sha256', consumerSecret).update(payload).digest()
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return undefined
  return JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as CanvasRequest
}
