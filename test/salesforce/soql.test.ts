import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  buildCondition,
  buildEmailInClauses,
  buildSoql,
  escapeSoqlString,
  formatSoqlValue,
  SoqlBuildError,
  type ConnectionDefinition,
  type ConnectionFilter,
  type SObjectDescribe,
  type SoqlBuildErrorCode,
} from '../../server/src/salesforce/soql.js'

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

const f = (name: string, type: string, filterable = true) => ({ name, type, filterable })

const CONTACT: SObjectDescribe = {
  name: 'Contact',
  fields: [
    f('Id', 'id'),
    f('Email', 'email'),
    f('FirstName', 'string'),
    f('LastName', 'string'),
    f('Phone', 'phone'),
    f('Website__c', 'url'),
    f('Title', 'textarea'),
    f('LeadSource', 'picklist'),
    f('Interests__c', 'multipicklist'),
    f('HasOptedOutOfEmail', 'boolean'),
    f('DoNotCall', 'boolean'),
    f('Employees__c', 'int'),
    f('Score__c', 'double'),
    f('Revenue__c', 'currency'),
    f('Discount__c', 'percent'),
    f('Birthdate', 'date'),
    f('CreatedDate', 'datetime'),
    f('AccountId', 'reference'),
    f('Description', 'textarea', false),
    f('Photo__c', 'base64'),
  ],
}
const LEAD: SObjectDescribe = {
  name: 'Lead',
  fields: [
    f('Id', 'id'),
    f('Email', 'email'),
    f('Company', 'string'),
    f('Status', 'picklist'),
    f('HasOptedOutOfEmail', 'boolean'),
  ],
}
const CAMPAIGN_MEMBER: SObjectDescribe = {
  name: 'CampaignMember',
  fields: [
    f('Id', 'id'),
    f('CampaignId', 'reference'),
    f('ContactId', 'reference'),
    f('Status', 'picklist'),
    f('Email', 'email'),
    f('HasOptedOutOfEmail', 'boolean'),
  ],
}

const def = (over: Partial<ConnectionDefinition> = {}): ConnectionDefinition => ({
  sobject: 'Contact',
  fields: ['Email'],
  filters: [],
  logic: 'AND',
  excludeOptedOut: false,
  requireEmail: false,
  ...over,
})
/** The WHERE clause for one filter on Contact, with no fixed conditions. */
const where = (filter: ConnectionFilter): string => {
  const { soql } = buildSoql(def({ filters: [filter] }), CONTACT)
  return soql.slice(soql.indexOf(' WHERE ') + ' WHERE '.length)
}

function expectError(fn: () => unknown, code: SoqlBuildErrorCode, mentions?: string): SoqlBuildError {
  let caught: unknown
  try {
    fn()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(SoqlBuildError)
  const error = caught as SoqlBuildError
  expect(error.code).toBe(code)
  if (mentions !== undefined) expect(error.message).toContain(mentions)
  return error
}

// ---------------------------------------------------------------------------------------
// A small reference SOQL tokenizer: the oracle of the property tests. It knows the SOQL
// string escapes and nothing about the builder, and throws on anything it does not know.
// ---------------------------------------------------------------------------------------

type Token =
  | { kind: 'word' | 'number' | 'date' | 'op' | 'punct'; text: string }
  /** `value` is the unescaped text; `wildcards` the positions of unescaped `%`/`_` (LIKE meaning). */
  | { kind: 'string'; text: string; value: string; wildcards: number[]; likeEscapes: boolean }

const STRING_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  r: '\r',
  t: '\t',
  f: '\f',
  b: '\b',
  N: '\n',
  R: '\r',
  T: '\t',
  F: '\f',
  B: '\b',
}

function tokenize(soql: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < soql.length) {
    const rest = soql.slice(i)
    if (soql[i] === ' ') {
      i += 1
      continue
    }
    if (soql[i] === "'") {
      let value = ''
      const wildcards: number[] = []
      let likeEscapes = false
      let j = i + 1
      for (;;) {
        if (j >= soql.length) throw new Error(`unterminated string at ${i}`)
        const c = soql[j]
        if (c === "'") break
        if (c === '\\') {
          const next = soql[j + 1]
          if (next === '%' || next === '_') {
            likeEscapes = true
            value += next
          } else if (next !== undefined && next in STRING_ESCAPES) {
            value += STRING_ESCAPES[next]
          } else {
            throw new Error(`bad escape \\${next} at ${j}`)
          }
          j += 2
          continue
        }
        if (c === '%' || c === '_') wildcards.push(value.length)
        value += c
        j += 1
      }
      tokens.push({ kind: 'string', text: soql.slice(i, j + 1), value, wildcards, likeEscapes })
      i = j + 1
      continue
    }
    const match = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}Z)?(?![\w.])/.exec(rest)
      ? { kind: 'date' as const, m: /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}Z)?/.exec(rest)! }
      : /^-?\d+(?:\.\d+)?(?![\w.])/.exec(rest)
        ? { kind: 'number' as const, m: /^-?\d+(?:\.\d+)?/.exec(rest)! }
        : /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(rest)
          ? { kind: 'word' as const, m: /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(rest)! }
          : /^(?:!=|<=|>=|=|<|>)/.exec(rest)
            ? { kind: 'op' as const, m: /^(?:!=|<=|>=|=|<|>)/.exec(rest)! }
            : /^[(),]/.exec(rest)
              ? { kind: 'punct' as const, m: /^[(),]/.exec(rest)! }
              : null
    if (!match) throw new Error(`unexpected character ${JSON.stringify(soql[i])} at ${i}`)
    tokens.push({ kind: match.kind, text: match.m[0] })
    i += match.m[0].length
  }
  return tokens
}

