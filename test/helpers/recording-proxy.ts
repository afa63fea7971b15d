/**
 * A real HTTP proxy in front of the Salesforce simulator, for tests that must see (or bend)
 * the traffic: it records every request that reaches it, and may rewrite response bodies,
 * e.g. to answer with URLs on another host the way a compromised or spoofed endpoint would.
 * Plus a sink: a listener standing for a host that must never receive anything.
 */
import http from 'node:http'
import net from 'node:net'

export interface RecordedRequest {
  method: string
  path: string
  authorization: string | null
}

export interface RecordingProxy {
  url: string
  host: string
  requests: RecordedRequest[]
  close(): Promise<void>
}

export async function startRecordingProxy(
  target: string,
  options: { rewrite?: (path: string, body: string) => string } = {},
): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = []
  const server = http.createServer((req, res) => {
    requests.push({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      authorization: typeof req.headers.authorization === 'string' ? req.headers.authorization : null,
    })
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const headers = { ...req.headers }
      // Hop-by-hop and length headers are the proxy's own business; plain bodies, so they can be rewritten.
      for (const name of [
        'host',
        'content-length',
        'accept-encoding',
        'connection',
        'keep-alive',
        'transfer-encoding',
        'te',
        'upgrade',
      ])
        delete headers[name]
      fetch(new URL(req.url ?? '/', target), {
        method: req.method,
        headers: headers as Record<string, string>,
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
        redirect: 'manual',
      })
        .then(async (upstream) => {
          let body = await upstream.text()
          if (options.rewrite) body = options.rewrite(req.url ?? '/', body)
          const out: Record<string, string> = {}
          upstream.headers.forEach((value, key) => {
            if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(key))
              out[key] = value
          })
          res.writeHead(upstream.status, out)
          res.end(body)
        })
        .catch((err: Error) => {
          res.writeHead(502, { 'content-type': 'text/plain' })
          res.end(`recording proxy: ${err.message}`)
        })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export interface Sink {
  url: string
  host: string
  /** Connections made to it, and the raw bytes they sent. */
  connections: number
  received: string
  close(): Promise<void>
}

/** A TCP listener that records whatever connects to it and closes the connection. */
export async function startSink(): Promise<Sink> {
  const sink = {
    connections: 0,
    received: '',
  }
  const server = net.createServer((socket) => {
    sink.connections++
    socket.on('data', (d) => {
      sink.received += d.toString('latin1')
      socket.destroy()
    })
    socket.setTimeout(500, () => socket.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return Object.assign(sink, {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  })
}
