/**
 * The one error handler: every error gets its stable code here, then leaves in one of three
 * forms — JSON `{code, message}` (the default, for the API), an HTML page (the canvas entry,
 * which the person sees in the iframe) or a redirect (browser navigations such as the OAuth
 * flow, to a UI page that explains the code). 4xx from Fastify itself (validation, body
 * parsing, limits) are mapped to registry codes; anything else is a 5xx whose details stay in
 * the log, never in the response.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, ERRORS, type ErrorCode } from '../errors.js'

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_CTP_INVALID_TYPE: 'MALFORMED_REQUEST',
  FST_ERR_CTP_EMPTY_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'MALFORMED_REQUEST',
  FST_ERR_ASYNC_CONSTRAINT: 'MALFORMED_REQUEST',
}

function codeForStatus(status: number): ErrorCode {
  if (status === 404) return 'NOT_FOUND'
  if (status === 405) return 'METHOD_NOT_ALLOWED'
  if (status === 413) return 'BODY_TOO_LARGE'
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE'
  if (status === 429) return 'RATE_LIMITED'
  if (status === 401) return 'UNAUTHENTICATED'
  if (status === 403) return 'FORBIDDEN'
  return 'MALFORMED_REQUEST'
}

// The database is away (restarting, failing over, unreachable): a temporary condition, so 503.
const DATABASE_UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
])

function isDatabaseUnavailable(err: { code?: string; message?: string }): boolean {
  if (err.code && DATABASE_UNAVAILABLE_CODES.has(err.code)) return true
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    err.message ?? '',
  )
}

/** A rejected field: where it is (`email`, `filters.0.value`) and the rule it broke (`required`, `maxLength`, …). */
export interface FieldProblem {
  field: string
  rule: string
}

interface AjvError {
  instancePath?: string
  keyword?: string
  params?: Record<string, unknown>
  message?: string
}

/** Turns schema-validation errors into `details: [{field, rule}]` and one sentence naming them. */
export function describeValidation(
  errors: AjvError[],
  context: string | undefined,
): { details: FieldProblem[]; message: string } {
  const details: FieldProblem[] = []
  const sentences: string[] = []
  for (const e of errors) {
    const path = (e.instancePath ?? '')
      .split('/')
      .filter(Boolean)
      .map((step) => step.replace(/~1/g, '/').replace(/~0/g, '~'))
    const rule = e.keyword ?? 'invalid'
    let field = path.join('.')
    let sentence: string
    if (rule === 'required' && typeof e.params?.missingProperty === 'string') {
      field = [...path, e.params.missingProperty].join('.')
      sentence = `${field} is required`
    } else if (rule === 'additionalProperties' && typeof e.params?.additionalProperty === 'string') {
      field = [...path, e.params.additionalProperty].join('.')
      sentence = `${field} is not a field this endpoint accepts`
    } else {
      field ||= context ?? 'body'
      sentence = `${field} ${e.message ?? 'is not valid'}`
    }
    if (details.some((d) => d.field === field && d.rule === rule)) continue
    details.push({ field, rule })
    sentences.push(sentence)
  }
  return { details, message: `The request is not valid: ${sentences.join('; ')}.` }
}

export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err
  if (err && typeof err === 'object' && isDatabaseUnavailable(err as { code?: string })) {
    return new AppError('SERVICE_UNAVAILABLE', 'SF Link cannot reach its database right now. Try again in a moment.', {
      cause: err,
    })
  }
  const e = err as FastifyError & { validation?: unknown }
  if (e && typeof e === 'object') {
    if (e.validation) {
      const { details, message } = describeValidation(
        e.validation as AjvError[],
        (e as { validationContext?: string }).validationContext,
      )
      return new AppError('VALIDATION_FAILED', message, { details })
    }
    if (e.code && FASTIFY_CODES[e.code]) return new AppError(FASTIFY_CODES[e.code]!)
    if (e.code?.startsWith('FST_CSRF')) return new AppError('CSRF_INVALID')
    const status = e.statusCode
    if (typeof status === 'number' && status >= 400 && status < 500) return new AppError(codeForStatus(status))
    // Errors from body parsers (e.g. a malformed form or JSON body) carry a 4xx status;
    // anything else is ours.
  }
  return null
}

/** An error as it leaves: status, code and message, logged on the way when it is ours (5xx). */
function resolveError(err: unknown, request: FastifyRequest, context: string): AppError {
  const appErr = toAppError(err)
  if (appErr) {
    if (appErr.status >= 500) request.log.warn({ code: appErr.code, err: appErr.cause ?? undefined }, appErr.message)
    return appErr
  }
  request.log.error({ err }, context)
  return new AppError('INTERNAL_ERROR', ERRORS.INTERNAL_ERROR.message)
}

type RouteErrorHandler = (err: unknown, request: FastifyRequest, reply: FastifyReply) => FastifyReply

/** JSON `{code, message}` (the default for every route). */
export const jsonErrors: RouteErrorHandler = (err, request, reply) => {
  const appErr = resolveError(err, request, 'unhandled error')
  if (appErr.retryAfterSeconds !== undefined) reply.header('retry-after', String(appErr.retryAfterSeconds))
  return reply.status(appErr.status).type('application/json; charset=utf-8').send(appErr.toJSON())
}

/** An HTML page, never cached (a route whose answer a person sees, e.g. the canvas entry). */
export function htmlErrors(
  render: (status: number, code: ErrorCode, message: string) => string,
  context = 'page failed',
): RouteErrorHandler {
  return (err, request, reply) => {
    const appErr = resolveError(err, request, context)
    return reply
      .status(appErr.status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(render(appErr.status, appErr.code, appErr.message))
  }
}

/**
 * A 302 to the URL the route builds from the code (a browser navigation). An error that is
 * not ours redirects with `fallback` instead of INTERNAL_ERROR.
 */
export function redirectErrors(
  urlFor: (code: ErrorCode, request: FastifyRequest) => string,
  fallback: ErrorCode,
  context = 'navigation failed',
): RouteErrorHandler {
  return (err, request, reply) => {
    const appErr = resolveError(err, request, context)
    return reply.redirect(urlFor(appErr.code === 'INTERNAL_ERROR' ? fallback : appErr.code, request), 302)
  }
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(jsonErrors)

  app.setNotFoundHandler((request, reply) => {
    return reply.status(404).send({
      code: 'ROUTE_NOT_FOUND',
      message: `There is no ${request.method} ${request.url.split('?')[0]} endpoint.`,
    })
  })
}