/** What a value renders to in the reference model: a placeholder kind plus what must be checked. */
type Expected =
  { kind: 'word' | 'op' | 'punct'; text: string } | { kind: 'string'; value: string; like?: 'contains' | 'startsWith' }

/** The tokens `buildSoql` must produce for an accepted definition (string-typed filters only). */
function expectedTokens(d: ConnectionDefinition, describe: SObjectDescribe): Expected[] {
  const canonical = (name: string): string =>
    describe.fields.find((x) => x.name.toLowerCase() === name.toLowerCase())!.name
  const w = (text: string): Expected => ({ kind: 'word', text })
  const out: Expected[] = [w('SELECT')]
  const selected: string[] = ['Id']
  for (const name of d.fields)
    if (!selected.some((s) => s.toLowerCase() === name.toLowerCase())) selected.push(canonical(name))
  selected.forEach((name, k) => out.push(...(k > 0 ? [{ kind: 'punct', text: ',' } as Expected] : []), w(name)))
  out.push(w('FROM'), w(describe.name))
  const conditions: Expected[][] = []
  if (d.filters.length > 0) {
    const group: Expected[] = [{ kind: 'punct', text: '(' }]
    d.filters.forEach((filter, k) => {
      if (k > 0) group.push(w(d.logic ?? 'AND'))
      const name = w(canonical(filter.field))
      const op = filter.operator
      if (op === 'isEmpty' || op === 'isNotEmpty')
        group.push(name, { kind: 'op', text: op === 'isEmpty' ? '=' : '!=' }, w('null'))
      else if (op === 'contains' || op === 'startsWith')
        group.push(name, w('LIKE'), { kind: 'string', value: filter.value as string, like: op })
      else if (op === 'in' || op === 'notIn') {
        group.push(name, ...(op === 'in' ? [w('IN')] : [w('NOT'), w('IN')]), { kind: 'punct', text: '(' })
        ;(filter.value as string[]).forEach((v, n) =>
          group.push(...(n > 0 ? [{ kind: 'punct', text: ',' } as Expected] : []), { kind: 'string', value: v }),
        )
        group.push({ kind: 'punct', text: ')' })
      } else group.push(name, { kind: 'op', text: op }, { kind: 'string', value: filter.value as string })
    })
    group.push({ kind: 'punct', text: ')' })
    conditions.push(group)
  }
  if (d.excludeOptedOut !== false) conditions.push([w('HasOptedOutOfEmail'), { kind: 'op', text: '=' }, w('false')])
  if (d.requireEmail) conditions.push([w('Email'), { kind: 'op', text: '!=' }, w('null')])
  if (conditions.length > 0) {
    out.push(w('WHERE'))
    conditions.forEach((c, k) => out.push(...(k > 0 ? [w('AND')] : []), ...c))
  }
  return out
}

/** Checks a token stream against the model, string literal by string literal. */
function expectStructure(soql: string, expected: Expected[]): void {
  const tokens = tokenize(soql)
  expect(tokens.map((t) => t.kind)).toEqual(expected.map((e) => e.kind))
  tokens.forEach((token, k) => {
    const want = expected[k]
    if (want.kind !== 'string') {
      expect(token.text).toBe(want.text)
      return
    }
    if (token.kind !== 'string') throw new Error('unreachable')
    if (want.like === undefined) {
      // An ordinary literal: exactly the input, with no LIKE wildcard escapes.
      expect(token.likeEscapes).toBe(false)
      expect(token.value).toBe(want.value)
    } else {
      // A LIKE pattern: the input as literal text, with wildcards only where the operator puts them.
      const lead = want.like === 'contains' ? 1 : 0
      expect(token.value).toBe(`${lead ? '%' : ''}${want.value}%`)
      expect(token.wildcards).toEqual([...(lead ? [0] : []), want.value.length + lead])
    }
  })
}

