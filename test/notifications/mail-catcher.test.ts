/**
 * The demo mail catcher: a real SMTP server on a real socket. A hand-typed SMTP conversation
 * and SF Link's own mailer both land in `GET /demo/mail` (JSON) and its page; demo.json says
 * where it is.
 */
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMailCatcher, type MailCatcher } from '../../server/src/demo/mail-catcher.js'
import { createMailer } from '../../server/src/notifications/mailer.js'
import { createTestApp, type TestApp } from '../helpers/app.js'

/** Speaks SMTP line by line, waiting for each reply code, like any mail client would. */
async function smtpConversation(port: number, lines: string[]): Promise<string[]> {
  const socket = net.connect(port, '127.0.0.1')
  socket.setEncoding('utf8')
  const replies: string[] = []
  let buffer = ''
  let waiting: ((line: string) => void) | null = null
  socket.on('data', (chunk: string) => {
    buffer += chunk
    let nl: number
    while ((nl = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 2)
      // Multi-line replies ("250-…") end with "250 …".
      if (/^\d{3} /.test(line)) {
        replies.push(line)
        waiting?.(line)
      }
    }
  })
  const reply = () => new Promise<string>((resolve) => (waiting = resolve))
  await reply() // greeting
  for (const line of lines) {
    const next = reply()
    socket.write(`${line}\r\n`)
    await next
  }
  socket.end()
  return replies
}

describe('demo mail catcher', () => {
  let catcher: MailCatcher
  let t: TestApp

  beforeAll(async () => {
    catcher = await startMailCatcher()
    t = await createTestApp({
      deps: {
        demo: { simulatorUrl: 'http://127.0.0.1:9', users: async () => [], mail: catcher },
      },
    })
  })
  afterAll(async () => {
    await t?.close()
    await catcher?.close()
  })

  it('receives mail over SMTP and lists it as JSON [{to, subject, text, html, sentAt}], newest first', async () => {
    const replies = await smtpConversation(catcher.port, [
      'EHLO client.test',
      'MAIL FROM:<someone@client.test>',
      'RCPT TO:<grace@app.test>',
      'DATA',
      [
        'From: Someone <someone@client.test>',
        'To: Grace <grace@app.test>',
        'Subject: Typed by hand',
        'Date: Mon, 30 Nov 2026 10:00:00 +0000',
        '',
        'Hello over a real socket.',
        '.',
      ].join('\r\n'),
      'QUIT',
    ])
    expect(replies[0]).toMatch(/^220 /)
    expect(replies.at(-2)).toMatch(/^250 /) // the message was accepted

    const mailer = createMailer({
      enabled: true,
      smtpUrl: catcher.url,
      mailFrom: 'SF Link <alerts@sf-link.test>',
      sweepSeconds: 30,
    })!
    await mailer.send({
      to: 'ada@app.test',
      subject: 'From the mailer',
      text: 'Plain text body',
      html: '<p>HTML <b>body</b></p>',
      messageId: '<test-1@sf-link.notifications>',
      headers: { 'List-Unsubscribe': '<http://localhost/u>' },
    })

    const res = await t.app.inject({ url: '/demo/mail' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/application\/json/)
    const list = res.json()
    expect(list).toHaveLength(2)
    expect(list[0]).toMatchObject({
      to: 'ada@app.test',
      subject: 'From the mailer',
      text: 'Plain text body',
      html: '<p>HTML <b>body</b></p>',
      from: '"SF Link" <alerts@sf-link.test>',
    })
    expect(list[0].headers['list-unsubscribe']).toBe('<http://localhost/u>')
    expect(new Date(list[0].sentAt).getTime()).toBeGreaterThan(Date.now() - 60_000)
    expect(list[1]).toMatchObject({
      to: '"Grace" <grace@app.test>',
      subject: 'Typed by hand',
      text: 'Hello over a real socket.\n',
      html: null,
      sentAt: '2026-11-30T10:00:00.000Z',
    })
  })

  it('shows the mail on a page with clickable links, escaping what the mail holds', async () => {
    await createMailer({ enabled: true, smtpUrl: catcher.url, mailFrom: 'a@b.test', sweepSeconds: 30 })!.send({
      to: 'ada@app.test',
      subject: '<script>alert(1)</script>',
      text: 'Fix it: http://localhost:3000/#/settings/link-accounts',
      html: '<p>x</p>',
      messageId: '<test-2@sf-link.notifications>',
      headers: {},
    })
    for (const req of [{ url: '/demo/mail.html' }, { url: '/demo/mail', headers: { accept: 'text/html' } }]) {
      const page = await t.app.inject(req)
      expect(page.headers['content-type']).toMatch(/text\/html/)
      expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
      expect(page.body).not.toContain('<script>alert(1)')
      expect(page.body).toContain(
        '<a href="http://localhost:3000/#/settings/link-accounts" data-testid="mail-link">http://localhost:3000/#/settings/link-accounts</a>',
      )
    }
    const demo = (await t.app.inject({ url: '/demo.json' })).json()
    expect(demo.mailUrl).toBe(`${t.config.publicUrl}/demo/mail`)
  })

  it('has no mail routes outside demo mode', async () => {
    const plain = await createTestApp()
    try {
      expect((await plain.app.inject({ url: '/demo/mail' })).statusCode).toBe(404)
      expect((await plain.app.inject({ url: '/demo.json' })).statusCode).toBe(404)
    } finally {
      await plain.close()
    }
  })
})
