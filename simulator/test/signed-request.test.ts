// Canvas signed requests built by the simulator: format, signature, the CanvasRequest shape of
// a real org's request, and credentials inside that actually work.
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Connection, OAuth2 } from 'jsforce'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { conformanceFile } from '../../test/helpers/conformance.js'
import {
  buildSignedRequest,
  createSalesforceSimulator,
  DEFAULT_CONSUMER_KEY,
  DEFAULT_CONSUMER_SECRET,
  verifySignedRequest,
  type CanvasRequest,
  type SalesforceSimulator,
} from '../src/index.js'

const conformance = JSON.parse(readFileSync(conformanceFile('canvas/real-signed-request-1.json'), 'utf8')) as {
  consumerSecret: string
  signedRequest: string
}
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

let sim: SalesforceSimulator

/** Key paths of a JSON value, with the payload-specific maps (parameters, record) left out. */
function shape(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix]
  if (/\.(parameters|record)$/.test(prefix)) return [prefix]
  return Object.entries(value).flatMap(([k, v]) => shape(v, prefix ? `${prefix}.${k}` : k))
}

function decode(signedRequest: string): CanvasRequest {
  return JSON.parse(Buffer.from(signedRequest.split('.')[1], 'base64').toString('utf8'))
}

beforeAll(async () => {
  sim = await createSalesforceSimulator({
    canvasAppUrl: 'http://127.0.0.1:3000/canvas',
    data: { contacts: 12, leads: 0, campaigns: 0 },
  })
})

afterAll(() => sim.close())

describe('signed request', () => {
  it('is <signature>.<payload> in standard Base64 with padding, signed with HMAC-SHA256 of the payload text', async () => {
    const { signedRequest } = await (await fetch(`${sim.url}/canvas-host/signed-request`)).json()
    const [signature, payload, ...rest] = signedRequest.split('.')
    expect(rest).toEqual([])
    expect(signature).toMatch(STANDARD_BASE64)
    expect(payload).toMatch(STANDARD_BASE64)
    expect(Buffer.from(signature, 'base64')).toHaveLength(32)
    expect(signature).toBe(createHmac('sha256', DEFAULT_CONSUMER_SECRET).update(payload).digest('base64'))
    expect(verifySignedRequest(signedRequest, DEFAULT_CONSUMER_SECRET)).toBeDefined()
    expect(verifySignedRequest(signedRequest, 'another-secret')).toBeUndefined()
  })

  it('has exactly the fields of a real org’s CanvasRequest', () => {
    const ours = decode(sim.control.signedRequest())
    const real = decode(conformance.signedRequest)
    expect(shape(ours).sort()).toEqual(shape(real).sort())
  })

  it('describes the user, org, app and host as Salesforce would', async () => {
    const [, grace] = sim.control.users()
    const { signedRequest } = await (
      await fetch(`${sim.url}/canvas-host/signed-request?user=${encodeURIComponent(grace.username)}`)
    ).json()
    const request = decode(signedRequest)
    expect(request).toMatchObject({
      algorithm: 'HMACSHA256',
      userId: grace.id,
      client: { instanceUrl: sim.url, targetOrigin: sim.url, refreshToken: expect.stringMatching(/^5Aep861/) },
      context: {
        user: {
          userId: grace.id,
          userName: grace.username,
          email: grace.email,
          fullName: 'Grace Hopper',
          firstName: 'Grace',
          lastName: 'Hopper',
          userType: 'STANDARD',
        },
        organization: {
          organizationId: grace.organizationId,
          name: 'SF Link Demo Org',
          multicurrencyEnabled: false,
          currencyIsoCode: 'USD',
        },
        application: {
          canvasUrl: 'http://127.0.0.1:3000/canvas',
          authType: 'SIGNED_REQUEST',
          developerName: 'SF_Link',
          version: '1.0',
        },
        environment: { version: { season: 'SPRING', api: '66.0' }, dimensions: { width: '100%' } },
        links: { restUrl: '/services/data/v66.0/', userUrl: `/${grace.id}` },
      },
    })
    expect(request.client.oauthToken).toMatch(new RegExp(`^${grace.organizationId.slice(0, 15)}!AQ`))
    expect(request.context.user.profileId).toMatch(/^00e\w{12}$/)
    expect(typeof request.issuedAt).toBe('number')
  })

  it('carries an OAuth token that works for REST, and a refresh token that works with the consumer secret', async () => {
    const { client } = sim.control.canvasRequest()
    const conn = new Connection({ instanceUrl: client.instanceUrl, accessToken: client.oauthToken, version: '66.0' })
    expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(12)

    const oauth2 = new OAuth2({
      loginUrl: sim.url,
      clientId: DEFAULT_CONSUMER_KEY,
      clientSecret: DEFAULT_CONSUMER_SECRET,
    })
    sim.control.expireSessions()
    const stored = new Connection({
      oauth2,
      instanceUrl: client.instanceUrl,
      refreshToken: client.refreshToken!,
      version: '66.0',
    })
    expect((await stored.query('SELECT COUNT() FROM Contact')).totalSize).toBe(12)
  })

  it('reuses the live session and refresh token across refreshes, and replaces an expired session', () => {
    const a = sim.control.canvasRequest()
    const b = sim.control.canvasRequest()
    expect(b.client.oauthToken).toBe(a.client.oauthToken)
    expect(b.client.refreshToken).toBe(a.client.refreshToken)
    sim.control.expireSessions()
    const c = sim.control.canvasRequest()
    expect(c.client.oauthToken).not.toBe(a.client.oauthToken)
    expect(c.client.refreshToken).toBe(a.client.refreshToken)
  })

  it('takes the canvas app URL set over the control API', async () => {
    const put = await fetch(`${sim.url}/_sim/canvas`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ canvasAppUrl: 'http://127.0.0.1:4000/canvas' }),
    })
    expect(put.status).toBe(204)
    try {
      expect(sim.control.canvasRequest().context.application.canvasUrl).toBe('http://127.0.0.1:4000/canvas')
      expect(await (await fetch(`${sim.url}/canvas-host`)).text()).toContain('action="http://127.0.0.1:4000/canvas"')
    } finally {
      sim.control.setCanvasAppUrl('http://127.0.0.1:3000/canvas')
    }
  })

  it('carries no refresh token when the app lacks the refresh_token scope', async () => {
    const noRefresh = await createSalesforceSimulator({ canvasRefreshToken: false, data: false })
    try {
      expect(noRefresh.control.canvasRequest().client.refreshToken).toBeNull()
    } finally {
      await noRefresh.close()
    }
  })

  it('buildSignedRequest reproduces the real org’s signature for its payload', () => {
    const payload = decode(conformance.signedRequest)
    expect(verifySignedRequest(conformance.signedRequest, conformance.consumerSecret)).toEqual(payload)
    const ours = buildSignedRequest(payload, conformance.consumerSecret)
    expect(verifySignedRequest(ours, conformance.consumerSecret)).toEqual(payload)
  })
})