// ---------------------------------------------------------------------------------------
// Unit tests
// ---------------------------------------------------------------------------------------

describe('buildSoql: shape', () => {
  it('selects Id first, then the requested fields in describe spelling, once each', () => {
    const { soql } = buildSoql(def({ fields: ['email', 'FIRSTNAME', 'Email', 'id', 'lastName'] }), CONTACT)
    expect(soql).toBe('SELECT Id, Email, FirstName, LastName FROM Contact')
  })

  it('ANDs the fixed conditions outside the user group', () => {
    const { soql } = buildSoql(
      def({
        filters: [
          { field: 'FirstName', operator: '=', value: 'Ann' },
          { field: 'LastName', operator: '=', value: 'Lee' },
        ],
        logic: 'OR',
        excludeOptedOut: true,
        requireEmail: true,
      }),
      CONTACT,
    )
    expect(soql).toBe(
      "SELECT Id, Email FROM Contact WHERE (FirstName = 'Ann' OR LastName = 'Lee') AND HasOptedOutOfEmail = false AND Email != null",
    )
  })

  it('excludes opted-out people by default and with no filters', () => {
    const { soql } = buildSoql({ sobject: 'Lead', fields: ['Company'], filters: [] }, LEAD)
    expect(soql).toBe('SELECT Id, Company FROM Lead WHERE HasOptedOutOfEmail = false')
  })

  it('uses the CampaignMember fields for the fixed conditions', () => {
    const { soql } = buildSoql(
      {
        sobject: 'CampaignMember',
        fields: ['contactid', 'Status'],
        filters: [{ field: 'CampaignId', operator: '=', value: '701000000000001AAA' }],
        logic: 'AND',
        excludeOptedOut: true,
        requireEmail: true,
      },
      CAMPAIGN_MEMBER,
    )
    expect(soql).toBe(
      "SELECT Id, ContactId, Status FROM CampaignMember WHERE (CampaignId = '701000000000001AAA') AND HasOptedOutOfEmail = false AND Email != null",
    )
  })

  it('counts, limits and adds extra conditions', () => {
    const d = def({ filters: [{ field: 'FirstName', operator: '=', value: 'A' }], excludeOptedOut: true })
    expect(buildSoql(d, CONTACT, { count: true }).soql).toBe(
      "SELECT COUNT() FROM Contact WHERE (FirstName = 'A') AND HasOptedOutOfEmail = false",
    )
    expect(buildSoql(d, CONTACT, { limit: 10 }).soql).toBe(
      "SELECT Id, Email FROM Contact WHERE (FirstName = 'A') AND HasOptedOutOfEmail = false LIMIT 10",
    )
    const [extra] = buildEmailInClauses(['a@x.com'], 1000)
    expect(buildSoql(d, CONTACT, { extraWhere: [extra] }).soql).toBe(
      "SELECT Id, Email FROM Contact WHERE (FirstName = 'A') AND HasOptedOutOfEmail = false AND (Email IN ('a@x.com'))",
    )
    expect(buildSoql(def(), CONTACT, { count: true, limit: 1 }).soql).toBe('SELECT COUNT() FROM Contact LIMIT 1')
    for (const limit of [0, -1, 1.5, Number.NaN, Infinity])
      expectError(() => buildSoql(d, CONTACT, { limit }), 'INVALID_VALUE')
  })

  it('is deterministic', () => {
    const d = def({
      fields: ['LastName', 'Email'],
      filters: [{ field: 'Email', operator: 'in', value: ['b@x', 'a@x'] }],
      logic: 'OR',
    })
    expect(buildSoql(d, CONTACT).soql).toBe(buildSoql(structuredClone(d), structuredClone(CONTACT)).soql)
  })

  it('checks the object', () => {
    expectError(
      () => buildSoql(def({ sobject: 'Account' }), { ...CONTACT, name: 'Account' }),
      'INVALID_SOBJECT',
      'Account',
    )
    expectError(() => buildSoql(def({ sobject: 'contact' }), CONTACT), 'INVALID_SOBJECT')
    expectError(() => buildSoql(def({ sobject: 'Lead' }), CONTACT), 'INVALID_SOBJECT', 'Contact')
    expectError(() => buildSoql(def({ sobject: 'Contact WHERE Id != null' }), CONTACT), 'INVALID_SOBJECT')
  })

  it('refuses unknown fields, naming them', () => {
    const e = expectError(() => buildSoql(def({ fields: ['Email', 'Nope__c'] }), CONTACT), 'INVALID_FIELD', '"Nope__c"')
    expect(e.field).toBe('Nope__c')
    expectError(
      () => buildSoql(def({ filters: [{ field: 'Nope__c', operator: '=', value: 'x' }] }), CONTACT),
      'INVALID_FIELD',
      'Nope__c',
    )
    expectError(() => buildSoql(def({ fields: [42 as unknown as string] }), CONTACT), 'INVALID_FIELD')
  })

  it('refuses filters on fields that are not filterable or of an unfilterable type', () => {
    expectError(() => where({ field: 'Description', operator: '=', value: 'x' }), 'INVALID_FIELD', 'Description')
    expectError(() => where({ field: 'Photo__c', operator: '=', value: 'x' }), 'INVALID_FIELD', 'Photo__c')
    // Selecting a non-filterable field is fine.
    expect(buildSoql(def({ fields: ['Description'] }), CONTACT).soql).toBe('SELECT Id, Description FROM Contact')
  })

  it('limits the number of filters to 50', () => {
    const filters = Array.from({ length: 51 }, () => ({ field: 'FirstName', operator: '=' as const, value: 'x' }))
    expectError(() => buildSoql(def({ filters }), CONTACT), 'TOO_MANY_FILTERS')
    expect(() => buildSoql(def({ filters: filters.slice(0, 50) }), CONTACT)).not.toThrow()
  })

  it('refuses an unknown logic and unknown operators', () => {
    expectError(() => buildSoql(def({ logic: 'AND NOT' as 'AND' }), CONTACT), 'INVALID_OPERATOR')
    for (const operator of ['LIKE', '==', '<>', 'OR', 'includes', '', 'in ']) {
      expectError(
        () => where({ field: 'FirstName', operator: operator as '=', value: 'x' }),
        'INVALID_OPERATOR',
        'FirstName',
      )
    }
  })
})

