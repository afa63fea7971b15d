// Deterministic demo and benchmark data: the same seed and clock give the same records.
// Accounts with industries and ratings, contacts and leads linked to them and owned by the
// org's users, lead sources, custom field values, campaigns with their own member statuses.
// CreatedDate values fall in the year before the clock's "now", with a share in the last
// days so that TODAY, LAST_N_DAYS:7 or LAST_N_DAYS:30 lists are never empty.
//
// Records are built as whole object literals in one shape per object (no validation pass,
// no spreading), so a million of them take a few seconds and no more memory than needed.
import { IdFactory } from './ids.js'
import { createSeededRandom, type SeededRandom } from './random.js'
import { addMemberStatuses, DEFAULT_MEMBER_STATUSES, schemaOf, type MemberStatusInput } from './records.js'
import { INTERESTS, LANGUAGES, CUSTOMER_TIERS } from './customization.js'
import type { SObjectDef, SRecord } from './schema.js'
import { ACCOUNT_TYPES, INDUSTRIES, LEAD_STATUSES, RATINGS, SALUTATIONS } from './schema.js'
import type { RecordTable, SimulatorState, User } from './state.js'

export interface SeedOptions {
  contacts?: number
  leads?: number
  campaigns?: number
  /** Default: one per ten contacts (at least one when there are contacts, at most 5,000). */
  accounts?: number
  /** Members per campaign, drawn from the contacts and leads (default 50). */
  campaignMembersPerCampaign?: number
  /** Default 1. */
  seed?: number
  /** Default: the first org. */
  orgId?: string
  /** Fraction already opted out of email (default 0.05). */
  optedOutFraction?: number
  /** Fraction with a recorded hard bounce (EmailBouncedReason/Date; default 0.01). */
  bouncedFraction?: number
  /** Keep existing records (default false: the seeded types are replaced). */
  append?: boolean
  /** The data's "now": CreatedDate values fall in the year before it (default: the simulator's clock). */
  baseDate?: string
}

export interface SeedResult {
  orgId: string
  accounts: number
  contacts: number
  leads: number
  campaigns: number
  campaignMembers: number
}

const FIRST_NAMES = [
  'Ada',
  'Alan',
  'Barbara',
  'Charles',
  'Claude',
  'Dennis',
  'Donald',
  'Edsger',
  'Frances',
  'Grace',
  'Hedy',
  'Ivan',
  'Jean',
  'John',
  'Karen',
  'Ken',
  'Leslie',
  'Linus',
  'Margaret',
  'Mary',
  'Niklaus',
  'Radia',
  'Richard',
  'Robin',
  'Shafi',
  'Sophie',
  'Tim',
  'Vint',
  'Whitfield',
  'Yukihiro',
]
const LAST_NAMES = [
  'Allen',
  'Backus',
  'Berners-Lee',
  'Cerf',
  'Conway',
  'Diffie',
  'Dijkstra',
  'Engelbart',
  'Floyd',
  'Goldwasser',
  'Hamilton',
  'Hoare',
  'Hopper',
  'Jones',
  'Kahn',
  'Knuth',
  'Lamport',
  'Liskov',
  'Lovelace',
  'Matsumoto',
  'McCarthy',
  'Milner',
  'Perlman',
  'Ritchie',
  'Shannon',
  'Sutherland',
  'Thompson',
  'Torvalds',
  'Turing',
  'Wirth',
]
const TITLES = [
  'CEO',
  'CTO',
  'VP Marketing',
  'Marketing Manager',
  'Engineer',
  'Analyst',
  'Buyer',
  'Director of Sales',
  'Consultant',
  null,
]
const DEPARTMENTS = ['Marketing', 'Sales', 'Engineering', 'Finance', 'Operations', 'Purchasing', null]
const COMPANY_WORDS = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Stark',
  'Wayne',
  'Wonka',
  'Cyberdyne',
  'Soylent',
  'Tyrell',
  'Vandelay',
  'Oscorp',
  'Gringotts',
  'Monarch',
  'Nakatomi',
  'Pied Piper',
  'Prestige',
  'Sirius',
  'Virtucon',
]
const COMPANY_KINDS = [
  'Corp',
  'Industries',
  'Enterprises',
  'Labs',
  'Systems',
  'Holdings',
  'Group',
  'Trading',
  'Partners',
  'Logistics',
]
const CITIES: readonly [string, string, string, string][] = [
  ['San Francisco', 'CA', '94105', 'United States'],
  ['New York', 'NY', '10001', 'United States'],
  ['Austin', 'TX', '78701', 'United States'],
  ['Chicago', 'IL', '60601', 'United States'],
  ['Seattle', 'WA', '98101', 'United States'],
  ['Boston', 'MA', '02108', 'United States'],
  ['Toronto', 'ON', 'M5H 2N2', 'Canada'],
  ['London', 'England', 'EC1A 1BB', 'United Kingdom'],
  ['Manchester', 'England', 'M1 1AE', 'United Kingdom'],
  ['Paris', 'Île-de-France', '75001', 'France'],
  ['Berlin', 'Berlin', '10115', 'Germany'],
  ['Munich', 'Bavaria', '80331', 'Germany'],
  ['Madrid', 'Madrid', '28001', 'Spain'],
  ['Tokyo', 'Tokyo', '100-0001', 'Japan'],
  ['Sydney', 'NSW', '2000', 'Australia'],
  ['Dublin', 'Leinster', 'D02', 'Ireland'],
]
const STREET_NAMES = ['Main St', 'Market St', 'High St', 'Oak Ave', 'Park Rd', 'Mission St', 'King St', 'Elm St']
const CONTACT_NOTES = [
  'Met at the spring trade show.',
  'Prefers email over phone.',
  'Asked for a product demo next quarter.',
  'Budget holder for marketing tools.',
]
const BOUNCE_REASONS = [
  '550 5.1.1 The email account that you tried to reach does not exist',
  '550 5.1.1 User unknown',
  '554 5.7.1 Message rejected: mailbox unavailable',
]
/** Lead sources with their share: most leads come from the web. */
const LEAD_SOURCE_WEIGHTS: readonly [string | null, number][] = [
  ['Web', 0.4],
  ['Phone Inquiry', 0.15],
  ['Partner Referral', 0.15],
  ['Purchased List', 0.15],
  ['Other', 0.1],
  [null, 0.05],
]

