/**
 * URLs that Salesforce hands back are checked before a token is sent to them. A proxy in
 * front of the simulator plays a spoofed or compromised endpoint: it answers with
 * `nextRecordsUrl`s, SOAP `serverUrl`s and OAuth `instance_url`s on another host (a sink
 * that records whatever reaches it). SF Link pages by query locator on its own instance,
 * refuses instance URLs outside Salesforce (502 SF_UNTRUSTED_URL), and accepts a canvas
 * signed request only for a Salesforce instance. The sink never receives a byte.
 */
import jsforce from 'jsforce'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signCanvasRequest } from '../../server/src/canvas/signed-request.js'
import { readOptOuts } from '../../server/src/unsubscribes/salesforce-ops.js'
import { bootstrapOf } from '../helpers/canvas.js'
import { startRecordingProxy, startSink, type RecordingProxy, type Sink } from '../helpers/recording-proxy.js'
import { createSimApp, linkedAccount, type SimApp } from '../helpers/simulator-app.js'

const CONTACTS = 2_100 // more than one 2,000-record page

describe('URLs from Salesforce', () => {
  let t: SimApp
  let sink: Sink
  let honest: RecordingProxy
  let hostile: RecordingProxy

  /** A jsforce connection to an instance (a proxy), with a live simulator session. */
  const connectionVia = (proxy: RecordingProxy): jsforce.Connection =>
    new jsforce.Connection({
      instanceUrl: proxy.url,
      accessToken: t.sim.control.canvasRequest(t.sim.control.users()[0]!.id).client.oauthToken,
      version: t.config.salesforce.apiVersion,
    })
  /** A signed request from the simulator naming another instance URL. */
  const signedFor = (user: string, instanceUrl: string): string => {
    const request = t.sim.control.canvasRequest(user) as unknown as { client: { instanceUrl: string } }
    request.client.instanceUrl = instanceUrl
    return signCanvasRequest(JSON.stringify(request), t.sim.consumerSecret)
  }
  const enter = (signed: string) =>
    t.app.inject({
      method: 'POST',
      url: '/canvas',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `signed_request=${encodeURIComponent(signed)}`,
    })

  beforeAll(async () => {
    t = await createSimApp({
      sim: {
        canvasRefreshToken: true,
        data: { contacts: CONTACTS, leads: 0, campaigns: 0, optedOutFraction: 1 },
      },
    })
    sink = await startSink()
    honest = await startRecordingProxy(t.sim.url)
    hostile = await startRecordingProxy(t.sim.url, {
      rewrite: (path, body) => {
        if (path.startsWith('/services/data/'))
          return body.replace(/"nextRecordsUrl":"\//g, `"nextRecordsUrl":"${sink.url}/`)
        if (path.startsWith('/services/Soap/')) return body.replaceAll(t.sim.url, sink.url)
        if (path.startsWith('/services/oauth2/token'))
          return body.replace(/"instance_url":"[^"]*"/, `"instance_url":"${sink.url}"`)
        return body
      },
    })
    // Both proxies count as Salesforce (like the simulator itself); the sink does not.
    t.config.salesforce.extraHosts.push(honest.host, hostile.host)
  })
  afterAll(async () => {
    await t?.close()
    await honest?.close()
    await hostile?.close()
    await sink?.close()
  })

  it('the unsubscribe pull asks for the next page by query locator, never at the nextRecordsUrl host', async () => {
    const emails: string[] = []
    await readOptOuts(connectionVia(honest), null, (page) => void emails.push(...page.emails))
    expect(emails).toHaveLength(CONTACTS)
    // The spoofed answer names the sink: refused, and nothing was sent there.
    await expect(readOptOuts(connectionVia(hostile), null, () => {})).rejects.toMatchObject({
      code: 'SF_UNTRUSTED_URL',
    })
    expect(sink.connections).toBe(0)
  })

  it('a pull pages by query locator on its own instance', async () => {
    const ada = t.sim.control.users()[0]!
    await linkedAccount(t.app, t.sim, ada.id, 'urls@app.test')
    // Inside Salesforce, on an instance whose query answers point at the sink.
    const boot = bootstrapOf((await enter(signedFor(ada.id, hostile.url))).body)
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/connections',
      headers: { authorization: `Bearer ${boot.token}` },
      payload: { name: 'All', sobject: 'Contact', fields: ['Email'], excludeOptedOut: false },
    })
    hostile.requests.length = 0
    const pull = await t.app.inject({
      url: `/api/connections/${created.json().id}/records?format=ndjson`,
      headers: { authorization: `Bearer ${boot.token}` },
    })
    expect(pull.statusCode).toBe(200)
    expect(pull.body.split('\n').filter(Boolean)).toHaveLength(CONTACTS)
    expect(hostile.requests.filter((r) => /\/query\/[^?]+$/.test(r.path))).toHaveLength(1)
    expect(sink.connections).toBe(0)
  })

  it('an instance URL outside Salesforce in a SOAP login answer: 502 SF_UNTRUSTED_URL, nothing stored or sent', async () => {
    const ada = t.sim.control.users()[0]!
    const standalone = (
      await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'urls@app.test', password: 'a long app password' },
      })
    ).json().token
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: { authorization: `Bearer ${standalone}` },
      payload: {
        username: ada.username,
        password: ada.password,
        securityToken: ada.securityToken,
        environment: hostile.url,
      },
    })
    expect(put.statusCode).toBe(502)
    expect(put.json().code).toBe('SF_UNTRUSTED_URL')
    const stored = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM salesforce_credentials WHERE kind = 'password_token'`,
    )
    expect(stored.rows[0].n).toBe(0)
    expect(sink.connections).toBe(0)
    // Through an honest endpoint the same credential is proved and kept.
    const ok = await t.app.inject({
      method: 'PUT',
      url: '/api/salesforce/credentials',
      headers: { authorization: `Bearer ${standalone}` },
      payload: {
        username: ada.username,
        password: ada.password,
        securityToken: ada.securityToken,
        environment: honest.url,
      },
    })
    expect(ok.statusCode).toBe(200)
  })

  it('an instance URL outside Salesforce in an OAuth token answer: refused before the token is used', async () => {
    const grace = t.sim.control.users()[1]!
    // Linked inside Salesforce on the hostile instance: its refresh token is kept with that login URL.
    const boot = bootstrapOf((await enter(signedFor(grace.id, hostile.url))).body)
    await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { authorization: `Bearer ${boot.token}` },
      payload: { email: 'grace-urls@app.test', password: 'a long app password' },
    })
    const me = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'grace-urls@app.test', password: 'a long app password' },
    })
    const accountId = (
      await t.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${me.json().token}` } })
    ).json().id
    // Outside Salesforce: the refresh token is exchanged, and the answer names the sink.
    await expect(
      t.app.services.salesforce.withConnection(
        { accountId, canvas: false },
        async (conn) => (await conn.query('SELECT COUNT() FROM Contact')).totalSize,
      ),
    ).rejects.toMatchObject({ code: 'SF_UNTRUSTED_URL' })
    expect(hostile.requests.some((r) => r.path.startsWith('/services/oauth2/token'))).toBe(true)
    expect(sink.connections).toBe(0)
  })

  it('a canvas signed request naming an instance outside Salesforce is refused (400), even though it is signed', async () => {
    const ada = t.sim.control.users()[0]!
    for (const instanceUrl of ['https://evil.example', 'https://salesforce.com.evil.example', sink.url]) {
      const res = await enter(signedFor(ada.id, instanceUrl))
      expect(res.statusCode, instanceUrl).toBe(400)
      expect(res.body).toContain('CANVAS_INVALID_PAYLOAD')
    }
    // A real Salesforce instance is accepted (first sight: no call to it).
    expect((await enter(signedFor(ada.id, 'https://acme.my.salesforce.com'))).statusCode).toBe(200)
    expect(sink.connections).toBe(0)
  })
})
