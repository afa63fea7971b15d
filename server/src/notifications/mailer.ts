/**
 * Sends one email over SMTP (nodemailer). The transport is built once from SMTP_URL; its
 * password never reaches a log line or an error message (only the SMTP reply code does).
 */
import nodemailer from 'nodemailer'
import type { NotificationsConfig } from '../config.js'

export interface OutgoingMail {
  to: string
  subject: string
  text: string
  html: string
  messageId: string
  headers: Record<string, string>
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>
  close(): void
}

export class MailError extends Error {
  constructor(
    message: string,
    /** 5xx replies: the recipient or message is refused for good; retrying will not help. */
    readonly permanent: boolean,
  ) {
    super(message)
    this.name = 'MailError'
  }
}

export function createMailer(config: NotificationsConfig): Mailer | null {
  if (!config.enabled || !config.smtpUrl) return null
  const transport = nodemailer.createTransport({
    url: config.smtpUrl,
    // A stuck SMTP server must not hold the job forever.
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
    logger: false,
    debug: false,
  })
  return {
    async send(mail) {
      try {
        await transport.sendMail({
          from: config.mailFrom,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
          headers: mail.headers,
        })
      } catch (err) {
        const e = err as { responseCode?: number; code?: string }
        const code = typeof e.responseCode === 'number' ? e.responseCode : null
        throw new MailError(
          code ? `SMTP server answered ${code}` : `SMTP delivery failed (${e.code ?? 'connection error'})`,
          code !== null && code >= 500 && code < 600,
        )
      }
    },
    close() {
      transport.close()
    },
  }
}
