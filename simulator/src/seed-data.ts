// Deterministic demo and benchmark data: the same seed gives the same records.
import { IdFactory } from './ids.js'
import { createSeededRandom } from './random.js'
import { storeNewRecord } from './records.js'
import type { FieldValue, SObjectDef } from './schema.js'
import { CAMPAIGN_MEMBER_STATUSES, LEAD_STATUSES, findSObject } from './schema.js'
import type { SimulatorState, User } from './state.js'

export interface SeedOptions {
  contacts?: number
  leads?: number
  campaigns?: number
  /** Members per campaign, drawn from the contacts and leads (default 50). */
  campaignMembersPerCampaign?: number
  /** Default 1. */
  seed?: number
  /** Default: the first org. */
  orgId?: string
  /** Fraction already opted out of email (default 0.05). */
  optedOutFraction?: number
  /** Keep existing records (default false: the seeded types are replaced). */
  append?: boolean
  /** CreatedDate values fall in the year before this date (default 2025-01-01T00:00:00Z). */
  baseDate?: string
}

export interface SeedResult {
  orgId: string
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
const COMPANIES = [
  'Acme Corp',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Stark Industries',
  'Wayne Enterprises',
  'Wonka Industries',
  'Cyberdyne',
  'Soylent',
]
const CAMPAIGNS = [
  'Spring Newsletter',
  'Product Launch',
  'Webinar Series',
  'Customer Summit',
  'Holiday Offers',
  'Partner Program',
  'Trial Nurture',
  'Re-engagement',
]

const DAY = 86_400_000

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b)
}

export function seedRecords(state: SimulatorState, options: SeedOptions): SeedResult {
  const orgId = options.orgId ?? state.orgs.keys().next().value
  if (!orgId || !state.orgs.has(orgId)) throw new Error(`unknown org ${String(orgId)}`)
  const seed = options.seed ?? 1
  const random = createSeededRandom(seed)
  // Record IDs come from the data seed too, so a benchmark's data set is the same every run.
  const ids = new IdFactory(seed * 31 + 7)
  const optedOut = options.optedOutFraction ?? 0.05
  const base = Date.parse(options.baseDate ?? '2025-01-01T00:00:00Z')
  const owners = [...state.users.values()].filter((u) => u.orgId === orgId)
  const types = ['Contact', 'Lead', 'Campaign', 'CampaignMember'] as const
  const defs = Object.fromEntries(types.map((t) => [t, findSObject(t)!])) as Record<(typeof types)[number], SObjectDef>

  if (!options.append) {
    const org = state.orgs.get(orgId)!
    for (const t of types) org.tables.delete(t)
    state.cursors.clear()
  }

  const add = (def: SObjectDef, values: Record<string, FieldValue>, owner: User | undefined, at: number): string => {
    const table = state.table(orgId, def.name)
    let id = ids.next(def.keyPrefix)
    while (table.byId.has(id.slice(0, 15))) id = ids.next(def.keyPrefix)
    const record = storeNewRecord(state, orgId, def, id, values, owner, at)
    const modified = Math.min(base, at + random.int(0, 30) * DAY + random.int(0, DAY))
    record.LastModifiedDate = modified
    record.SystemModstamp = modified
    return id
  }

  const person = (n: number) => {
    const first = random.pick(FIRST_NAMES)
    const last = random.pick(LAST_NAMES)
    const email = `${first}.${last}.${n}@example.com`.toLowerCase().replace(/[^a-z0-9.@-]/g, '')
    return {
      FirstName: first,
      LastName: last,
      Email: email,
      HasOptedOutOfEmail: random.chance(optedOut),
      Title: random.pick(TITLES),
      Phone: `+1 555 01${String(random.int(0, 100)).padStart(2, '0')} ${String(random.int(0, 10_000)).padStart(4, '0')}`,
    }
  }
  const createdAt = () => base - random.int(1, 366) * DAY + random.int(0, DAY)
  const pickOwner = () => (owners.length > 0 ? random.pick(owners) : undefined)

  const contactCount = options.contacts ?? 0
  const leadCount = options.leads ?? 0
  const people: string[] = []
  for (let i = 0; i < contactCount; i++) {
    people.push(add(defs.Contact, { ...person(i + 1), AccountId: null }, pickOwner(), createdAt()))
  }
  for (let i = 0; i < leadCount; i++) {
    const values = {
      ...person(contactCount + i + 1),
      Company: random.pick(COMPANIES),
      Status: random.pick(LEAD_STATUSES),
    }
    people.push(add(defs.Lead, values, pickOwner(), createdAt()))
  }

  let members = 0
  const campaignCount = options.campaigns ?? 0
  const perCampaign = Math.min(options.campaignMembersPerCampaign ?? 50, people.length)
  for (let c = 0; c < campaignCount; c++) {
    const name = `${CAMPAIGNS[c % CAMPAIGNS.length]}${c >= CAMPAIGNS.length ? ` ${Math.floor(c / CAMPAIGNS.length) + 1}` : ''}`
    const campaignId = add(defs.Campaign, { Name: name, IsActive: random.chance(0.7) }, pickOwner(), createdAt())
    // Walk the people with a stride coprime to their count: distinct members, no shuffling.
    const start = random.int(0, people.length)
    let stride = 1 + 2 * random.int(0, 50)
    while (gcd(stride, people.length) !== 1) stride++
    for (let k = 0; k < perCampaign; k++) {
      const personId = people[(start + k * stride) % people.length]
      const isContact = personId.startsWith('003')
      add(
        defs.CampaignMember,
        {
          CampaignId: campaignId,
          ContactId: isContact ? personId : null,
          LeadId: isContact ? null : personId,
          Status: random.pick(CAMPAIGN_MEMBER_STATUSES),
        },
        pickOwner(),
        createdAt(),
      )
      members++
    }
  }
  return { orgId, contacts: contactCount, leads: leadCount, campaigns: campaignCount, campaignMembers: members }
}
