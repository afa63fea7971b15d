// The SOQL subset: parser errors as Salesforce words them, and query semantics over HTTP.
import { Connection } from 'jsforce'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSalesforceSimulator, type SalesforceSimulator } from '../src/index.js'
import { SoqlError } from '../src/soql/errors.js'
import { parseSoql } from '../src/soql/parser.js'

const NOW = Date.parse('2025-03-15T12:00:00Z')
let sim: SalesforceSimulator
let conn: Connection
const ids: Record<string, string> = {}

function soqlErrorOf(soql: string): SoqlError {
  try {
    parseSoql(soql)
  } catch (err) {
    if (err instanceof SoqlError) return err
    throw err
  }
  throw new Error(`parsed: ${soql}`)
}

const lastNames = async (where: string, order = 'ORDER BY LastName') =>
  (await conn.query<{ LastName: string }>(`SELECT LastName FROM Contact WHERE ${where} ${order}`)).records.map(
    (r) => r.LastName,
  )

beforeAll(async () => {
  sim = await createSalesforceSimulator({ now: () => NOW, data: { contacts: 0, leads: 400, campaigns: 0 } })
  const rows = [
    { LastName: "O'Brien", Email: 'obrien@example.com', Title: 'Back\\slash' },
    { LastName: 'Percent', Email: 'percent@example.com', Title: '100% sure' },
    { LastName: 'Under', Email: 'under@example.com', Title: 'snake_case', HasOptedOutOfEmail: true },
    { LastName: 'Null', Email: null, Title: null },
    { LastName: 'Quote', Email: 'quote@example.com', Title: 'say "hi"\nthere', FirstName: 'Zed' },
  ]
  for (const row of rows) ids[row.LastName] = sim.control.insertRecord('Contact', row).Id as string
  const [ada] = sim.control.users()
  conn = new Connection({ loginUrl: sim.url, version: '62.0' })
  await conn.login(ada.username, ada.password + ada.securityToken)
})

afterAll(() => sim.close())

describe('parser errors', () => {
  it('points at the unexpected token like Salesforce', () => {
    const error = soqlErrorOf('SELECT Id FROMM Contact')
    expect(error.errorCode).toBe('MALFORMED_QUERY')
    expect(error.message).toBe(
      '\nSELECT Id FROMM Contact\n          ^\nERROR at Row:1:Column:11\nunexpected token: FROMM',
    )
  })

  it('refuses AND and OR mixed without parentheses', () => {
    expect(soqlErrorOf("SELECT Id FROM Contact WHERE LastName = 'a' AND Title = 'b' OR Email = 'c'").message).toMatch(
      /unexpected token: OR$/,
    )
    expect(() =>
      parseSoql("SELECT Id FROM Contact WHERE LastName = 'a' AND (Title = 'b' OR Email = 'c')"),
    ).not.toThrow()
  })

  it('refuses illegal escapes, unterminated strings, negative limits and a trailing WHERE', () => {
    expect(soqlErrorOf("SELECT Id FROM Contact WHERE LastName = 'a\\x'").message).toMatch(
      /Illegal escape sequence '\\x'/,
    )
    expect(soqlErrorOf("SELECT Id FROM Contact WHERE LastName = 'abc").errorCode).toBe('MALFORMED_QUERY')
    expect(soqlErrorOf('SELECT Id FROM Contact LIMIT -1').message).toMatch(/unexpected token: -1/)
    expect(soqlErrorOf('SELECT Id FROM Contact WHERE').message).toMatch(/unexpected token: <EOF>/)
    expect(soqlErrorOf('SELECT FROM Contact').message).toMatch(/Column:8\nunexpected token: FROM$/)
  })

  it('parses keywords in any case, COUNT(), IN lists, date literals and ORDER BY options', () => {
    const q = parseSoql(
      "select count() from Contact where CreatedDate = LAST_N_DAYS:7 and LastName not in ('a','b') order by LastName desc nulls first limit 10 offset 5",
    )
    expect(q).toMatchObject({ count: true, limit: 10, offset: 5, orderBy: [{ descending: true, nullsLast: false }] })
  })
})

