// SOQL over the real field types: parent relationships in SELECT and WHERE, every kind of date
// literal on date and datetime fields (week start by the user's locale), multi-select picklists,
// typed literals and Salesforce's own errors — through real jsforce over HTTP, on a fixed clock.
import { Connection } from 'jsforce'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSalesforceSimulator, type SalesforceSimulator, type SimUser } from '../src/index.js'

/** Wednesday 12 March 2025, 15:00 UTC. */
const NOW = Date.parse('2025-03-12T15:00:00Z')
let sim: SalesforceSimulator
let ada: SimUser
let grace: SimUser
let asAda: Connection
let asGrace: Connection

/** Contacts named by the date in Last_Event_Date__c (a custom date field), all in department "Dates". */
const EVENT_DATES: Record<string, string> = {
  today: '2025-03-12',
  yesterday: '2025-03-11',
  tomorrow: '2025-03-13',
  sunday: '2025-03-09',
  monday: '2025-03-10',
  lastWeek: '2025-03-05',
  days30: '2025-02-10',
  days31: '2025-02-09',
  february: '2025-02-20',
  saturday: '2025-03-15',
  nextSunday: '2025-03-16',
  april: '2025-04-01',
  lastYear: '2024-06-01',
}
/** Contacts named by the time in Last_Web_Visit__c (a custom datetime field), department "Times". */
const VISITS: Record<string, string> = {
  todayEarly: '2025-03-12T00:00:00Z',
  todayLate: '2025-03-12T23:59:59Z',
  yesterdayLate: '2025-03-11T23:59:59Z',
  twoDaysAgo: '2025-03-10T12:00:00Z',
  tomorrowStart: '2025-03-13T00:00:00Z',
}

async function login(user: SimUser): Promise<Connection> {
  const c = new Connection({ loginUrl: sim.url, version: '62.0' })
  await c.login(user.username, user.password + user.securityToken)
  return c
}

async function names(where: string, department = 'Dates', c: Connection = asAda): Promise<string[]> {
  const result = await c.query<{ LastName: string }>(
    `SELECT LastName FROM Contact WHERE Department = '${department}' AND ${where} ORDER BY LastName`,
  )
  return result.records.map((r) => r.LastName)
}

const sorted = (...items: string[]) => [...items].sort()

async function queryError(soql: string): Promise<{ errorCode: string; message: string }> {
  const result = await asAda.query(soql).then(
    () => undefined,
    (e: Error) => e as Error & { errorCode: string },
  )
  if (!result) throw new Error(`query succeeded: ${soql}`)
  return result
}

beforeAll(async () => {
  sim = await createSalesforceSimulator({ now: () => NOW, data: { contacts: 40, leads: 40, campaigns: 2 } })
  ;[ada, grace] = sim.control.users()
  for (const [name, date] of Object.entries(EVENT_DATES)) {
    sim.control.insertRecord('Contact', { LastName: name, Department: 'Dates', Last_Event_Date__c: date })
  }
  for (const [name, at] of Object.entries(VISITS)) {
    sim.control.insertRecord('Contact', { LastName: name, Department: 'Times', Last_Web_Visit__c: at })
  }
  asAda = await login(ada)
  asGrace = await login(grace)
})

afterAll(() => sim.close())

