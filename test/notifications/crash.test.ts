/**
 * SIGKILL while an email is being sent: the worker (SF Link as a child process) has handed
 * the message to the SMTP server, which has not answered yet. After the restart the email is
 * sent again, with the same Message-ID, and only then marked sent: nothing queued is lost.
 * Needs DATABASE_URL: the embedded Postgres would die with the killed process.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, realDatabaseUrl, type TestDatabase } from '../helpers/database.js'
import { testKeys } from '../helpers/config.js'
import { startChildServer, type ChildServer } from '../helpers/child-server.js'
import { enqueue } from '../../server/src/notifications/repository.js'

describe.skipIf(!realDatabaseUrl())('SIGKILL while a notification email is being sent', () => {
  let db: TestDatabase
  let smtp: SMTPServer
  let smtpPort: number
  let server: ChildServer | null = null
  let dataDir: string
  /** While true the SMTP server takes the message and never answers (the worker waits). */
  let stall = true
  const received: { messageId: string; stalled: boolean }[] = []

  beforeAll(async () => {
    db = await createTestDatabase()
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfl-mail-crash-'))
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        let raw = ''
        stream.on('data', (d: Buffer) => (raw += d.toString('utf8')))
        stream.on('end', () => {
          const messageId = /^Message-ID:\s*(\S+)/im.exec(raw)?.[1] ?? ''
          received.push({ messageId, stalled: stall })
          if (!stall) callback()
          // Stalled: no reply at all, as from a server that hangs mid-transaction.
        })
      },
    })
    smtp.on('error', () => {})
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
    smtpPort = (smtp.server.address() as AddressInfo).port
  })
  afterAll(async () => {
    await server?.kill()
    await new Promise<void>((resolve) => smtp?.close(() => resolve()))
    await db?.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('sends the email after the restart, once the killed worker’s lease has run out', async () => {
    const keys = testKeys()
    const env = {
      APP_MODE: 'development',
      DATABASE_URL: db.url,
      SALESFORCE_CONSUMER_KEY: 'k',
      SALESFORCE_CONSUMER_SECRET: 's',
      ...keys,
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      MAIL_FROM: 'SF Link <alerts@sf-link.test>',
      NOTIFICATION_SWEEP_SECONDS: '1',
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
    }
    server = await startChildServer(env)
    const { rows } = await db.pool.query(
      `INSERT INTO accounts (email, name, password_hash) VALUES ('grace@app.test', 'Grace', 'x') RETURNING id`,
    )
    const accountId = rows[0].id as string
    expect(
      await enqueue(db.pool, { accountId, kind: 'api_cap_reached', dedupeKey: 'crash:1', data: { used: 1 } }),
    ).toBe(true)
    const row = async () =>
      (await db.pool.query(`SELECT id, status, attempts FROM notification_outbox WHERE dedupe_key = 'crash:1'`)).rows[0]

    // The worker hands the message over; the SMTP server keeps it waiting; the process dies.
    await expect.poll(() => received.length, { timeout: 30_000, interval: 100 }).toBe(1)
    await server.kill()
    server = null
    const leased = await row()
    expect(leased).toMatchObject({ status: 'pending', attempts: 1 })

    // The lease (two minutes) runs out: moved here rather than waited for.
    await db.pool.query(`UPDATE notification_outbox SET next_attempt_at = now() WHERE id = $1`, [leased.id])
    stall = false
    server = await startChildServer(env)
    await expect.poll(async () => (await row()).status, { timeout: 30_000, interval: 200 }).toBe('sent')
    expect(received.map((r) => r.stalled)).toEqual([true, false])
    // The same email both times: a receiver can tell the resend from a new one.
    expect(received[1]!.messageId).toBe(received[0]!.messageId)
    expect(received[0]!.messageId).toBe(`<${leased.id}@sf-link.notifications>`)
  })
})
