// How the server hands out the built UI: hashed assets cached for a year and precompressed,
// the page itself never cached.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.js'

let t: TestApp
let html: string
let script: string
let stylesheet: string

beforeAll(async () => {
  t = await createTestApp()
  html = (await t.app.inject({ url: '/' })).body
  script = html.match(/src="(\/assets\/[^"]+\.js)"/)![1]!
  stylesheet = html.match(/href="(\/assets\/[^"]+\.css)"/)![1]!
})
afterAll(() => t?.close())

describe('the canvas UI over HTTP', () => {
  it('the page is never cached: it carries the session bootstrap inside Salesforce', async () => {
    const res = await t.app.inject({ url: '/' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).toBe('no-store')
  })

  it('hashed assets are cached for a year without revalidation', async () => {
    for (const url of [script, stylesheet]) {
      const res = await t.app.inject({ url })
      expect(res.statusCode).toBe(200)
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    }
  })

  it('sends the brotli copy to browsers that take it, gzip to the others, the plain file otherwise', async () => {
    const plain = await t.app.inject({ url: script })
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.headers['content-type']).toMatch(/^application\/javascript/)

    const br = await t.app.inject({ url: script, headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } })
    expect(br.headers['content-encoding']).toBe('br')
    expect(br.headers['content-type']).toMatch(/^application\/javascript/)
    expect(br.headers.vary).toMatch(/accept-encoding/i)
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2)

    const gz = await t.app.inject({ url: stylesheet, headers: { 'accept-encoding': 'gzip' } })
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gz.headers['content-type']).toMatch(/^text\/css/)
  })

  it('serves only the assets: not index.html, not the compressed copies by name, not unknown files', async () => {
    for (const url of ['/index.html', `${script}.br`, `${stylesheet}.gz`, '/assets/nope-123.js', '/assets/']) {
      const res = await t.app.inject({ url })
      expect(res.statusCode, url).toBe(404)
      expect(res.json(), url).toMatchObject({ code: 'ROUTE_NOT_FOUND' })
    }
  })
})
