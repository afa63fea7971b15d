import { describe, expect, it } from 'vitest'
import { ERRORS, type ErrorCode } from '../../server/src/errors.js'
import {
  actionFor,
  adminAction,
  decideAccess,
  errorClass,
  fallsThrough,
  isCredentialError,
  isTransient,
  orderCredentials,
  primaryCredential,
  reasonCode,
  retirementNotice,
  type PolicyCredential,
} from '../../server/src/links/credential-policy.js'
import { translateSalesforceError } from '../../server/src/salesforce/error-translation.js'

const now = new Date('2026-11-30T12:00:00Z')
const cred = (over: Partial<PolicyCredential> & Pick<PolicyCredential, 'kind'>): PolicyCredential => ({
  status: 'ok',
  reason: null,
  expiresAt: null,
  lastFailureAt: null,
  ...over,
})

describe('credential policy: error classes', () => {
  it('gives every SF_* code of the registry a class', () => {
    const sfCodes = Object.keys(ERRORS).filter((c) => c.startsWith('SF_'))
    expect(sfCodes.length).toBeGreaterThan(15)
    for (const code of sfCodes) expect(['credential', 'transient', 'fatal'], code).toContain(errorClass(code))
  })

  it('opens the circuit for refused credentials, retries outages, leaves the rest alone', () => {
    for (const code of [
      'SF_INVALID_LOGIN',
      'SF_SECURITY_TOKEN_REQUIRED',
      'SF_LOCKED_OUT',
      'SF_PASSWORD_EXPIRED',
      'SF_AUTHORIZATION_REVOKED',
      'SF_SOAP_LOGIN_DISABLED',
      'SF_LOGIN_NOT_PERMITTED',
      'SF_API_DISABLED',
      'SF_CREDENTIALS_REQUIRED',
    ])
      expect(isCredentialError(code), code).toBe(true)
    expect(isTransient('SF_UNAVAILABLE')).toBe(true)
    expect(isTransient('SF_RATE_LIMITED')).toBe(true)
    for (const code of ['SF_REQUEST_FAILED', 'SF_UNTRUSTED_URL', 'SF_OAUTH_DENIED', 'VALIDATION_FAILED']) {
      expect(errorClass(code), code).toBe('fatal')
      expect(isCredentialError(code)).toBe(false)
      expect(isTransient(code)).toBe(false)
    }
    expect(fallsThrough('SESSION_EXPIRED')).toBe(true)
    expect(fallsThrough('SF_INVALID_LOGIN')).toBe(true)
    expect(fallsThrough('SF_UNAVAILABLE')).toBe(false)
  })

  it('leads every SOAP login failure to Connect with Salesforce, each with its own admin action', () => {
    expect(actionFor('SF_SOAP_LOGIN_DISABLED')).toBe('connect_with_salesforce')
    expect(actionFor('SF_LOGIN_NOT_PERMITTED')).toBe('connect_with_salesforce')
    expect(actionFor('SF_INVALID_LOGIN')).toBe('update_credential')
    expect(actionFor('SF_API_DISABLED')).toBe('ask_admin')
    const admin = ['SF_SOAP_LOGIN_DISABLED', 'SF_LOGIN_NOT_PERMITTED', 'SF_API_DISABLED'].map(adminAction)
    expect(admin[0]).toMatch(/Enable SOAP API login\(\)/)
    expect(admin[1]).toMatch(/Use Any API Auth/)
    expect(admin[2]).toMatch(/API Enabled/)
    expect(new Set(admin).size).toBe(3)
    for (const code of ['SF_SOAP_LOGIN_DISABLED', 'SF_LOGIN_NOT_PERMITTED', 'SF_API_DISABLED'] as ErrorCode[])
      expect(ERRORS[code].message).toMatch(/Connect with Salesforce/)
  })

  it('translates the missing "Use Any API Auth" permission to its own code, not SF_API_DISABLED', () => {
    const soapFault = new Error('INSUFFICIENT_ACCESS: SOAP API login() requires the Use Any API Auth user permission.')
    expect(translateSalesforceError(soapFault).code).toBe('SF_LOGIN_NOT_PERMITTED')
    const soapOff = new Error(
      'INVALID_OPERATION: SOAP API login() is disabled by default in this org. Contact the org administrator to enable SOAP API login().',
    )
    expect(translateSalesforceError(soapOff).code).toBe('SF_SOAP_LOGIN_DISABLED')
    expect(translateSalesforceError(new Error('API_DISABLED_FOR_ORG: API is not enabled')).code).toBe('SF_API_DISABLED')
    // A REST answer with the same word is about a record, not the login.
    const rest = Object.assign(new Error('insufficient access'), { errorCode: 'INSUFFICIENT_ACCESS' })
    expect(translateSalesforceError(rest).code).toBe('SF_REQUEST_FAILED')
  })

  it('keeps unknown stored reasons readable', () => {
    expect(reasonCode('SF_LOCKED_OUT')).toBe('SF_LOCKED_OUT')
    expect(reasonCode('something old')).toBe('SF_INVALID_LOGIN')
    expect(reasonCode(null)).toBe('SF_INVALID_LOGIN')
  })
})