describe('buildSoql: operators and types', () => {
  it('renders each operator on text', () => {
    expect(where({ field: 'FirstName', operator: '=', value: 'Ann' })).toBe("(FirstName = 'Ann')")
    expect(where({ field: 'FirstName', operator: '!=', value: 'Ann' })).toBe("(FirstName != 'Ann')")
    expect(where({ field: 'LastName', operator: '<', value: 'M' })).toBe("(LastName < 'M')")
    expect(where({ field: 'LastName', operator: '<=', value: 'M' })).toBe("(LastName <= 'M')")
    expect(where({ field: 'LastName', operator: '>', value: 'M' })).toBe("(LastName > 'M')")
    expect(where({ field: 'LastName', operator: '>=', value: 'M' })).toBe("(LastName >= 'M')")
    expect(where({ field: 'Email', operator: 'contains', value: '@acme' })).toBe("(Email LIKE '%@acme%')")
    expect(where({ field: 'Email', operator: 'startsWith', value: 'ann' })).toBe("(Email LIKE 'ann%')")
    expect(where({ field: 'LeadSource', operator: 'in', value: ['Web', 'Phone'] })).toBe(
      "(LeadSource IN ('Web', 'Phone'))",
    )
    expect(where({ field: 'LeadSource', operator: 'notIn', value: ['Web'] })).toBe("(LeadSource NOT IN ('Web'))")
    expect(where({ field: 'Phone', operator: 'isEmpty' })).toBe('(Phone = null)')
    expect(where({ field: 'Phone', operator: 'isNotEmpty', value: 'ignored' })).toBe('(Phone != null)')
    expect(where({ field: 'Website__c', operator: '=', value: 'https://x.io' })).toBe("(Website__c = 'https://x.io')")
    expect(where({ field: 'Title', operator: 'contains', value: 'CEO' })).toBe("(Title LIKE '%CEO%')")
  })

  it('checks in/notIn lists', () => {
    for (const value of [[], 'Web', undefined, Array.from({ length: 1001 }, (_, k) => `v${k}`), ['ok', 3]]) {
      expectError(() => where({ field: 'LeadSource', operator: 'in', value }), 'INVALID_VALUE', 'LeadSource')
    }
    expect(where({ field: 'LeadSource', operator: 'notIn', value: Array.from({ length: 1000 }, () => 'x') })).toMatch(
      /^\(LeadSource NOT IN \(/,
    )
  })

  it('needs a single value for comparisons', () => {
    for (const value of [undefined, null, ['a']])
      expectError(() => where({ field: 'FirstName', operator: '=', value }), 'INVALID_VALUE', 'FirstName')
    expectError(() => where({ field: 'FirstName', operator: '=', value: 5 }), 'INVALID_VALUE')
    expectError(() => where({ field: 'FirstName', operator: 'contains', value: 5 }), 'INVALID_VALUE')
    expectError(() => where({ field: 'FirstName', operator: '=', value: 'x'.repeat(4001) }), 'INVALID_VALUE')
    expect(where({ field: 'FirstName', operator: '=', value: 'x'.repeat(4000) })).toHaveLength(4000 + 16)
  })

  it('types booleans', () => {
    expect(where({ field: 'DoNotCall', operator: '=', value: true })).toBe('(DoNotCall = true)')
    expect(where({ field: 'DoNotCall', operator: '!=', value: 'false' })).toBe('(DoNotCall != false)')
    expect(where({ field: 'DoNotCall', operator: 'isEmpty' })).toBe('(DoNotCall = null)')
    for (const value of ['TRUE', 'yes', 1, 0, ''])
      expectError(() => where({ field: 'DoNotCall', operator: '=', value }), 'INVALID_VALUE', 'DoNotCall')
    for (const operator of ['<', '<=', '>', '>=', 'contains', 'startsWith', 'in', 'notIn'] as const) {
      expectError(
        () => where({ field: 'DoNotCall', operator, value: operator.endsWith('n') ? [true] : true }),
        'INVALID_OPERATOR',
        'DoNotCall',
      )
    }
  })

  it('types numbers, written without exponents', () => {
    expect(where({ field: 'Score__c', operator: '>', value: 1.5 })).toBe('(Score__c > 1.5)')
    expect(where({ field: 'Score__c', operator: '<', value: 1e21 })).toBe('(Score__c < 1000000000000000000000)')
    expect(where({ field: 'Score__c', operator: '<', value: 1.25e-7 })).toBe('(Score__c < 0.000000125)')
    expect(where({ field: 'Score__c', operator: '=', value: -0 })).toBe('(Score__c = 0)')
    expect(where({ field: 'Revenue__c', operator: '>=', value: '12345678901234567.89' })).toBe(
      '(Revenue__c >= 12345678901234567.89)',
    )
    expect(where({ field: 'Discount__c', operator: '=', value: '+5' })).toBe('(Discount__c = 5)')
    expect(where({ field: 'Employees__c', operator: 'in', value: [1, '2', -3] })).toBe('(Employees__c IN (1, 2, -3))')
    for (const value of [Number.NaN, Infinity, -Infinity, '1e5', '', ' 1', '1,5', '0x10', true, '1.']) {
      expectError(() => where({ field: 'Score__c', operator: '=', value }), 'INVALID_VALUE', 'Score__c')
    }
    for (const value of [1.5, '1.5'])
      expectError(() => where({ field: 'Employees__c', operator: '=', value }), 'INVALID_VALUE', 'Employees__c')
    expectError(() => where({ field: 'Score__c', operator: 'contains', value: '1' }), 'INVALID_OPERATOR')
  })

  it('types dates', () => {
    expect(where({ field: 'Birthdate', operator: '>=', value: '1990-02-28' })).toBe('(Birthdate >= 1990-02-28)')
    expect(where({ field: 'Birthdate', operator: '=', value: '2000-02-29' })).toBe('(Birthdate = 2000-02-29)')
    for (const value of [
      '1990-2-28',
      '1990-02-30',
      '1900-02-29',
      '2023-13-01',
      '1699-12-31',
      '4001-01-01',
      '1990-02-28T00:00:00Z',
      'TODAY',
      19900228,
    ]) {
      expectError(() => where({ field: 'Birthdate', operator: '=', value }), 'INVALID_VALUE', 'Birthdate')
    }
  })

  it('types datetimes, rendered in UTC to the second', () => {
    expect(where({ field: 'CreatedDate', operator: '>', value: '2024-01-01T00:00:00Z' })).toBe(
      '(CreatedDate > 2024-01-01T00:00:00Z)',
    )
    expect(where({ field: 'CreatedDate', operator: '>', value: '2024-01-01T01:30:00.999+02:00' })).toBe(
      '(CreatedDate > 2023-12-31T23:30:00Z)',
    )
    expect(where({ field: 'CreatedDate', operator: '<', value: '2024-02-29T23:00-0130' })).toBe(
      '(CreatedDate < 2024-03-01T00:30:00Z)',
    )
    for (const value of [
      '2024-01-01',
      '2024-01-01T00:00:00',
      '2024-01-01T24:00:00Z',
      '2024-01-01T00:00:60Z',
      '2024-02-30T00:00:00Z',
      '2024-01-01 00:00:00Z',
      '2024-01-01T00:00:00+24:00',
      1704067200000,
    ]) {
      expectError(() => where({ field: 'CreatedDate', operator: '=', value }), 'INVALID_VALUE', 'CreatedDate')
    }
  })

  it('types IDs and references', () => {
    expect(where({ field: 'AccountId', operator: '=', value: '001000000000001' })).toBe(
      "(AccountId = '001000000000001')",
    )
    expect(where({ field: 'Id', operator: 'in', value: ['003000000000001AAA'] })).toBe("(Id IN ('003000000000001AAA'))")
    for (const value of [
      '001',
      '00100000000000',
      '001000000000001A',
      "001000000000001' OR Id != '",
      '0010000000000-1',
    ]) {
      expectError(() => where({ field: 'AccountId', operator: '=', value }), 'INVALID_VALUE', 'AccountId')
    }
    expectError(() => where({ field: 'AccountId', operator: 'contains', value: '001' }), 'INVALID_OPERATOR')
  })

  it('keeps multi-select picklists to equality and emptiness', () => {
    expect(where({ field: 'Interests__c', operator: '=', value: 'a;b' })).toBe("(Interests__c = 'a;b')")
    for (const operator of ['contains', 'in', '<'] as const) {
      expectError(
        () => where({ field: 'Interests__c', operator, value: operator === 'in' ? ['a'] : 'a' }),
        'INVALID_OPERATOR',
        'Interests__c',
      )
    }
  })

  it('buildCondition renders one filter', () => {
    expect(buildCondition({ field: 'email', operator: 'isNotEmpty' }, CONTACT)).toBe('Email != null')
  })
})

describe('escaping', () => {
  it('escapes the SOQL escape characters', () => {
    expect(escapeSoqlString("O'Brien")).toBe("O\\'Brien")
    expect(escapeSoqlString('back\\slash')).toBe('back\\\\slash')
    expect(escapeSoqlString('say "hi"')).toBe('say \\"hi\\"')
    expect(escapeSoqlString('a\nb\rc\td\fe\bf')).toBe('a\\nb\\rc\\td\\fe\\bf')
    expect(escapeSoqlString("\\'")).toBe("\\\\\\'")
    expect(escapeSoqlString('50%_off')).toBe('50%_off')
    expect(escapeSoqlString('50%_off', { like: true })).toBe('50\\%\\_off')
  })

  it('keeps Unicode as it is', () => {
    expect(escapeSoqlString('Zoë 😀 日本 \u2028 \u00a0')).toBe('Zoë 😀 日本 \u2028 \u00a0')
    expect(where({ field: 'FirstName', operator: '=', value: 'Zoë 😀' })).toBe("(FirstName = 'Zoë 😀')")
  })

  it('refuses what SOQL cannot express', () => {
    for (const bad of ['\u0000', 'a\u0007', '\u000b', '\u001f', '\u007f', '\ud800', 'x\udc00y', '\ud83d']) {
      expectError(() => escapeSoqlString(bad), 'INVALID_VALUE')
      expectError(() => where({ field: 'FirstName', operator: '=', value: bad }), 'INVALID_VALUE', 'FirstName')
    }
  })

  it('escapes LIKE patterns and quotes in filters', () => {
    expect(where({ field: 'FirstName', operator: 'contains', value: "100%_O'B\\" })).toBe(
      "(FirstName LIKE '%100\\%\\_O\\'B\\\\%')",
    )
    expect(where({ field: 'FirstName', operator: 'startsWith', value: 'a\nb' })).toBe("(FirstName LIKE 'a\\nb%')")
    // Outside LIKE, % and _ are plain characters.
    expect(where({ field: 'FirstName', operator: '=', value: '100%_' })).toBe("(FirstName = '100%_')")
  })

  it('formatSoqlValue renders by type', () => {
    expect(formatSoqlValue("it's", 'string')).toBe("'it\\'s'")
    expect(formatSoqlValue(true, 'boolean')).toBe('true')
    // The shortest digits that read back as the same double.
    expect(formatSoqlValue(2 ** 70, 'double')).toBe('1180591620717411300000')
    expect(Number(formatSoqlValue(2 ** 70, 'double'))).toBe(2 ** 70)
    expect(formatSoqlValue('2024-01-01T00:00:00Z', 'datetime')).toBe('2024-01-01T00:00:00Z')
    expectError(() => formatSoqlValue('x', 'boolean'), 'INVALID_VALUE')
    expectError(() => formatSoqlValue('x', 'address'), 'INVALID_FIELD')
  })
})

describe('injection attempts', () => {
  const attempts = [
    "' OR Name != '",
    "\\' OR 1=1",
    "x') OR (Id != null",
    "\\\\' OR Id != null --",
    "'; DELETE FROM Contact",
    "%' OR Email LIKE '%",
  ]

  it('keeps hostile values inside one string literal', () => {
    for (const value of attempts) {
      for (const operator of ['=', '!=', 'contains', 'startsWith'] as const) {
        const d = def({ filters: [{ field: 'FirstName', operator, value }], excludeOptedOut: true })
        expectStructure(buildSoql(d, CONTACT).soql, expectedTokens(d, CONTACT))
      }
      const d = def({ filters: [{ field: 'Email', operator: 'in', value: [value, value] }], logic: 'OR' })
      expectStructure(buildSoql(d, CONTACT).soql, expectedTokens(d, CONTACT))
    }
  })

  it('refuses hostile field names', () => {
    for (const field of [
      'Name FROM Contact--',
      'Email,(SELECT Id FROM Contacts)',
      'Email, Id',
      'Email ',
      ' Email',
      'Email--',
      'Email\n',
      'COUNT()',
      'Contact.Email',
    ]) {
      expectError(() => buildSoql(def({ fields: [field] }), CONTACT), 'INVALID_FIELD')
      expectError(() => buildSoql(def({ filters: [{ field, operator: '=', value: 'x' }] }), CONTACT), 'INVALID_FIELD')
    }
  })

  it('ignores describe entries that are not identifiers', () => {
    const poisoned: SObjectDescribe = { name: 'Contact', fields: [...CONTACT.fields, f('Email FROM Lead--', 'string')] }
    expectError(() => buildSoql(def({ fields: ['Email FROM Lead--'] }), poisoned), 'INVALID_FIELD')
  })

  it('keeps a user OR from widening the fixed conditions', () => {
    const d = def({
      filters: [
        { field: 'FirstName', operator: '=', value: 'a' },
        { field: 'FirstName', operator: 'isNotEmpty' },
      ],
      logic: 'OR',
      excludeOptedOut: true,
    })
    expect(buildSoql(d, CONTACT).soql).toBe(
      "SELECT Id, Email FROM Contact WHERE (FirstName = 'a' OR FirstName != null) AND HasOptedOutOfEmail = false",
    )
  })
})

describe('buildEmailInClauses', () => {
  it('chunks so that prefix + clause stays within the limit, and dedupes case-insensitively', () => {
    const prefix = 'SELECT Id, Email FROM Contact WHERE '
    const emails = Array.from({ length: 200 }, (_, k) => `person${k}@example.com`)
    const clauses = buildEmailInClauses([...emails, 'PERSON0@example.com'], 500, prefix)
    expect(clauses.length).toBeGreaterThan(1)
    for (const clause of clauses) expect(prefix.length + clause.length).toBeLessThanOrEqual(500)
    const found = clauses.flatMap((c) =>
      tokenize(c)
        .filter((t) => t.kind === 'string')
        .map((t) => (t as { value: string }).value),
    )
    expect(found).toEqual(emails)
    expect(buildEmailInClauses([], 500)).toEqual([])
    expect(buildEmailInClauses(["o'neil@x.io"], 100)).toEqual(["Email IN ('o\\'neil@x.io')"])
  })

  it('refuses an email that cannot fit, and unrepresentable text', () => {
    expectError(() => buildEmailInClauses(['a'.repeat(100)], 50), 'INVALID_VALUE')
    expectError(() => buildEmailInClauses(['a@b\u0000'], 500), 'INVALID_VALUE')
  })

  it('property: every email appears once, every query fits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 80 }),
        (emails, prefixLength) => {
          const prefix = 'x'.repeat(prefixLength)
          const max = 200
          const clauses = buildEmailInClauses(emails, max, prefix)
          const values: string[] = []
          for (const clause of clauses) {
            expect(prefix.length + clause.length).toBeLessThanOrEqual(max)
            const tokens = tokenize(clause)
            expect(tokens.slice(0, 3).map((t) => t.text)).toEqual(['Email', 'IN', '('])
            expect(tokens[tokens.length - 1].text).toBe(')')
            tokens.slice(3, -1).forEach((t, k) => expect(t.kind).toBe(k % 2 === 0 ? 'string' : 'punct'))
            values.push(...tokens.filter((t) => t.kind === 'string').map((t) => (t as { value: string }).value))
          }
          const seen = new Set<string>()
          expect(values).toEqual(emails.filter((e) => !seen.has(e.toLowerCase()) && seen.add(e.toLowerCase())))
        },
      ),
      { numRuns: 300 },
    )
  })
})

