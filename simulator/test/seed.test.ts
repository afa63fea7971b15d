// The seeded demo data exercises what SF Link's list editor offers: accounts, owners, lead
// sources, custom fields, record types, campaigns with their own member statuses, and
// creation dates that keep "today" and "last 30 days" lists non-empty relative to the clock.
import { Connection } from 'jsforce'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSalesforceSimulator, type SalesforceSimulator } from '../src/index.js'

const NOW = Date.parse('2025-06-18T09:30:00Z')
const DAY = 86_400_000
let sim: SalesforceSimulator
let conn: Connection

const count = async (soql: string) => (await conn.query(soql)).totalSize
const time = (value: unknown) => Date.parse(String(value).replace('+0000', 'Z'))

beforeAll(async () => {
  sim = await createSalesforceSimulator({ now: () => NOW })
  const [ada] = sim.control.users()
  conn = new Connection({ loginUrl: sim.url, version: '62.0' })
  await conn.login(ada.username, ada.password + ada.securityToken)
})

afterAll(() => sim.close())

describe('the default demo org', () => {
  it('keeps the counts the product’s tests rely on', async () => {
    expect(await count('SELECT COUNT() FROM Contact')).toBe(250)
    expect(await count('SELECT COUNT() FROM Lead')).toBe(120)
    expect(await count('SELECT COUNT() FROM Campaign')).toBe(3)
    expect(await count('SELECT COUNT() FROM CampaignMember')).toBe(150)
    const optedOut = await count('SELECT COUNT() FROM Contact WHERE HasOptedOutOfEmail = true')
    expect(optedOut).toBeGreaterThan(3)
    expect(optedOut).toBeLessThan(25)
  })

  it('links contacts to accounts with industries and ratings, owned by the org’s users', async () => {
    expect(await count('SELECT COUNT() FROM Account')).toBe(25)
    expect(await count('SELECT COUNT() FROM Contact WHERE AccountId != null')).toBeGreaterThan(200)
    expect(
      await count('SELECT COUNT() FROM Contact WHERE Account.Industry != null AND Account.Rating != null'),
    ).toBeGreaterThan(200)
    const owners = new Set(sim.control.records('Contact', { limit: 300 }).map((r) => r.OwnerId))
    expect(owners).toEqual(new Set(sim.control.users().map((u) => u.id)))
  })

  it('has web leads created in the last 30 days, and records created today and this week', async () => {
    expect(
      await count("SELECT COUNT() FROM Lead WHERE LeadSource = 'Web' AND CreatedDate = LAST_N_DAYS:30"),
    ).toBeGreaterThan(0)
    expect(await count('SELECT COUNT() FROM Contact WHERE CreatedDate = TODAY')).toBeGreaterThan(0)
    expect(await count('SELECT COUNT() FROM Contact WHERE CreatedDate = LAST_N_DAYS:7')).toBeGreaterThan(5)
    expect(await count('SELECT COUNT() FROM Contact WHERE CreatedDate = THIS_MONTH')).toBeGreaterThan(5)
    const all = [...sim.control.records('Contact', { limit: 300 }), ...sim.control.records('Lead', { limit: 300 })]
    for (const r of all) {
      expect(time(r.CreatedDate)).toBeLessThan(NOW)
      expect(time(r.CreatedDate)).toBeGreaterThan(NOW - 366 * DAY)
      expect(time(r.SystemModstamp)).toBeLessThan(NOW)
      expect(time(r.SystemModstamp)).toBeGreaterThanOrEqual(time(r.CreatedDate))
    }
  })

  it('fills custom fields, record types, lead statuses and bounces', async () => {
    expect(await count("SELECT COUNT() FROM Contact WHERE Interests__c INCLUDES ('Webinars')")).toBeGreaterThan(0)
    expect(await count('SELECT COUNT() FROM Lead WHERE Newsletter_Subscriber__c = true')).toBeGreaterThan(0)
    expect(await count('SELECT COUNT() FROM Contact WHERE Last_Event_Date__c = NEXT_N_DAYS:60')).toBeGreaterThan(0)
    expect(await count('SELECT COUNT() FROM Contact WHERE Last_Web_Visit__c = LAST_N_DAYS:30')).toBeGreaterThan(0)
    expect(await count('SELECT COUNT() FROM Lead WHERE Lead_Score__c >= 50')).toBeGreaterThan(0)
    expect(await count("SELECT COUNT() FROM Contact WHERE RecordType.DeveloperName = 'Partner'")).toBeGreaterThan(0)
    expect(
      await count("SELECT COUNT() FROM Lead WHERE Status = 'Closed - Converted' AND IsConverted = true"),
    ).toBeGreaterThan(0)
    expect(await count("SELECT COUNT() FROM Lead WHERE Status != 'Closed - Converted' AND IsConverted = true")).toBe(0)
    expect(await count('SELECT COUNT() FROM Contact WHERE IsEmailBounced = true')).toBeLessThan(15)
  })

  it('gives each campaign its own member statuses, and members one of their campaign’s', async () => {
    const campaigns = await conn.query<any>('SELECT Id, Name FROM Campaign ORDER BY Name')
    for (const campaign of campaigns.records) {
      const statuses = await conn.query<any>(
        `SELECT Label, IsDefault, HasResponded FROM CampaignMemberStatus WHERE CampaignId = '${campaign.Id}'`,
      )
      const labels = statuses.records.map((s) => s.Label)
      expect(labels).toEqual(expect.arrayContaining(['Sent', 'Responded']))
      expect(labels.length).toBeGreaterThan(2)
      expect(statuses.records.filter((s) => s.IsDefault)).toHaveLength(1)
      const members = await conn.query<any>(
        `SELECT Status, HasResponded FROM CampaignMember WHERE CampaignId = '${campaign.Id}'`,
      )
      for (const m of members.records) {
        const status = statuses.records.find((s) => s.Label === m.Status)
        expect(status, `${campaign.Name}: ${m.Status}`).toBeDefined()
        expect(m.HasResponded).toBe(status.HasResponded)
      }
    }
  })
})

describe('determinism', () => {
  it('gives the same records for the same seed and clock, shifted with the clock', async () => {
    const at = (now: number) =>
      createSalesforceSimulator({ now: () => now, seed: 5, data: { contacts: 40, leads: 10, campaigns: 1 } })
    const [a, b, later] = await Promise.all([at(NOW), at(NOW), at(NOW + 10 * DAY)])
    try {
      const pick = (s: SalesforceSimulator) =>
        s.control
          .records('Contact', { limit: 40 })
          .map((r) => [r.Id, r.Email, r.AccountId, r.LeadSource, r.CreatedDate])
      expect(pick(a)).toEqual(pick(b))
      const shifted = pick(later)
      pick(a).forEach((row, i) => {
        expect(shifted[i].slice(0, 4)).toEqual(row.slice(0, 4))
        expect(time(shifted[i][4]) - time(row[4])).toBe(10 * DAY)
      })
    } finally {
      await Promise.all([a.close(), b.close(), later.close()])
    }
  })

  it('keeps "today" non-empty just after midnight', async () => {
    const justAfter = await createSalesforceSimulator({ now: () => Date.parse('2025-06-18T00:00:40Z') })
    try {
      const [ada] = justAfter.control.users()
      const c = new Connection({ loginUrl: justAfter.url, version: '62.0' })
      await c.login(ada.username, ada.password + ada.securityToken)
      expect((await c.query('SELECT COUNT() FROM Contact WHERE CreatedDate = TODAY')).totalSize).toBeGreaterThan(0)
    } finally {
      await justAfter.close()
    }
  })
})
