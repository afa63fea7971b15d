/**
 * pino options. Every secret-bearing field is redacted wherever it appears in a log
 * object, so a careless `log.info({ body })` cannot leak a password or token.
 */
import type { LoggerOptions } from 'pino'

const SECRET_KEYS = [
  'password',
  'newPassword',
  'securityToken',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'oauthToken',
  'sessionId',
  'signedRequest',
  'signed_request',
  'clientSecret',
  'client_secret',
  'consumerSecret',
  'privateKey',
  'assertion',
  'code_verifier',
  'codeVerifier',
  'apiKey',
  'key',
  'authorization',
  'cookie',
  'set-cookie',
  'x-csrf-token',
]

function pathsFor(key: string): string[] {
  const access = /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`
  // Top level, one level down and two levels down (pino wildcards match one level each).
  return [access.startsWith('.') ? key : access, `*${access}`, `*.*${access}`]
}

export const REDACT_PATHS: string[] = [
  ...SECRET_KEYS.flatMap(pathsFor),
  'req.query.code',
  'req.query.ticket',
  'req.query.state',
]

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      // URLs can carry OAuth codes and tickets: log only the path.
      req: (req: { method?: string; url?: string; id?: string }) => ({
        method: req.method,
        url: typeof req.url === 'string' ? req.url.split('?')[0] : req.url,
        id: req.id,
      }),
    },
  }
}
