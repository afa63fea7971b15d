/**
 * Demo mode's mail catcher: a real SMTP server (smtp-server) on 127.0.0.1 that receives what
 * SF Link sends and keeps the latest messages in memory, parsed with mailparser, for
 * `GET /demo/mail` and its page. Nothing it receives leaves this machine.
 */
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { simpleParser, type AddressObject } from 'mailparser'

export interface CaughtMail {
  id: number
  to: string
  from: string
  subject: string
  text: string
  html: string | null
  sentAt: string
  headers: Record<string, string>
}

export interface MailCatcher {
  /** smtp://127.0.0.1:<port>, for SMTP_URL. */
  url: string
  port: number
  /** Newest first. */
  list(): CaughtMail[]
  clear(): void
  close(): Promise<void>
}

const KEEP = 200
const MAX_SIZE = 5 * 1024 * 1024

function addresses(value: AddressObject | AddressObject[] | undefined): string {
  if (!value) return ''
  return (Array.isArray(value) ? value : [value]).map((a) => a.text).join(', ')
}

export async function startMailCatcher(options: { port?: number; host?: string } = {}): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1'
  const mails: CaughtMail[] = []
  let nextId = 1
  const server = new SMTPServer({
    // A local catcher: no TLS, no login; it accepts whatever SF Link sends.
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: MAX_SIZE,
    banner: 'SF Link demo mail catcher',
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const headers: Record<string, string> = {}
          for (const [name, value] of parsed.headers) {
            if (typeof value === 'string') headers[name] = value
          }
          for (const line of parsed.headerLines) {
            if (!(line.key in headers)) headers[line.key] = line.line.slice(line.line.indexOf(':') + 1).trim()
          }
          mails.unshift({
            id: nextId++,
            to: addresses(parsed.to) || session.envelope.rcptTo.map((r) => r.address).join(', '),
            from: addresses(parsed.from),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : null,
            sentAt: (parsed.date ?? new Date()).toISOString(),
            headers,
          })
          mails.splice(KEEP)
          callback()
        })
        .catch((err: Error) => callback(err))
    },
  })
  server.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.server.off('error', reject)
      resolve()
    })
  })
  const port = (server.server.address() as AddressInfo).port
  return {
    url: `smtp://${host}:${port}`,
    port,
    list: () => mails.slice(),
    clear: () => void mails.splice(0),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
