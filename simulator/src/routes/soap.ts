// SOAP partner API: login() with Salesforce's token rules, and logout().
import { XMLParser } from 'fast-xml-parser'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { checkPassword, createSession, LOGIN_MESSAGES, recordLogin, revokeToken, useSession } from '../auth.js'
import type { SimulatorContext } from '../context.js'
import { to15 } from '../ids.js'
import type { User } from '../state.js'
import { escapeXml } from './http.js'

const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/'
const LOGIN_FAULTS = new Set([
  'INVALID_LOGIN',
  'LOGIN_MUST_USE_SECURITY_TOKEN',
  'LOGIN_RATE_EXCEEDED',
  'API_DISABLED_FOR_ORG',
  'PASSWORD_LOCKOUT',
])
/** SOAP login() is unavailable from API 65.0 (Winter '26). */
const FIRST_VERSION_WITHOUT_LOGIN = 65
const LATEST_VERSION = 66

const parser = new XMLParser({ removeNSPrefix: true, parseTagValue: false, ignoreAttributes: true, trimValues: false })

function sendFault(reply: FastifyReply, code: string, message: string): FastifyReply {
  const faultType = LOGIN_FAULTS.has(code) ? 'LoginFault' : 'UnexpectedErrorFault'
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV}" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    '<soapenv:Body><soapenv:Fault>' +
    `<faultcode>sf:${code}</faultcode>` +
    `<faultstring>${escapeXml(`${code}: ${message}`)}</faultstring>` +
    `<detail><sf:${faultType} xsi:type="sf:${faultType}"><sf:exceptionCode>${code}</sf:exceptionCode>` +
    `<sf:exceptionMessage>${escapeXml(message)}</sf:exceptionMessage></sf:${faultType}></detail>` +
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>'
  return reply.code(500).type('text/xml;charset=UTF-8').send(xml)
}

function sendClientFault(reply: FastifyReply, message: string): FastifyReply {
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV}"><soapenv:Body><soapenv:Fault>` +
    `<faultcode>soapenv:Client</faultcode><faultstring>${escapeXml(message)}</faultstring>` +
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>'
  return reply.code(500).type('text/xml;charset=UTF-8').send(xml)
}

function envelope(body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV}" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  )
}

function el(name: string, value: string | number | boolean | null): string {
  return value === null ? `<${name} xsi:nil="true"/>` : `<${name}>${escapeXml(String(value))}</${name}>`
}

function loginResult(ctx: SimulatorContext, user: User, sessionId: string, version: string): string {
  const { state } = ctx
  const org = state.orgs.get(user.orgId)!
  const org15 = to15(org.id)
  const userInfo = [
    el('accessibilityMode', false),
    el('chatterExternal', false),
    el('currencySymbol', '$'),
    el('orgAttachmentFileSizeLimit', 5242880),
    el('orgDefaultCurrencyIsoCode', org.currencyIsoCode),
    el('orgDefaultCurrencyLocale', 'en_US'),
    el('orgDisallowHtmlAttachments', false),
    el('orgHasPersonAccounts', false),
    el('organizationId', org.id),
    el('organizationMultiCurrency', false),
    el('organizationName', org.name),
    el('profileId', user.profileId),
    el('roleId', user.roleId),
    el('sessionSecondsValid', org.settings.sessionTimeoutSeconds),
    el('userDefaultCurrencyIsoCode', null),
    el('userEmail', user.email),
    el('userFullName', `${user.firstName} ${user.lastName}`.trim()),
    el('userId', user.id),
    el('userLanguage', user.language),
    el('userLocale', user.locale),
    el('userName', user.username),
    el('userTimeZone', user.timeZone),
    el('userType', 'Standard'),
    el('userUiSkin', 'Theme3'),
  ].join('')
  return envelope(
    '<loginResponse><result>' +
      el('metadataServerUrl', `${state.baseUrl}/services/Soap/m/${version}/${org15}`) +
      el('passwordExpired', user.passwordExpired) +
      el('sandbox', false) +
      el('serverUrl', `${state.baseUrl}/services/Soap/u/${version}/${org15}`) +
      el('sessionId', sessionId) +
      el('userId', user.id) +
      `<userInfo>${userInfo}</userInfo>` +
      '</result></loginResponse>',
  )
}

export function registerSoapRoutes(app: FastifyInstance, ctx: SimulatorContext): void {
  const { state } = ctx
  const handler = async (request: { params: unknown; body: unknown; ip: string }, reply: FastifyReply) => {
    const { version } = request.params as { version: string }
    if (!/^\d+\.\d$/.test(version) || Number(version) > LATEST_VERSION || Number(version) < 2) {
      return sendFault(reply, 'UNSUPPORTED_API_VERSION', `Invalid Api version specified on URL`)
    }
    let doc: any
    try {
      doc = parser.parse(typeof request.body === 'string' ? request.body : '', true)
    } catch {
      return sendClientFault(reply, 'Unable to parse the request envelope')
    }
    const body = doc?.Envelope?.Body
    if (!body || typeof body !== 'object') return sendClientFault(reply, 'Unable to find the SOAP Body')

    if ('login' in body) {
      const username = String(body.login?.username ?? '')
      const password = String(body.login?.password ?? '')
      const known = state.usersByUsername.get(username.trim().toLowerCase())
      if (Number(version) >= FIRST_VERSION_WITHOUT_LOGIN) {
        recordLogin(state, 'soap', known, false, 'INVALID_OPERATION')
        return sendFault(
          reply,
          'INVALID_OPERATION',
          `The SOAP Login operation is not available in the API version specified (${version}). Refer to the documentation for supported versions.`,
        )
      }
      const outcome = checkPassword(state, { username, password, ip: request.ip, channel: 'soap' })
      if (!outcome.ok) {
        recordLogin(state, 'soap', outcome.user, false, outcome.code)
        return sendFault(reply, outcome.code, LOGIN_MESSAGES[outcome.code])
      }
      recordLogin(state, 'soap', outcome.user, true)
      const session = createSession(state, outcome.user, 'soap', { restricted: outcome.passwordExpired })
      return reply.type('text/xml;charset=UTF-8').send(loginResult(ctx, outcome.user, session.token, version))
    }

    if ('logout' in body) {
      const token = String(doc?.Envelope?.Header?.SessionHeader?.sessionId ?? '')
      if (!token || !useSession(state, token, false)) {
        return sendFault(reply, 'INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader: Illegal Session')
      }
      revokeToken(state, token)
      return reply.type('text/xml;charset=UTF-8').send(envelope('<logoutResponse/>'))
    }

    const operation = Object.keys(body).find((k) => !k.startsWith('#') && !k.startsWith(':')) ?? ''
    return sendClientFault(reply, `No operation available for request {urn:partner.soap.sforce.com}${operation}`)
  }
  app.post('/services/Soap/u/:version', handler)
  app.post('/services/Soap/u/:version/:orgId', handler)
}