describe('date literals on a date field', () => {
  it('TODAY, YESTERDAY, TOMORROW and N_DAYS_AGO name single days', async () => {
    expect(await names('Last_Event_Date__c = TODAY')).toEqual(['today'])
    expect(await names('Last_Event_Date__c = YESTERDAY')).toEqual(['yesterday'])
    expect(await names('Last_Event_Date__c = TOMORROW')).toEqual(['tomorrow'])
    expect(await names('Last_Event_Date__c = N_DAYS_AGO:30')).toEqual(['days30'])
  })

  it('LAST_N_DAYS:n includes today and the n days before; NEXT_N_DAYS:n starts tomorrow', async () => {
    expect(await names('Last_Event_Date__c = LAST_N_DAYS:30')).toEqual(
      sorted('today', 'yesterday', 'sunday', 'monday', 'lastWeek', 'days30', 'february'),
    )
    expect(await names('Last_Event_Date__c = NEXT_N_DAYS:3')).toEqual(sorted('tomorrow', 'saturday'))
    expect(await names('Last_Event_Date__c = LAST_90_DAYS')).toContain('days31')
  })

  it('weeks start on the first day of the querying user’s locale (Monday for en_GB, Sunday for en_US)', async () => {
    expect(ada).toBeDefined()
    expect(await names('Last_Event_Date__c = THIS_WEEK')).toEqual(
      sorted('monday', 'yesterday', 'today', 'tomorrow', 'saturday', 'nextSunday'),
    )
    expect(await names('Last_Event_Date__c = THIS_WEEK', 'Dates', asGrace)).toEqual(
      sorted('sunday', 'monday', 'yesterday', 'today', 'tomorrow', 'saturday'),
    )
    expect(await names('Last_Event_Date__c = LAST_WEEK')).toEqual(sorted('lastWeek', 'sunday'))
    expect(await names('Last_Event_Date__c = LAST_WEEK', 'Dates', asGrace)).toEqual(['lastWeek'])
  })

  it('months, quarters and years follow the calendar', async () => {
    const march = ['today', 'yesterday', 'tomorrow', 'sunday', 'monday', 'lastWeek', 'saturday', 'nextSunday']
    expect(await names('Last_Event_Date__c = THIS_MONTH')).toEqual(sorted(...march))
    expect(await names('Last_Event_Date__c = LAST_MONTH')).toEqual(sorted('days30', 'days31', 'february'))
    expect(await names('Last_Event_Date__c = LAST_N_MONTHS:1')).toEqual(sorted('days30', 'days31', 'february'))
    expect(await names('Last_Event_Date__c = NEXT_MONTH')).toEqual(['april'])
    expect(await names('Last_Event_Date__c = NEXT_N_MONTHS:2')).toEqual(['april'])
    expect(await names('Last_Event_Date__c = THIS_QUARTER')).toEqual(sorted(...march, 'days30', 'days31', 'february'))
    expect(await names('Last_Event_Date__c = NEXT_QUARTER')).toEqual(['april'])
    expect(await names('Last_Event_Date__c = LAST_YEAR')).toEqual(['lastYear'])
    expect(await names('Last_Event_Date__c = THIS_FISCAL_YEAR')).not.toContain('lastYear')
    expect(await names('Last_Event_Date__c = LAST_N_YEARS:1')).toEqual(['lastYear'])
    expect(await names('Last_Event_Date__c = N_MONTHS_AGO:9')).toEqual(['lastYear'])
  })

  it('compares against a literal’s range with < and >, and against plain dates', async () => {
    expect(await names('Last_Event_Date__c > TODAY')).toEqual(sorted('tomorrow', 'saturday', 'nextSunday', 'april'))
    expect(await names('Last_Event_Date__c < THIS_MONTH')).toEqual(sorted('days30', 'days31', 'february', 'lastYear'))
    expect(await names('Last_Event_Date__c >= 2025-03-15 AND Last_Event_Date__c <= 2025-03-16')).toEqual(
      sorted('saturday', 'nextSunday'),
    )
    expect(await names('Last_Event_Date__c = null')).toEqual([])
  })
})