interface CampaignTemplate {
  name: string
  type: string
  statuses: MemberStatusInput[]
}

const CAMPAIGNS: readonly CampaignTemplate[] = [
  {
    name: 'Spring Newsletter',
    type: 'Email',
    statuses: [{ label: 'Opened' }, { label: 'Clicked', hasResponded: true }],
  },
  {
    name: 'Product Launch',
    type: 'Webinar',
    statuses: [
      { label: 'Registered', hasResponded: true },
      { label: 'Attended', hasResponded: true },
      { label: 'No Show' },
    ],
  },
  {
    name: 'Webinar Series',
    type: 'Webinar',
    statuses: [
      { label: 'Registered', hasResponded: true },
      { label: 'Attended', hasResponded: true },
      { label: 'No Show' },
    ],
  },
  {
    name: 'Customer Summit',
    type: 'Seminar / Conference',
    statuses: [
      { label: 'Invited', isDefault: true },
      { label: 'Accepted', hasResponded: true },
      { label: 'Declined' },
      { label: 'Attended', hasResponded: true },
    ],
  },
  {
    name: 'Holiday Offers',
    type: 'Direct Mail',
    statuses: [{ label: 'Received' }, { label: 'Redeemed', hasResponded: true }],
  },
  {
    name: 'Partner Program',
    type: 'Partners',
    statuses: [{ label: 'Nominated' }, { label: 'Enrolled', hasResponded: true }],
  },
  {
    name: 'Trial Nurture',
    type: 'Email',
    statuses: [{ label: 'Opened' }, { label: 'Converted', hasResponded: true }],
  },
  {
    name: 'Re-engagement',
    type: 'Email',
    statuses: [{ label: 'Opened' }, { label: 'Clicked', hasResponded: true }, { label: 'Bounced' }],
  },
]

const DAY = 86_400_000
const HOUR = 3_600_000
const MAX_ACCOUNTS = 5000

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b)
}

/** YYYY-MM-DD of a time, cached per day (formatting a Date is slow next to everything else here). */
function dateFormatter(): (ms: number) => string {
  const cache = new Map<number, string>()
  return (ms) => {
    const day = Math.floor(ms / DAY)
    let text = cache.get(day)
    if (text === undefined) {
      text = new Date(day * DAY).toISOString().slice(0, 10)
      cache.set(day, text)
    }
    return text
  }
}

/** Every combination of the interests, by bit mask (multi-select values in picklist order). */
const INTEREST_SETS: readonly (string | null)[] = Array.from({ length: 1 << INTERESTS.length }, (_, mask) => {
  const chosen = INTERESTS.filter((_, i) => mask & (1 << i))
  return chosen.length > 0 ? chosen.join(';') : null
})

