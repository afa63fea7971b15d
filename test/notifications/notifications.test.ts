/**
 * Email notifications end to end, without a browser: a real simulator breaks the credential
 * (token reset), the change is recorded with its email in the same transaction, and the
 * worker's function sends it over a real SMTP socket to the demo mail catcher. Reminders are
 * reached by passing the worker a later clock, not by waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMailCatcher, type MailCatcher } from '../../server/src/demo/mail-catcher.js'
import { createSimApp, linkedAccount, type SimApp } from '../helpers/simulator-app.js'

const HOUR = 3600_000

describe('notification emails about Salesforce access', () => {
  let t: SimApp
  let catcher: MailCatcher
  let ada: { id: string; username: string; password: string; securityToken: string }
  let token: string
  let accountId: string
  const auth = () => ({ authorization: `Bearer ${token}` })

  const mails = () => catcher.list().filter((m) => m.to.includes('ada@app.test'))

  async function breakAccess(): Promise<string> {
    const newToken = t.sim.control.resetToken(ada.id)
    t.sim.control.expireSessions()
    await expect(
      t.app.services.salesforce.withConnection({ accountId, canvas: false }, async (c) =>
        c.query('SELECT Id FROM Contact'),
      ),
    ).rejects.toMatchObject({ code: 'SF_INVALID_LOGIN' })
    return newToken
  }

  async function updateToken(newToken: string): Promise<void> {
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/salesforce/credentials',
      headers: auth(),
      payload: { securityToken: newToken },
    })
    expect(res.statusCode, res.body).toBe(200)
  }

  beforeAll(async () => {
    catcher = await startMailCatcher()
    t = await createSimApp({
      sim: { canvasRefreshToken: false },
      config: (c) => ({
        ...c,
        notifications: {
          ...c.notifications,
          enabled: true,
          smtpUrl: catcher.url,
          mailFrom: 'SF Link <alerts@sf-link.test>',
        },
      }),
    })
    ada = t.sim.control.users()[0]!
    token = (await linkedAccount(t.app, t.sim, ada.id, 'ada@app.test')).standaloneToken
    accountId = (await t.app.inject({ url: '/api/me', headers: auth() })).json().id
    const save = await t.app.inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: auth(),
      payload: {
        username: ada.username,
        password: ada.password,
        securityToken: ada.securityToken,
        environment: t.sim.url,
      },
    })
    expect(save.statusCode, save.body).toBe(200)
  })
  afterAll(async () => {
    await t?.close()
    await catcher?.close()
  })

  it('one email when access breaks, reminders at 24 h and 72 h only, one when it works again; no secrets, no repeats', async () => {
    const { notifications } = t.app.services
    expect((await notifications.runDue()).sent).toBe(0)
    const brokenAt = Date.now()
    const newToken = await breakAccess()

    // The email was queued with the status change: the worker sends it on its next run.
    const first = await notifications.runDue()
    expect(first).toMatchObject({ sent: 1, failed: 0 })
    expect(mails()).toHaveLength(1)
    const broken = mails()[0]!
    expect(broken.to).toBe('ada@app.test')
    expect(broken.from).toContain('alerts@sf-link.test')
    expect(broken.subject).toMatch(/lost access to Salesforce/)
    expect(broken.text).toMatch(/security token was reset/)
    expect(broken.text).toContain(ada.username)
    expect(broken.text).toContain('http://localhost:3000/#/settings/link-accounts')
    expect(broken.html).toContain('href="http://localhost:3000/#/settings/link-accounts"')
    expect(broken.headers['list-unsubscribe']).toMatch(/^<http:\/\/localhost:3000\/notifications\/unsubscribe\?token=/)
    expect(broken.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click')

    // The same state never mails twice: more failures, more runs.
    await expect(
      t.app.services.salesforce.withConnection({ accountId, canvas: false }, async (c) =>
        c.query('SELECT Id FROM Lead'),
      ),
    ).rejects.toMatchObject({ code: 'SF_INVALID_LOGIN' })
    expect((await notifications.runDue()).sent).toBe(0)
    expect((await notifications.runDue(new Date(brokenAt + 23 * HOUR))).sent).toBe(0)

    // 24 h later: one reminder; running again at 25 h sends nothing more.
    expect(await notifications.runDue(new Date(brokenAt + 24 * HOUR + 60_000))).toMatchObject({ reminders: 1, sent: 1 })
    expect(mails()[0]!.subject).toMatch(/Reminder.*24 hours/)
    expect((await notifications.runDue(new Date(brokenAt + 25 * HOUR))).sent).toBe(0)
    // 72 h: the second and last reminder.
    expect(await notifications.runDue(new Date(brokenAt + 72 * HOUR + 60_000))).toMatchObject({ reminders: 1, sent: 1 })
    expect(mails()[0]!.subject).toMatch(/Reminder.*72 hours/)
    expect((await notifications.runDue(new Date(brokenAt + 200 * HOUR))).sent).toBe(0)
    expect(mails()).toHaveLength(3)

    // Fixed: one "works again" email.
    await updateToken(newToken)
    expect((await notifications.runDue()).sent).toBe(1)
    expect((await notifications.runDue()).sent).toBe(0)
    expect(mails()).toHaveLength(4)
    expect(mails()[0]!.subject).toMatch(/can reach Salesforce again/)

    // No secret of any kind in any email.
    const user = t.sim.control.user(ada.id)
    for (const m of mails()) {
      for (const secret of [ada.password, ada.securityToken, newToken, user.password, t.config.sessionSecret!]) {
        expect(m.text).not.toContain(secret)
        expect(m.html ?? '').not.toContain(secret)
      }
    }
    const settings = await t.app.inject({ url: '/api/notifications/settings', headers: auth() })
    expect(settings.json().recent.map((r: { kind: string; status: string }) => `${r.kind}:${r.status}`)).toEqual([
      'access_restored:sent',
      'access_reminder:sent',
      'access_reminder:sent',
      'access_broken:sent',
    ])
  })

  it('the unsubscribe link asks first (a scanner opening it changes nothing); its button and one-click POST turn the emails off; settings turn them on again', async () => {
    const unsubscribe = /<([^>]+)>/.exec(mails()[0]!.headers['list-unsubscribe']!)![1]!
    const path = unsubscribe.replace('http://localhost:3000', '')
    const accessEmails = async () =>
      (await t.app.inject({ url: '/api/notifications/settings', headers: auth() })).json().accessEmails
    // Mail scanners and link previews open links by themselves: GET and HEAD only ask.
    for (const method of ['GET', 'HEAD'] as const) {
      const opened = await t.app.inject({ method, url: path, headers: { accept: 'text/html' } })
      expect(opened.statusCode).toBe(200)
    }
    expect((await t.app.inject({ url: path })).json()).toEqual({ accessEmails: true })
    const page = await t.app.inject({ url: path, headers: { accept: 'text/html' } })
    expect(page.body).toContain('data-testid="unsubscribe-confirm"')
    expect(page.body).toContain('a••••@app.test')
    expect(page.body).toContain(`<form method="post" action="${path.replace(/&/g, '&amp;')}">`)
    expect(await accessEmails()).toBe(true)

    // The page's button: a form POST to the same URL.
    const confirmed = await t.app.inject({
      method: 'POST',
      url: path,
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    })
    expect(confirmed.statusCode).toBe(200)
    expect(confirmed.body).toContain('data-testid="unsubscribed"')
    expect(confirmed.body).toContain('data-testid="resubscribe-button"')
    expect(await accessEmails()).toBe(false)
    // Opening the link again says so, and offers the way back.
    const again = await t.app.inject({ url: path, headers: { accept: 'text/html' } })
    expect(again.body).toContain('data-testid="unsubscribed"')
    expect(again.body).toContain('/notifications/resubscribe?token=')

    // Broken again while unsubscribed: recorded, not mailed.
    const count = mails().length
    const newToken = await breakAccess()
    expect(await t.app.services.notifications.runDue()).toMatchObject({ sent: 0, skipped: 1 })
    expect(mails()).toHaveLength(count)

    // Back on from the settings; the next breakage mails again.
    const on = await t.app.inject({
      method: 'PUT',
      url: '/api/notifications/settings',
      headers: auth(),
      payload: { accessEmails: true },
    })
    expect(on.json()).toMatchObject({ accessEmails: true, email: 'ada@app.test', serverSends: true })
    await updateToken(newToken)
    // The owner was never told of that breakage, so no "works again" either.
    expect(await t.app.services.notifications.runDue()).toMatchObject({ sent: 0, skipped: 1 })
    await breakAccess()
    expect((await t.app.services.notifications.runDue()).sent).toBe(1)
    expect(mails()).toHaveLength(count + 1)

    // One-click (RFC 8058): a form POST from the mail provider, no session.
    const oneClick = await t.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    })
    expect(oneClick.statusCode).toBe(200)
    expect(oneClick.json()).toEqual({ accessEmails: false })
    expect((await t.app.inject({ url: '/api/notifications/settings', headers: auth() })).json().accessEmails).toBe(
      false,
    )
    const back = await t.app.inject({ method: 'POST', url: path.replace('/unsubscribe', '/resubscribe') })
    expect(back.json()).toEqual({ accessEmails: true })

    // A forged or altered token does nothing.
    const forged = path.replace(/token=[^&]+/, (m) => `${m.slice(0, -3)}abc`)
    const refused = await t.app.inject({ url: forged })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().code).toBe('UNSUBSCRIBE_LINK_INVALID')
    expect((await t.app.inject({ url: forged, headers: { accept: 'text/html' } })).body).toContain(
      'UNSUBSCRIBE_LINK_INVALID',
    )
    expect((await t.app.inject({ url: '/notifications/unsubscribe' })).statusCode).toBe(400)
  })

  it('previews every template in text and HTML for the signed-in person', async () => {
    for (const kind of ['access_broken', 'access_reminder', 'access_restored', 'api_cap_reached']) {
      const res = await t.app.inject({ url: `/api/notifications/preview/${kind}`, headers: auth() })
      expect(res.statusCode, kind).toBe(200)
      const mail = res.json()
      expect(mail.subject.length).toBeGreaterThan(10)
      expect(mail.text).toContain('/notifications/unsubscribe?token=')
      expect(mail.html).toMatch(/^<!doctype html>/)
      const html = await t.app.inject({ url: `/api/notifications/preview/${kind}?format=html`, headers: auth() })
      expect(html.headers['content-type']).toMatch(/text\/html/)
    }
    const unknown = await t.app.inject({ url: '/api/notifications/preview/nope', headers: auth() })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().code).toBe('NOTIFICATION_KIND_UNKNOWN')
    expect((await t.app.inject({ url: '/api/notifications/preview/access_broken' })).statusCode).toBe(401)
  })

  it('an email leased by a worker that died mid-send goes out after the lease; enqueue dedupes', async () => {
    const { notifications } = t.app.services
    const before = mails().length
    expect(
      await notifications.enqueue('api_cap_reached', accountId, { used: 10, cap: 10 }, { dedupeKey: 'cap:1' }),
    ).toBe(true)
    expect(
      await notifications.enqueue('api_cap_reached', accountId, { used: 10, cap: 10 }, { dedupeKey: 'cap:1' }),
    ).toBe(false)
    // A worker takes the row and dies before sending (the lease is taken, nothing else happens).
    const { claimDue } = await import('../../server/src/notifications/repository.js')
    expect(await claimDue(t.db.pool, new Date(), 120, 10)).toHaveLength(1)
    expect((await notifications.runDue()).sent).toBe(0)
    expect((await notifications.runDue(new Date(Date.now() + 3 * 60_000))).sent).toBe(1)
    expect(mails()).toHaveLength(before + 1)
    expect(mails()[0]!.subject).toMatch(/API cap/)
  })

  it('keeps 90 days of sent emails; waiting ones are never deleted', async () => {
    const { notifications } = t.app.services
    const count = async () => Number((await t.db.pool.query('SELECT count(*) FROM notification_outbox')).rows[0].count)
    const before = await count()
    expect(await notifications.purge()).toBe(0)
    await notifications.enqueue('api_cap_reached', accountId, { used: 2, cap: 2 }, { dedupeKey: 'cap:waiting' })
    expect(await notifications.purge(new Date(Date.now() + 91 * 24 * HOUR))).toBe(before)
    expect(await count()).toBe(1)
    expect((await notifications.runDue()).sent).toBe(1)
  })

  it('says so when another stored access still works', async () => {
    const { renderNotification } = await import('../../server/src/notifications/templates.js')
    const ctx = { fixUrl: 'f', syncUrl: 's', unsubscribeUrl: 'u', settingsUrl: 'x' }
    const alone = renderNotification('access_broken', { ...ctx, data: { reason: 'SF_INVALID_LOGIN' } })
    const other = renderNotification('access_broken', {
      ...ctx,
      data: { reason: 'SF_INVALID_LOGIN', otherCredentialWorks: true },
    })
    expect(alone.text).toMatch(/pauses its background work/)
    expect(other.text).toMatch(/still reaches Salesforce with your other stored access/)
    expect(other.html).toMatch(/still reaches Salesforce with your other stored access/)
  })

  it('the alert function runs only when a credential changes between working and not (not on every canvas renewal)', async () => {
    const client = await t.db.pool.connect()
    try {
      await client.query('BEGIN')
      await client.query(`SET LOCAL track_functions = 'pl'`)
      const calls = async () =>
        Number(
          (await client.query(`SELECT pg_stat_get_xact_function_calls('record_credential_alert'::regproc) AS n`))
            .rows[0].n ?? 0,
        )
      const { rows } = await client.query(
        `SELECT c.id, c.link_id FROM salesforce_credentials c JOIN salesforce_links l ON l.id = c.link_id
         WHERE l.account_id = $1 AND c.status = 'ok' LIMIT 1`,
        [accountId],
      )
      const id = rows[0].id
      const setStatus = (status: string) =>
        client.query(`UPDATE salesforce_credentials SET status = $2, reason = NULL WHERE id = $1`, [id, status])
      // What every canvas visit does to its credential: ok stays ok, rate_limited counts as working.
      await setStatus('ok')
      await setStatus('rate_limited')
      await setStatus('ok')
      expect(await calls()).toBe(0)
      await setStatus('needs_attention')
      await setStatus('needs_attention')
      expect(await calls()).toBe(1)
      await setStatus('ok')
      expect(await calls()).toBe(2)
      await client.query(
        `INSERT INTO salesforce_credentials (link_id, kind, username, instance_url, login_url, status)
         VALUES ($1, 'jwt_bearer', 'x@y.test', 'https://x.my.salesforce.com', 'https://login.salesforce.com', 'ok')`,
        [rows[0].link_id],
      )
      expect(await calls()).toBe(2)
      const outbox = await client.query(
        `SELECT kind FROM notification_outbox WHERE data->>'credentialId' = $1 ORDER BY created_at DESC LIMIT 2`,
        [id],
      )
      expect(outbox.rows.map((r) => r.kind)).toEqual(expect.arrayContaining(['access_restored', 'access_broken']))
    } finally {
      await client.query('ROLLBACK')
      client.release()
    }
  })

  it('an SMTP server that is down is retried later, and the email is not lost', async () => {
    const { notifications } = t.app.services
    const port = catcher.port
    await catcher.close()
    try {
      await notifications.enqueue('api_cap_reached', accountId, { used: 1, cap: 1 }, { dedupeKey: 'cap:2' })
      expect(await notifications.runDue()).toMatchObject({ sent: 0, failed: 1 })
    } finally {
      catcher = await startMailCatcher({ port })
    }
    expect((await notifications.runDue(new Date(Date.now() + 5 * 60_000))).sent).toBe(1)
    expect(catcher.list()).toHaveLength(1)
  })
})