describe('date literals on a datetime field', () => {
  it('covers whole UTC days, from 00:00:00 to the next midnight', async () => {
    expect(await names('Last_Web_Visit__c = TODAY', 'Times')).toEqual(sorted('todayEarly', 'todayLate'))
    expect(await names('Last_Web_Visit__c = LAST_N_DAYS:1', 'Times')).toEqual(
      sorted('todayEarly', 'todayLate', 'yesterdayLate'),
    )
    expect(await names('Last_Web_Visit__c > YESTERDAY', 'Times')).toEqual(
      sorted('todayEarly', 'todayLate', 'tomorrowStart'),
    )
    expect(await names('Last_Web_Visit__c < 2025-03-12T00:00:00Z', 'Times')).toEqual(
      sorted('yesterdayLate', 'twoDaysAgo'),
    )
    expect(await names('Last_Web_Visit__c = 2025-03-12T01:00:00+01:00', 'Times')).toEqual(['todayEarly'])
    expect(
      (await asAda.query("SELECT COUNT() FROM Contact WHERE Department = 'Times' AND CreatedDate = TODAY")).totalSize,
    ).toBe(5)
  })
})

describe('typed literals', () => {
  it('refuses a value of the wrong type with Salesforce’s message for that field type', async () => {
    const cases: [string, string][] = [
      [
        'Last_Event_Date__c = 2025-03-12T00:00:00Z',
        "field 'Last_Event_Date__c' must be of type date and should not be enclosed in quotes",
      ],
      [
        'Last_Web_Visit__c > 2025-03-12',
        "field 'Last_Web_Visit__c' must be of type dateTime and should not be enclosed in quotes",
      ],
      [
        "Last_Event_Date__c = '2025-03-12'",
        "field 'Last_Event_Date__c' must be of type date and should not be enclosed in quotes",
      ],
      ["Lead_Score__c = '5'", "field 'Lead_Score__c' must be of type double and should not be enclosed in quotes"],
      [
        "Newsletter_Subscriber__c = 'true'",
        "field 'Newsletter_Subscriber__c' must be of type boolean and should not be enclosed in quotes",
      ],
      ['Email = 5', "field 'Email' must be of type string and should be enclosed in quotes"],
      ['Email = TODAY', "field 'Email' must be of type string and should be enclosed in quotes"],
      ['Lead_Score__c = TODAY', "field 'Lead_Score__c' must be of type double and should not be enclosed in quotes"],
    ]
    for (const [where, message] of cases) {
      const error = await queryError(`SELECT Id FROM Contact WHERE ${where}`)
      expect(error.errorCode, where).toBe('INVALID_FIELD')
      expect(error.message, where).toMatch(
        new RegExp(`value of filter criterion for ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
      )
    }
    const leadError = await queryError("SELECT Id FROM Lead WHERE NumberOfEmployees > '10'")
    expect(leadError.message).toMatch(/must be of type integer and should not be enclosed in quotes$/)
  })

  it('compares numbers, currencies and booleans by value', async () => {
    const scored = sim.control.records('Contact', { limit: 1000 }).filter((r) => Number(r.Lead_Score__c) > 50)
    expect((await asAda.query('SELECT COUNT() FROM Contact WHERE Lead_Score__c > 50')).totalSize).toBe(scored.length)
    const rich = sim.control.records('Lead', { limit: 1000 }).filter((r) => Number(r.AnnualRevenue) >= 1_000_000)
    expect((await asAda.query('SELECT COUNT() FROM Lead WHERE AnnualRevenue >= 1000000')).totalSize).toBe(rich.length)
    const subscribers = sim.control.records('Lead', { limit: 1000 }).filter((r) => r.Newsletter_Subscriber__c === true)
    expect(subscribers.length).toBeGreaterThan(0)
    expect((await asAda.query('SELECT COUNT() FROM Lead WHERE Newsletter_Subscriber__c = true')).totalSize).toBe(
      subscribers.length,
    )
  })
})

describe('multi-select picklists', () => {
  beforeAll(() => {
    const rows: [string, string | null][] = [
      ['events', 'Events'],
      ['eventsWebinars', 'Events;Webinars'],
      ['webinarsNews', 'Webinars;Newsletters'],
      ['none', null],
    ]
    for (const [name, value] of rows) {
      sim.control.insertRecord('Contact', { LastName: name, Department: 'Multi', Interests__c: value })
    }
  })

  it('INCLUDES matches any of the values, each of which may name several (a;b = both)', async () => {
    expect(await names("Interests__c INCLUDES ('Events')", 'Multi')).toEqual(sorted('events', 'eventsWebinars'))
    expect(await names("Interests__c INCLUDES ('Events;Webinars', 'Newsletters')", 'Multi')).toEqual(
      sorted('eventsWebinars', 'webinarsNews'),
    )
    expect(await names("Interests__c includes ('webinars')", 'Multi')).toEqual(sorted('eventsWebinars', 'webinarsNews'))
    expect(await names("Interests__c EXCLUDES ('Webinars')", 'Multi')).toEqual(sorted('events', 'none'))
    expect(await names("Interests__c = 'Webinars;Events'", 'Multi')).toEqual(['eventsWebinars'])
    expect(await names("Interests__c != 'Events'", 'Multi')).toEqual(sorted('eventsWebinars', 'none', 'webinarsNews'))
  })

  it('refuses INCLUDES on other fields and LIKE or < on multi-select ones', async () => {
    const includes = await queryError("SELECT Id FROM Contact WHERE LeadSource INCLUDES ('Web')")
    expect(includes).toMatchObject({ errorCode: 'INVALID_QUERY_FILTER_OPERATOR' })
    expect(includes.message).toMatch(/includes or excludes operator only valid on multipicklist field$/)
    const like = await queryError("SELECT Id FROM Contact WHERE Interests__c LIKE 'Ev%'")
    expect(like).toMatchObject({ errorCode: 'INVALID_QUERY_FILTER_OPERATOR' })
    expect(like.message).toMatch(/invalid operator on multipicklist field$/)
    await expect(asAda.query('SELECT Id FROM Contact ORDER BY Interests__c')).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
    })
  })
})

describe('parent relationships', () => {
  let accountId: string
  beforeAll(() => {
    accountId = sim.control.insertRecord('Account', {
      Name: 'Relational Ltd',
      Industry: 'Banking',
      Rating: 'Hot',
      OwnerId: grace.id,
    }).Id as string
    sim.control.insertRecord('Contact', {
      LastName: 'Linked',
      Email: 'linked@example.com',
      Department: 'Rel',
      AccountId: accountId,
      OwnerId: ada.id,
    })
    sim.control.insertRecord('Contact', { LastName: 'Loner', Department: 'Rel', OwnerId: grace.id })
  })

  it('selects parent and grandparent fields as nested records, null when there is no parent', async () => {
    const result = await asAda.query<any>(
      "SELECT LastName, Account.Name, Account.Industry, Account.Owner.Email, Owner.Email FROM Contact WHERE Department = 'Rel' ORDER BY LastName",
    )
    const [linked, loner] = result.records
    expect(linked).toEqual({
      attributes: { type: 'Contact', url: expect.stringMatching(/\/sobjects\/Contact\/003\w{15}$/) },
      LastName: 'Linked',
      Account: {
        attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${accountId}` },
        Name: 'Relational Ltd',
        Industry: 'Banking',
        Owner: {
          attributes: { type: 'User', url: `/services/data/v62.0/sobjects/User/${grace.id}` },
          Email: grace.email,
        },
      },
      Owner: { attributes: { type: 'User', url: `/services/data/v62.0/sobjects/User/${ada.id}` }, Email: ada.email },
    })
    expect(loner).toMatchObject({ LastName: 'Loner', Account: null, Owner: { Email: grace.email } })
  })

  it('filters on parent fields, through two levels, and on Lead’s polymorphic owner', async () => {
    expect(await names("Account.Name = 'Relational Ltd'", 'Rel')).toEqual(['Linked'])
    expect(await names(`Account.Owner.Email = '${grace.email}'`, 'Rel')).toEqual(['Linked'])
    expect(await names(`Owner.Email = '${grace.email}'`, 'Rel')).toEqual(['Loner'])
    expect(await names("Account.Industry = 'Banking' AND Account.Rating = 'Hot'", 'Rel')).toEqual(['Linked'])
    expect(await names('Account.Name = null', 'Rel')).toEqual(['Loner'])
    const leads = sim.control.records('Lead', { limit: 1000 }).filter((l) => l.OwnerId === grace.id)
    const { totalSize } = await asAda.query(`SELECT COUNT() FROM Lead WHERE Owner.Email = '${grace.email}'`)
    expect(totalSize).toBe(leads.length)
  })

  it('reads campaign members through Campaign, Contact and Lead', async () => {
    const [campaign] = sim.control.records('Campaign', { limit: 1 })
    const members = await asAda.query<any>(
      `SELECT Campaign.Name, Contact.Email, Contact.Account.Name, Lead.Company, Status FROM CampaignMember WHERE Campaign.Name = '${campaign.Name}'`,
    )
    expect(members.totalSize).toBe(50)
    for (const m of members.records) {
      expect(m.Campaign.Name).toBe(campaign.Name)
      if (m.Contact) expect(m.Contact.Email).toMatch(/@example\.com$/)
      else expect(typeof m.Lead.Company).toBe('string')
    }
    expect(members.records.some((m) => m.Contact?.Account?.Name)).toBe(true)
    const viaContact = await asAda.query<any>(
      "SELECT COUNT() FROM CampaignMember WHERE Contact.Email LIKE '%@example.com'",
    )
    expect(viaContact.totalSize).toBe(
      sim.control.records('CampaignMember', { limit: 1000 }).filter((m) => m.ContactId).length,
    )
  })

  it('answers INVALID_FIELD for an unknown relationship or a parent’s unknown field', async () => {
    const relationship = await queryError('SELECT Acount.Name FROM Contact')
    expect(relationship.errorCode).toBe('INVALID_FIELD')
    expect(relationship.message).toMatch(/Didn't understand relationship 'Acount' in field path/)
    const parentField = await queryError('SELECT Account.Nope FROM Contact')
    expect(parentField.message).toMatch(/No such column 'Nope' on entity 'Account'/)
  })
})