describe('query semantics', () => {
  it('applies SOQL string escapes', async () => {
    expect(await lastNames("LastName = 'O\\'Brien'")).toEqual(["O'Brien"])
    expect(await lastNames("Title = 'Back\\\\slash'")).toEqual(["O'Brien"])
    expect(await lastNames('Title = \'say \\"hi\\"\\nthere\'')).toEqual(['Quote'])
  })

  it('treats % and _ as wildcards in LIKE unless escaped', async () => {
    expect(await lastNames("Title LIKE '100\\% sure'")).toEqual(['Percent'])
    expect(await lastNames("Title LIKE '100\\%'")).toEqual([])
    expect(await lastNames("Title LIKE '100%'")).toEqual(['Percent'])
    expect(await lastNames("Title LIKE '%\\_%'")).toEqual(['Under'])
    expect(await lastNames("Title LIKE 's_ake%'")).toEqual(['Under'])
    expect(await lastNames("Email LIKE '%@EXAMPLE.com'")).toEqual(["O'Brien", 'Percent', 'Quote', 'Under'])
  })

  it('compares text case-insensitively and handles null and booleans', async () => {
    expect(await lastNames("Email = 'UNDER@example.com'")).toEqual(['Under'])
    expect(await lastNames('Email = null')).toEqual(['Null'])
    expect(await lastNames('Email != null')).toEqual(["O'Brien", 'Percent', 'Quote', 'Under'])
    expect(await lastNames("Title != 'snake_case'")).toEqual(['Null', "O'Brien", 'Percent', 'Quote'])
    expect(await lastNames('HasOptedOutOfEmail = TRUE')).toEqual(['Under'])
    expect(await lastNames('HasOptedOutOfEmail != true')).toEqual(['Null', "O'Brien", 'Percent', 'Quote'])
  })

  it('supports IN, NOT IN, NOT, AND, OR and parentheses', async () => {
    expect(await lastNames("LastName IN ('under', 'NULL')")).toEqual(['Null', 'Under'])
    expect(await lastNames("LastName NOT IN ('under', 'NULL')")).toEqual(["O'Brien", 'Percent', 'Quote'])
    expect(await lastNames("(LastName = 'Under' OR LastName = 'Null') AND HasOptedOutOfEmail = false")).toEqual([
      'Null',
    ])
    expect(await lastNames("NOT LastName = 'Under' AND NOT (Email = null OR Title LIKE '%sure')")).toEqual([
      "O'Brien",
      'Quote',
    ])
  })

  it('matches IDs in 15- and 18-character form', async () => {
    const id = ids.Percent
    expect(await lastNames(`Id = '${id.slice(0, 15)}'`)).toEqual(['Percent'])
    expect(await lastNames(`Id IN ('${id}', '${ids.Under}')`)).toEqual(['Percent', 'Under'])
  })

  it('filters on datetimes with literals, TODAY and LAST_N_DAYS', async () => {
    expect(await lastNames('CreatedDate = TODAY')).toHaveLength(5)
    expect(await lastNames('CreatedDate = YESTERDAY')).toEqual([])
    expect(await lastNames('CreatedDate > TODAY')).toEqual([])
    expect(
      await lastNames('CreatedDate >= 2025-03-15T00:00:00Z AND CreatedDate < 2025-03-15T12:00:01.000+00:00'),
    ).toHaveLength(5)
    expect(await lastNames('CreatedDate < 2025-03-15T11:59:59Z')).toEqual([])

    const leads = sim.control.records('Lead', { limit: 1000 }) as { CreatedDate: string }[]
    const from = Date.parse('2025-03-15T00:00:00Z') - 90 * 86_400_000
    const expected = leads.filter((l) => Date.parse(l.CreatedDate.replace('+0000', 'Z')) >= from).length
    expect(expected).toBeGreaterThan(0)
    const { totalSize } = await conn.query('SELECT COUNT() FROM Lead WHERE CreatedDate = LAST_N_DAYS:90')
    expect(totalSize).toBe(expected)
  })

  it('orders with ASC/DESC and NULLS FIRST/LAST, then applies OFFSET and LIMIT', async () => {
    const titles = (
      await conn.query<{ Title: string | null }>('SELECT Title FROM Contact ORDER BY Title NULLS LAST')
    ).records.map((r) => r.Title)
    expect(titles).toEqual(['100% sure', 'Back\\slash', 'say "hi"\nthere', 'snake_case', null])
    expect(await lastNames("LastName != 'x'", 'ORDER BY LastName DESC LIMIT 2 OFFSET 1')).toEqual(['Quote', 'Percent'])
    expect(await lastNames("LastName != 'x'", 'ORDER BY FirstName ASC NULLS LAST, LastName DESC LIMIT 2')).toEqual([
      'Quote',
      'Under',
    ])
  })

  it('answers COUNT() with totalSize and no records', async () => {
    const result = await conn.query("SELECT COUNT() FROM Contact WHERE Email LIKE '%example.com'")
    expect(result).toMatchObject({ totalSize: 4, done: true, records: [] })
  })

  it('returns canonical field names whatever the case in the query, and parent fields', async () => {
    const result = await conn.query<any>("select id, lastname, owner.name from contact where lastname = 'quote'")
    expect(Object.keys(result.records[0])).toEqual(['attributes', 'Id', 'LastName', 'Owner'])
    expect(result.records[0].Owner).toMatchObject({ attributes: { type: 'User' }, Name: 'Ada Lovelace' })
  })

  it('reports type mismatches and unknown names with Salesforce’s codes', async () => {
    const cases: [string, string][] = [
      ["SELECT Id FROM Contact WHERE HasOptedOutOfEmail = 'true'", 'INVALID_FIELD'],
      ['SELECT Id FROM Contact WHERE LastName = 5', 'INVALID_FIELD'],
      ["SELECT Id FROM Contact WHERE Id = 'abc'", 'INVALID_QUERY_FILTER_OPERATOR'],
      ['SELECT Id FROM Contact WHERE CreatedDate > 2024-01-01', 'INVALID_FIELD'],
      ['SELECT Id FROM Contact WHERE HasOptedOutOfEmail LIKE true', 'INVALID_QUERY_FILTER_OPERATOR'],
      ['SELECT Id FROM Contacts', 'INVALID_TYPE'],
      ['SELECT Id, Foo.Name FROM Contact', 'INVALID_FIELD'],
      ['SELECT Id, Id FROM Contact', 'MALFORMED_QUERY'],
    ]
    for (const [soql, errorCode] of cases) {
      await expect(conn.query(soql), soql).rejects.toMatchObject({ errorCode })
    }
  })
})
