/**
 * Which request bodies are read, for every route but the canvas entry (which registers the
 * form parser in its own scope, server/src/canvas/routes.ts):
 *
 * - JSON only. A form or text/plain body is what a cross-site HTML form can send without a
 *   CORS preflight; refusing them (415) means no other site can make a browser submit to an
 *   SF Link route that sets a cookie or changes something.
 * - An empty JSON body is no body: many HTTP clients send `Content-Type: application/json` on
 *   every request, DELETE included. Routes that need a body still say so (400, naming the field).
 */
import type { FastifyInstance } from 'fastify'

export function registerBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain')
  // Fastify's own parser (secure-json-parse, prototype poisoning refused), minus the empty-body error.
  const json = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if ((body as string).trim() === '') {
      done(null, undefined)
      return
    }
    json(request, body as string, done)
  })
}