describe('fields that cannot be filtered or sorted, compound fields, OFFSET', () => {
  it('refuses long text areas and compound addresses in WHERE, and long text in ORDER BY', async () => {
    for (const field of ['Description', 'MailingAddress', 'Notes__c']) {
      const error = await queryError(`SELECT Id FROM Contact WHERE ${field} != null`)
      expect(error.errorCode, field).toBe('INVALID_FIELD')
      expect(error.message, field).toMatch(new RegExp(`field '${field}' can not be filtered in a query call$`))
    }
    const sort = await queryError('SELECT Id FROM Contact ORDER BY Description')
    expect(sort.message).toMatch(/field 'Description' can not be sorted in a query call$/)
  })

  it('selects a compound address as an object of its components', async () => {
    const result = await asAda.query<any>(
      'SELECT MailingAddress, MailingCity FROM Contact WHERE MailingCity != null LIMIT 1',
    )
    const [r] = result.records
    expect(r.MailingAddress).toEqual({
      city: r.MailingCity,
      country: expect.any(String),
      geocodeAccuracy: null,
      latitude: null,
      longitude: null,
      postalCode: expect.any(String),
      state: expect.any(String),
      street: expect.any(String),
    })
  })

  it('refuses OFFSET above 2,000 with NUMBER_OUTSIDE_VALID_RANGE', async () => {
    expect((await asAda.query('SELECT Id FROM Contact ORDER BY Id LIMIT 1 OFFSET 2000')).records).toEqual([])
    await expect(asAda.query('SELECT Id FROM Contact LIMIT 1 OFFSET 2001')).rejects.toMatchObject({
      errorCode: 'NUMBER_OUTSIDE_VALID_RANGE',
      message: 'Maximum SOQL offset allowed is 2000',
    })
  })
})