// ---------------------------------------------------------------------------------------
// Property: whatever the user types, the query keeps its structure.
// ---------------------------------------------------------------------------------------

describe('buildSoql: no injection (property)', () => {
  const DANGEROUS = [
    "'",
    '\\',
    '"',
    'OR',
    'AND',
    ')',
    '(',
    '--',
    '\n',
    '\r',
    '\t',
    ' ',
    '%',
    '_',
    ',',
    ';',
    '=',
    '!=',
    'SELECT',
    'FROM',
    'Id',
    'null',
    '/*',
    '*/',
    "\\'",
    '\u0000',
    '\u2028',
    '😀',
    '\ud800',
    '\udc00',
    'é',
    '\b',
    '\f',
  ]
  const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c))
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: fc.constantFrom(...DANGEROUS), maxLength: 12 }),
    fc.string({
      unit: fc.oneof(
        fc.constantFrom(...DANGEROUS),
        loneSurrogate,
        fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }),
      ),
      maxLength: 12,
    }),
  )

  // Text fields the values go into (plus the reference field: IDs have their own rule).
  const TEXT_FIELDS = ['Email', 'FirstName', 'LastName', 'Phone', 'Website__c', 'Title', 'LeadSource']
  const randomCase = (name: string): fc.Arbitrary<string> =>
    fc
      .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
      .map((flags) => [...name].map((c, k) => (flags[k] ? c.toUpperCase() : c.toLowerCase())).join(''))
  const knownField = fc.constantFrom(...TEXT_FIELDS).chain(randomCase)
  const fieldName = fc.oneof({ weight: 8, arbitrary: knownField }, { weight: 1, arbitrary: text })
  const operator = fc.oneof(
    {
      weight: 10,
      arbitrary: fc.constantFrom(
        '=',
        '!=',
        '<',
        '<=',
        '>',
        '>=',
        'contains',
        'startsWith',
        'in',
        'notIn',
        'isEmpty',
        'isNotEmpty',
      ),
    },
    { weight: 1, arbitrary: text },
  )
  const filter = fc
    .record({ field: fieldName, operator, value: text, list: fc.array(text, { minLength: 1, maxLength: 4 }) })
    .map(
      ({ field, operator, value, list }) =>
        ({ field, operator, value: operator === 'in' || operator === 'notIn' ? list : value }) as ConnectionFilter,
    )
  const definition = fc
    .record({
      fields: fc.array(fieldName, { maxLength: 5 }),
      filters: fc.array(filter, { maxLength: 5 }),
      logic: fc.constantFrom<'AND' | 'OR'>('AND', 'OR'),
      excludeOptedOut: fc.boolean(),
      requireEmail: fc.boolean(),
    })
    .map((d) => ({ sobject: 'Contact', ...d }) as ConnectionDefinition)

  const known = (name: string): boolean => CONTACT.fields.some((x) => x.name.toLowerCase() === name.toLowerCase())
  const representable = (s: string): boolean =>
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u0007\u000B\u000E-\u001F\u007F]/.test(s) && !/[\uD800-\uDFFF]/u.test(s) && s.length <= 4000
  /** The reference model of when a definition (text fields only) must be accepted. */
  const acceptable = (d: ConnectionDefinition): boolean =>
    d.fields.every(known) &&
    d.filters.every((x) => {
      if (!TEXT_FIELDS.some((n) => n.toLowerCase() === x.field.toLowerCase())) return false
      if (x.operator === 'isEmpty' || x.operator === 'isNotEmpty') return true
      if (x.operator === 'in' || x.operator === 'notIn') return (x.value as string[]).every(representable)
      if (!['=', '!=', '<', '<=', '>', '>=', 'contains', 'startsWith'].includes(x.operator)) return false
      return representable(x.value as string)
    })

  it('either refuses with SoqlBuildError or keeps exactly the expected structure', () => {
    let accepted = 0
    let refused = 0
    fc.assert(
      fc.property(definition, (d) => {
        let soql: string | undefined
        try {
          soql = buildSoql(d, CONTACT).soql
        } catch (error) {
          expect(error).toBeInstanceOf(SoqlBuildError)
        }
        expect(soql !== undefined).toBe(acceptable(d))
        if (soql === undefined) {
          refused += 1
          return
        }
        accepted += 1
        expectStructure(soql, expectedTokens(d, CONTACT))
      }),
      { numRuns: 3000 },
    )
    // The property says something only if both branches are exercised.
    expect(accepted).toBeGreaterThan(300)
    expect(refused).toBeGreaterThan(300)
  })

  it('each value is one literal that unescapes to the input', () => {
    fc.assert(
      fc.property(
        knownField,
        fc.constantFrom<'=' | 'contains' | 'startsWith'>('=', 'contains', 'startsWith'),
        text,
        (field, op, value) => {
          fc.pre(representable(value))
          const d = def({ filters: [{ field, operator: op, value }] })
          expectStructure(buildSoql(d, CONTACT).soql, expectedTokens(d, CONTACT))
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('numbers are written plainly and read back as the same number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        const text = formatSoqlValue(n, 'double')
        expect(text).toMatch(/^-?\d+(\.\d+)?$/)
        expect(Number(text)).toBe(n === 0 ? 0 : n)
      }),
      { numRuns: 2000 },
    )
  })

  it('datetimes in any offset render to the same instant', () => {
    const instant = fc.date({
      min: new Date('1701-01-01T00:00:00Z'),
      max: new Date('3999-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    fc.assert(
      fc.property(instant, fc.integer({ min: -14 * 60, max: 14 * 60 }), (date, offset) => {
        const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 19)
        const sign = offset < 0 ? '-' : '+'
        const abs = Math.abs(offset)
        const value = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
        const rendered = formatSoqlValue(value, 'datetime')
        expect(rendered).toBe(`${new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().slice(0, 19)}Z`)
      }),
      { numRuns: 1000 },
    )
  })
})
