import { describe, expect, it } from 'vitest'
import { isQueryOrCollection, packSubrequests, type Subrequest } from '../../server/src/salesforce/composite.js'
import { isCountedCall, parseLimitInfo } from '../../server/src/salesforce/api-usage.js'

const query = (i: number): Subrequest => ({ method: 'GET', url: `/query?q=SELECT+Id+FROM+Contact+LIMIT+${i}` })
const collection = (): Subrequest => ({ method: 'PATCH', url: '/composite/sobjects', body: { records: [] } })
const plain = (i: number): Subrequest => ({ method: 'GET', url: `/sobjects/Contact/003${i}` })

describe('packing subrequests into composite calls', () => {
  it('knows which subrequests count toward the five', () => {
    expect(isQueryOrCollection('/query?q=x')).toBe(true)
    expect(isQueryOrCollection('/queryAll?q=x')).toBe(true)
    expect(isQueryOrCollection('/query/01gxx-2000')).toBe(true)
    expect(isQueryOrCollection('/composite/sobjects')).toBe(true)
    expect(isQueryOrCollection('/sobjects/Contact/003x')).toBe(false)
    expect(isQueryOrCollection('/queryPlans?q=x')).toBe(false)
  })

  it('puts at most five queries or collections and at most 25 subrequests in a call, keeping the order', () => {
    const subs = [
      ...Array.from({ length: 12 }, (_, i) => query(i)),
      collection(),
      ...Array.from({ length: 30 }, (_, i) => plain(i)),
    ]
    const groups = packSubrequests(subs)
    expect(groups.flat()).toEqual(subs)
    for (const g of groups) {
      expect(g.length).toBeLessThanOrEqual(25)
      expect(g.filter((s) => isQueryOrCollection(s.url)).length).toBeLessThanOrEqual(5)
    }
    expect(groups.map((g) => g.length)).toEqual([5, 5, 25, 8])
  })

  it('48 collections of 200 records are ten calls', () => {
    expect(packSubrequests(Array.from({ length: 48 }, collection))).toHaveLength(10)
  })
})

describe('API use as Salesforce counts it', () => {
  it('reads Sforce-Limit-Info', () => {
    expect(parseLimitInfo('api-usage=123/15000')).toEqual({ used: 123, limit: 15000 })
    expect(parseLimitInfo(['api-usage=1/2'])).toEqual({ used: 1, limit: 2 })
    expect(parseLimitInfo('per-app-api-usage=1/2(appName=x)')).toBeNull()
    expect(parseLimitInfo('api-usage=18/5000; per-app-api-usage=17/250(appName=x)')).toEqual({ used: 18, limit: 5000 })
    expect(parseLimitInfo(undefined)).toBeNull()
  })

  it('does not count refusals for the session, at the org limit, or outages', () => {
    expect(isCountedCall(200, '{}')).toBe(true)
    expect(isCountedCall(400, '[{"errorCode":"MALFORMED_QUERY"}]')).toBe(true)
    expect(isCountedCall(401, '')).toBe(false)
    expect(isCountedCall(403, '[{"errorCode":"REQUEST_LIMIT_EXCEEDED"}]')).toBe(false)
    expect(isCountedCall(403, '[{"errorCode":"INSUFFICIENT_ACCESS"}]')).toBe(true)
    expect(isCountedCall(503, '<html>')).toBe(false)
  })
})