describe('credential policy: order and access state', () => {
  it('tries the live canvas session first (only inside Salesforce), then OAuth, JWT, password', () => {
    const all = [
      cred({ kind: 'password_token' }),
      cred({ kind: 'canvas', expiresAt: new Date(now.getTime() + 60_000) }),
      cred({ kind: 'oauth_refresh' }),
      cred({ kind: 'jwt_bearer' }),
    ]
    expect(orderCredentials(all, { canvas: true, now }).map((c) => c.kind)).toEqual([
      'canvas',
      'oauth_refresh',
      'jwt_bearer',
      'password_token',
    ])
    expect(orderCredentials(all, { canvas: false, now }).map((c) => c.kind)).toEqual([
      'oauth_refresh',
      'jwt_bearer',
      'password_token',
    ])
    const expired = [cred({ kind: 'canvas', expiresAt: new Date(now.getTime() - 1) })]
    expect(orderCredentials(expired, { canvas: true, now })).toEqual([])
  })

  it('decides canConnect once: a usable stored credential or a live canvas session', () => {
    expect(decideAccess({ linked: false, credentials: [], canvas: false, now })).toMatchObject({
      canConnect: false,
      code: 'SF_CREDENTIALS_REQUIRED',
      message: expect.stringMatching(/Open SF Link inside Salesforce once/),
      action: 'connect_with_salesforce',
    })
    expect(decideAccess({ linked: true, credentials: [], canvas: false, now })).toMatchObject({
      canConnect: false,
      code: 'SF_CREDENTIALS_REQUIRED',
    })
    const live = cred({ kind: 'canvas', expiresAt: new Date(now.getTime() + 60_000) })
    expect(decideAccess({ linked: true, credentials: [live], canvas: true, now }).canConnect).toBe(true)
    expect(decideAccess({ linked: true, credentials: [live], canvas: false, now }).canConnect).toBe(false)
    // Rate limited: waiting, not broken.
    const limited = cred({ kind: 'password_token', status: 'rate_limited', reason: 'SF_RATE_LIMITED' })
    expect(decideAccess({ linked: true, credentials: [limited], canvas: false, now }).canConnect).toBe(true)
    const soapOff = cred({ kind: 'password_token', status: 'needs_attention', reason: 'SF_SOAP_LOGIN_DISABLED' })
    expect(decideAccess({ linked: true, credentials: [soapOff], canvas: false, now })).toMatchObject({
      canConnect: false,
      code: 'SF_SOAP_LOGIN_DISABLED',
      action: 'connect_with_salesforce',
      adminAction: expect.stringMatching(/Summer '27/),
    })
  })

  it('leads with the failure that actually happened last when nothing works', () => {
    const oauth = cred({
      kind: 'oauth_refresh',
      status: 'needs_attention',
      reason: 'SF_AUTHORIZATION_REVOKED',
      lastFailureAt: new Date('2026-11-01T00:00:00Z'),
    })
    const password = cred({
      kind: 'password_token',
      status: 'needs_attention',
      reason: 'SF_INVALID_LOGIN',
      lastFailureAt: new Date('2026-11-29T00:00:00Z'),
    })
    expect(primaryCredential([oauth, password])?.kind).toBe('password_token')
    expect(decideAccess({ linked: true, credentials: [oauth, password], canvas: false, now }).code).toBe(
      'SF_INVALID_LOGIN',
    )
    // A working one speaks for the link even when another is broken.
    expect(primaryCredential([password, cred({ kind: 'oauth_refresh' })])?.kind).toBe('oauth_refresh')
  })

  it("says that Salesforce retires username, password and token in Summer '27", () => {
    expect(retirementNotice('password_token')).toMatch(/Summer '27/)
    expect(retirementNotice('oauth_refresh')).toBeNull()
  })
})
