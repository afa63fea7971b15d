/**
 * A pull's output on the raw HTTP response. The reply is hijacked once the first page is
 * in, then written chunk by chunk, waiting for `drain` whenever the socket's buffer is
 * full, so a slow client slows the paging down instead of filling memory. When the client
 * disconnects, `closed` turns true and the service stops asking Salesforce for pages.
 *
 * Hand-written rather than `reply.send(stream)`: the rows are produced inside
 * `SalesforceAccess.withConnection`, whose connection only lives for the callback, so the
 * callback itself must do the writing.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { PullOutput } from './service.js'

export function rawResponseOutput(request: FastifyRequest, reply: FastifyReply): PullOutput {
  const res = reply.raw
  let gone = false
  res.once('close', () => {
    gone = true
  })
  const closed = (): boolean => gone || res.destroyed || res.writableEnded

  return {
    get closed() {
      return closed()
    },
    begin({ contentType, contentDisposition }) {
      reply.hijack()
      // Hijacked replies skip the onSend hooks: the headers that matter for a download are set here.
      res.writeHead(200, {
        'content-type': contentType,
        'content-disposition': contentDisposition,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      })
    },
    async write(chunk) {
      if (closed()) return false
      if (res.write(chunk)) return true
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done)
          res.off('close', done)
          resolve()
        }
        res.on('drain', done)
        res.on('close', done)
      })
      return !closed()
    },
    end() {
      if (!closed()) res.end()
    },
    abort(err) {
      request.log.warn({ err }, 'pull failed after the response had started; the body was cut off')
      res.destroy()
    },
  }
}
