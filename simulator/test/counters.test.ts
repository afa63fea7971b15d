// API calls counted per org and per endpoint: the shape of GET /_sim/counters stays, with detail
// per org, for composite subrequests and for the Bulk API.
import { Connection } from 'jsforce'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createSalesforceSimulator, type SalesforceSimulator, type SimUser } from '../src/index.js'

let sim: SalesforceSimulator
let ada: SimUser
let eve: SimUser

async function login(user: SimUser): Promise<Connection> {
  const c = new Connection({ loginUrl: sim.url, version: '62.0' })
  await c.login(user.username, user.password + user.securityToken)
  return c
}

beforeAll(async () => {
  sim = await createSalesforceSimulator({
    orgs: [
      {
        name: 'A',
        users: [{ username: 'ada@a.test', firstName: 'Ada', lastName: 'A' }],
        data: { contacts: 20, leads: 5, campaigns: 0 },
      },
      {
        name: 'B',
        users: [{ username: 'eve@b.test', firstName: 'Eve', lastName: 'B' }],
        data: { contacts: 10, leads: 0, campaigns: 0 },
      },
    ],
  })
  ada = sim.control.user('ada@a.test')
  eve = sim.control.user('eve@b.test')
})

afterAll(() => sim.close())

it('counts API calls per org and per endpoint, keeping the totals as they were', async () => {
  const a = await login(ada)
  const b = await login(eve)
  sim.control.resetCounters()
  await a.query('SELECT Id FROM Contact')
  await a.sobject('Lead').describe()
  await b.query('SELECT Id FROM Contact')
  await b.requestPost('/services/data/v62.0/composite', {
    compositeRequest: [
      { method: 'GET', url: '/services/data/v62.0/query?q=SELECT+Id+FROM+Contact', referenceId: 'q' },
      { method: 'GET', url: '/services/data/v62.0/limits', referenceId: 'l' },
    ],
  })
  b.bulk2.pollInterval = 20
  const stream = await b.bulk2.query('SELECT Id FROM Contact')
  // jsforce parses (and so finishes) only once someone listens for records.
  await new Promise((resolve, reject) =>
    stream
      .on('record', () => {})
      .on('end', resolve)
      .on('error', reject),
  )

  const res = await fetch(`${sim.url}/_sim/counters`)
  const counters = await res.json()
  expect(counters.apiCalls.total).toBe(7)
  expect(counters.apiCalls.byEndpoint).toEqual({
    query: 2,
    describe: 1,
    composite: 1,
    'jobs/query': 1,
    'jobs/query.get': 1,
    'jobs/query.results': 1,
  })
  expect(counters.apiCallsByOrg).toEqual({
    [ada.organizationId]: { total: 2, byEndpoint: { query: 1, describe: 1 } },
    [eve.organizationId]: {
      total: 5,
      byEndpoint: { query: 1, composite: 1, 'jobs/query': 1, 'jobs/query.get': 1, 'jobs/query.results': 1 },
    },
  })
  expect(counters.subrequests).toEqual({ total: 2, byEndpoint: { query: 1, limits: 1 } })
  expect(counters.bulk).toEqual({ jobsCreated: 1, recordsServed: 10 })
  // The org's own usage count (Sforce-Limit-Info) agrees with the counters.
  const orgs = sim.control.orgs()
  expect(orgs.find((o) => o.id === eve.organizationId)!.apiRequestsUsed).toBeGreaterThanOrEqual(5)

  await fetch(`${sim.url}/_sim/counters/reset`, { method: 'POST' })
  const reset = await (await fetch(`${sim.url}/_sim/counters`)).json()
  expect(reset).toMatchObject({
    apiCalls: { total: 0 },
    apiCallsByOrg: {},
    subrequests: { total: 0 },
    bulk: { jobsCreated: 0 },
  })
})