const emailPart = (name: string) => name.toLowerCase().replace(/[^a-z0-9.-]/g, '')
const FIRST_KEYS = FIRST_NAMES.map(emailPart)
const LAST_KEYS = LAST_NAMES.map(emailPart)

function weighted<T>(random: SeededRandom, items: readonly [T, number][]): T {
  let u = random.next()
  for (const [item, weight] of items) {
    if (u < weight) return item
    u -= weight
  }
  return items[items.length - 1][0]
}

/** Fixed pools of text shared by many records (one string each, not one per record). */
function pools(random: SeededRandom) {
  const phone = () =>
    `+1 555 01${String(random.int(0, 100)).padStart(2, '0')} ${String(random.int(0, 10_000)).padStart(4, '0')}`
  return {
    phones: Array.from({ length: 997 }, phone),
    mobiles: Array.from({ length: 991 }, phone),
    streets: Array.from({ length: 499 }, () => `${random.int(1, 2000)} ${random.pick(STREET_NAMES)}`),
  }
}

export function seedRecords(state: SimulatorState, options: SeedOptions): SeedResult {
  const orgId = options.orgId ?? state.orgs.keys().next().value
  if (!orgId || !state.orgs.has(orgId)) throw new Error(`unknown org ${String(orgId)}`)
  const seed = options.seed ?? 1
  const random = createSeededRandom(seed)
  // Record IDs come from the data seed too, so a benchmark's data set is the same every run.
  const ids = new IdFactory(seed * 31 + 7)
  const optedOut = options.optedOutFraction ?? 0.05
  const bounced = options.bouncedFraction ?? 0.01
  const base = options.baseDate ? Date.parse(options.baseDate) : state.now()
  if (Number.isNaN(base)) throw new Error(`baseDate is not a date: ${options.baseDate}`)
  const owners = [...state.users.values()].filter((u) => u.orgId === orgId)
  const schema = schemaOf(state, orgId)
  const def = (name: string): SObjectDef => schema.find(name)!
  const text = pools(random)
  const isoDate = dateFormatter()

  const types = ['Account', 'Contact', 'Lead', 'Campaign', 'CampaignMember', 'CampaignMemberStatus']
  if (!options.append) {
    const org = state.orgs.get(orgId)!
    for (const t of types) org.tables.delete(t)
    state.cursors.clear()
  }

  const append = options.append === true
  const newId = (sobject: SObjectDef): string => {
    let id = ids.next(sobject.keyPrefix)
    // Only appended data can meet an ID already taken; a fresh table cannot.
    if (append) {
      const table = state.table(orgId, sobject.name)
      while (table.byId.has(id.slice(0, 15))) id = ids.next(sobject.keyPrefix)
    }
    return id
  }
  const store = (table: RecordTable, record: SRecord): void => {
    table.byId.set(record.Id.slice(0, 15), record)
    table.rows.push(record)
  }

  const sinceMidnight = base - Math.floor(base / DAY) * DAY
  /** Skewed to the recent past: ~3 % today, ~12 % in the last week, ~30 % in the last 30 days. */
  const createdAt = (): number => {
    const u = random.next()
    let span: number
    if (u < 0.03 && sinceMidnight > 2000) span = Math.min(sinceMidnight, 6 * HOUR)
    else if (u < 0.12) span = 7 * DAY
    else if (u < 0.3) span = 30 * DAY
    else span = 365 * DAY
    return base - 1000 - Math.floor(random.next() * (span - 1000))
  }
  /** Always before the clock, so an update made "now" moves SystemModstamp to now. */
  const modifiedAt = (created: number): number =>
    Math.min(base - 1000, created + random.int(0, 30) * DAY + random.int(0, DAY))
  const pickOwner = (): User | undefined => (owners.length > 0 ? random.pick(owners) : undefined)
  const recordTypes = (sobject: string) => {
    const list = schema.recordTypesOf(sobject)
    const preferred = list.find((r) => r.isDefault)
    return { list, preferred }
  }
  const pickRecordType = (rt: ReturnType<typeof recordTypes>): string | null => {
    if (!rt.preferred) return null
    return random.chance(0.8) ? rt.preferred.id : random.pick(rt.list).id
  }
  const multiOf = (): string | null => {
    let mask = 0
    for (let i = 0; i < INTERESTS.length; i++) if (random.chance(0.3)) mask |= 1 << i
    return INTEREST_SETS[mask]
  }

  // ---- accounts ------------------------------------------------------------------------
  const contactCount = options.contacts ?? 0
  const leadCount = options.leads ?? 0
  const accountCount =
    options.accounts ?? (contactCount > 0 ? Math.min(MAX_ACCOUNTS, Math.max(1, Math.ceil(contactCount / 10))) : 0)
  const accountDef = def('Account')
  const accountCustom = accountDef.fieldMap.has('customer_tier__c')
  const accountTable = state.table(orgId, 'Account')
  const accounts: SRecord[] = []
  for (let i = 0; i < accountCount; i++) {
    const owner = pickOwner()
    const created = createdAt()
    const modified = modifiedAt(created)
    const round = Math.floor(i / (COMPANY_WORDS.length * COMPANY_KINDS.length))
    const name = `${COMPANY_WORDS[i % COMPANY_WORDS.length]} ${COMPANY_KINDS[Math.floor(i / COMPANY_WORDS.length) % COMPANY_KINDS.length]}${round > 0 ? ` ${round + 1}` : ''}`
    const [city, stateCode, postalCode, country] = random.pick(CITIES)
    const ownerId = owner?.id ?? null
    const record: SRecord = {
      Id: newId(accountDef),
      IsDeleted: false,
      Name: name,
      Type: random.pick(ACCOUNT_TYPES),
      ParentId: null,
      BillingStreet: random.pick(text.streets),
      BillingCity: city,
      BillingState: stateCode,
      BillingPostalCode: postalCode,
      BillingCountry: country,
      Phone: random.pick(text.phones),
      Website: `https://www.${name.toLowerCase().replace(/[^a-z0-9]+/g, '')}.example.com`,
      Industry: random.pick(INDUSTRIES),
      AnnualRevenue: random.int(1, 500) * 100_000,
      NumberOfEmployees: random.int(5, 20_000),
      Rating: random.pick(RATINGS),
      AccountSource: weighted(random, LEAD_SOURCE_WEIGHTS),
      OwnerId: ownerId,
      CreatedDate: created,
      CreatedById: ownerId,
      LastModifiedDate: modified,
      LastModifiedById: ownerId,
      SystemModstamp: modified,
    }
    if (accountCustom) {
      record.Customer_Tier__c = random.chance(0.7) ? random.pick(CUSTOMER_TIERS) : null
      record.Annual_Spend__c = random.int(0, 2_000_000) / 100
    }
    store(accountTable, record)
    accounts.push(record)
  }

  // ---- contacts and leads --------------------------------------------------------------
  const bounceDate = (created: number) => Math.min(base - 2000, created + random.int(1, 30) * DAY)
  const languageOf = () => (random.chance(0.8) ? random.pick(LANGUAGES) : null)
  const eventDateOf = () => (random.chance(0.5) ? isoDate(base + random.int(-180, 60) * DAY) : null)
  const webVisitOf = () => (random.chance(0.6) ? base - random.int(1, 90 * 24) * HOUR : null)
  const scoreOf = () => (random.chance(0.9) ? random.int(0, 100) : null)

  const contactDef = def('Contact')
  const contactTable = state.table(orgId, 'Contact')
  const contactCustom = contactDef.fieldMap.has('interests__c')
  const contactTypes = recordTypes('Contact')
  const contacts: SRecord[] = []
  const people: string[] = []
  for (let i = 0; i < contactCount; i++) {
    const owner = pickOwner()
    const ownerId = owner?.id ?? null
    const created = createdAt()
    const modified = modifiedAt(created)
    const first = random.int(0, FIRST_NAMES.length)
    const last = random.int(0, LAST_NAMES.length)
    const isBounced = random.chance(bounced)
    const account = accounts.length > 0 && random.chance(0.9) ? accounts[random.int(0, accounts.length)] : undefined
    const [city, stateCode, postalCode, country] = random.pick(CITIES)
    // One literal per record, always with the same keys in the same order (one hidden class).
    const record: SRecord = {
      Id: newId(contactDef),
      IsDeleted: false,
      AccountId: account?.Id ?? null,
      LastName: LAST_NAMES[last],
      FirstName: FIRST_NAMES[first],
      Salutation: random.chance(0.6) ? random.pick(SALUTATIONS) : null,
      RecordTypeId: pickRecordType(contactTypes),
      MailingStreet: random.pick(text.streets),
      MailingCity: city,
      MailingState: stateCode,
      MailingPostalCode: postalCode,
      MailingCountry: country,
      Phone: random.pick(text.phones),
      MobilePhone: random.chance(0.4) ? random.pick(text.mobiles) : null,
      ReportsToId: null,
      Email: `${FIRST_KEYS[first]}.${LAST_KEYS[last]}.${i + 1}@example.com`,
      Title: random.pick(TITLES),
      Department: random.pick(DEPARTMENTS),
      LeadSource: weighted(random, LEAD_SOURCE_WEIGHTS),
      Birthdate: random.chance(0.3) ? isoDate(base - random.int(20 * 365, 65 * 365) * DAY) : null,
      Description: random.chance(0.1) ? random.pick(CONTACT_NOTES) : null,
      OwnerId: ownerId,
      HasOptedOutOfEmail: random.chance(optedOut),
      HasOptedOutOfFax: false,
      DoNotCall: random.chance(0.05),
      CreatedDate: created,
      CreatedById: ownerId,
      LastModifiedDate: modified,
      LastModifiedById: ownerId,
      SystemModstamp: modified,
      EmailBouncedReason: isBounced ? random.pick(BOUNCE_REASONS) : null,
      EmailBouncedDate: isBounced ? bounceDate(created) : null,
      // Custom fields: null in an org without them (and then invisible to every API).
      Interests__c: contactCustom ? multiOf() : null,
      Preferred_Language__c: contactCustom ? languageOf() : null,
      Newsletter_Subscriber__c: contactCustom ? random.chance(0.35) : null,
      Last_Event_Date__c: contactCustom ? eventDateOf() : null,
      Last_Web_Visit__c: contactCustom ? webVisitOf() : null,
      Lead_Score__c: contactCustom ? scoreOf() : null,
    }
    store(contactTable, record)
    contacts.push(record)
    people.push(record.Id)
  }

  const leadDef = def('Lead')
  const leadTable = state.table(orgId, 'Lead')
  const leadCustom = leadDef.fieldMap.has('interests__c')
  const leadTypes = recordTypes('Lead')
  for (let i = 0; i < leadCount; i++) {
    const owner = pickOwner()
    const ownerId = owner?.id ?? null
    const created = createdAt()
    const modified = modifiedAt(created)
    const first = random.int(0, FIRST_NAMES.length)
    const last = random.int(0, LAST_NAMES.length)
    const isBounced = random.chance(bounced)
    const status = random.pick(LEAD_STATUSES)
    const converted = status === 'Closed - Converted'
    const convertedTo = converted && contacts.length > 0 ? contacts[random.int(0, contacts.length)] : undefined
    const [city, stateCode, postalCode, country] = random.pick(CITIES)
    const company =
      accounts.length > 0 && random.chance(0.5)
        ? (accounts[random.int(0, accounts.length)].Name as string)
        : `${random.pick(COMPANY_WORDS)} ${random.pick(COMPANY_KINDS)}`
    const record: SRecord = {
      Id: newId(leadDef),
      IsDeleted: false,
      LastName: LAST_NAMES[last],
      FirstName: FIRST_NAMES[first],
      Salutation: random.chance(0.6) ? random.pick(SALUTATIONS) : null,
      RecordTypeId: pickRecordType(leadTypes),
      Title: random.pick(TITLES),
      Company: company,
      Street: random.pick(text.streets),
      City: city,
      State: stateCode,
      PostalCode: postalCode,
      Country: country,
      Phone: random.pick(text.phones),
      MobilePhone: random.chance(0.4) ? random.pick(text.mobiles) : null,
      Email: `${FIRST_KEYS[first]}.${LAST_KEYS[last]}.${contactCount + i + 1}@example.com`,
      Website: null,
      Description: null,
      LeadSource: weighted(random, LEAD_SOURCE_WEIGHTS),
      Status: status,
      Industry: random.chance(0.8) ? random.pick(INDUSTRIES) : null,
      Rating: random.chance(0.7) ? random.pick(RATINGS) : null,
      AnnualRevenue: random.chance(0.6) ? random.int(1, 500) * 100_000 : null,
      NumberOfEmployees: random.chance(0.6) ? random.int(1, 10_000) : null,
      OwnerId: ownerId,
      HasOptedOutOfEmail: random.chance(optedOut),
      IsConverted: converted,
      ConvertedDate: converted ? isoDate(Math.min(base - 1000, created + random.int(1, 20) * DAY)) : null,
      ConvertedAccountId: convertedTo?.AccountId ?? null,
      ConvertedContactId: convertedTo?.Id ?? null,
      IsUnreadByOwner: random.chance(0.2),
      CreatedDate: created,
      CreatedById: ownerId,
      LastModifiedDate: modified,
      LastModifiedById: ownerId,
      SystemModstamp: modified,
      DoNotCall: random.chance(0.05),
      HasOptedOutOfFax: false,
      EmailBouncedReason: isBounced ? random.pick(BOUNCE_REASONS) : null,
      EmailBouncedDate: isBounced ? bounceDate(created) : null,
      Interests__c: leadCustom ? multiOf() : null,
      Preferred_Language__c: leadCustom ? languageOf() : null,
      Newsletter_Subscriber__c: leadCustom ? random.chance(0.35) : null,
      Last_Event_Date__c: leadCustom ? eventDateOf() : null,
      Last_Web_Visit__c: leadCustom ? webVisitOf() : null,
      Lead_Score__c: leadCustom ? scoreOf() : null,
    }
    store(leadTable, record)
    people.push(record.Id)
  }

  // ---- campaigns, their member statuses, and members -----------------------------------
  let members = 0
  const campaignCount = options.campaigns ?? 0
  const perCampaign = Math.min(options.campaignMembersPerCampaign ?? 50, people.length)
  const campaignDef = def('Campaign')
  const memberDef = def('CampaignMember')
  const memberTable = state.table(orgId, 'CampaignMember')
  for (let c = 0; c < campaignCount; c++) {
    const template = CAMPAIGNS[c % CAMPAIGNS.length]
    const name = `${template.name}${c >= CAMPAIGNS.length ? ` ${Math.floor(c / CAMPAIGNS.length) + 1}` : ''}`
    const owner = pickOwner()
    const ownerId = owner?.id ?? null
    const created = createdAt()
    const modified = modifiedAt(created)
    const start = base - random.int(0, 120) * DAY
    const end = start + random.int(30, 120) * DAY
    const campaign: SRecord = {
      Id: newId(campaignDef),
      IsDeleted: false,
      Name: name,
      ParentId: null,
      Type: template.type,
      Status: end < base ? 'Completed' : 'In Progress',
      StartDate: isoDate(start),
      EndDate: isoDate(end),
      ExpectedRevenue: random.int(1, 100) * 10_000,
      BudgetedCost: random.int(1, 50) * 1_000,
      ActualCost: random.int(1, 50) * 1_000,
      ExpectedResponse: random.int(1, 40),
      NumberSent: perCampaign,
      IsActive: random.chance(0.7),
      Description: `${template.type} campaign`,
      OwnerId: ownerId,
      CreatedDate: created,
      CreatedById: ownerId,
      LastModifiedDate: modified,
      LastModifiedById: ownerId,
      SystemModstamp: modified,
    }
    store(state.table(orgId, 'Campaign'), campaign)
    const statuses = [
      ...addMemberStatuses(state, orgId, campaign.Id, DEFAULT_MEMBER_STATUSES, owner, created),
      ...addMemberStatuses(state, orgId, campaign.Id, template.statuses, owner, created),
    ].filter((s) => !s.IsDeleted)
    const fallback = statuses.find((s) => s.IsDefault) ?? statuses[0]
    // Walk the people with a stride coprime to their count: distinct members, no shuffling.
    const startAt = random.int(0, Math.max(1, people.length))
    let stride = 1 + 2 * random.int(0, 50)
    while (people.length > 0 && gcd(stride, people.length) !== 1) stride++
    for (let k = 0; k < perCampaign; k++) {
      const personId = people[(startAt + k * stride) % people.length]
      const isContact = personId.startsWith('003')
      const status = random.chance(0.4) ? fallback : random.pick(statuses)
      const memberCreated = createdAt()
      const responded = status.HasResponded === true
      const record: SRecord = {
        Id: newId(memberDef),
        IsDeleted: false,
        CampaignId: campaign.Id,
        LeadId: isContact ? null : personId,
        ContactId: isContact ? personId : null,
        Status: status.Label,
        HasResponded: responded,
        CreatedDate: memberCreated,
        CreatedById: ownerId,
        LastModifiedDate: memberCreated,
        LastModifiedById: ownerId,
        SystemModstamp: memberCreated,
        FirstRespondedDate: responded ? isoDate(memberCreated) : null,
      }
      store(memberTable, record)
      members++
    }
  }
  return {
    orgId,
    accounts: accountCount,
    contacts: contactCount,
    leads: leadCount,
    campaigns: campaignCount,
    campaignMembers: members,
  }
}
