import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  csvField,
  csvHeader,
  csvRow,
  fieldValue,
  recordFormatter,
  toNdjsonLine,
  type SalesforceRecord,
} from '../../server/src/connections/record-format.js'

/**
 * A small, strict RFC 4180 parser: the oracle for the round trip. CRLF ends a record;
 * a quoted field may hold anything with quotes doubled; anything else is an error.
 */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let i = 0
  if (text === '') return rows
  for (;;) {
    let field = ''
    if (text[i] === '"') {
      i += 1
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field')
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"'
            i += 2
            continue
          }
          i += 1
          break
        }
        field += text[i]
        i += 1
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') throw new Error(`bare quote at ${i}`)
        field += text[i]
        i += 1
      }
    }
    row.push(field)
    if (text[i] === ',') {
      i += 1
      continue
    }
    if (text.startsWith('\r\n', i)) {
      rows.push(row)
      row = []
      i += 2
      if (i === text.length) return rows
      continue
    }
    throw new Error(`expected "," or CRLF at ${i}, found ${JSON.stringify(text[i])}`)
  }
}

const CONTACT_RECORD: SalesforceRecord = {
  attributes: { type: 'Contact', url: '/services/data/v62.0/sobjects/Contact/003000000000001AAA' },
  Id: '003000000000001AAA',
  Email: 'ann@example.com',
  FirstName: 'Ann',
  LastName: 'O"Neil, Jr.',
  Title: 'line 1\nline 2',
  DoNotCall: false,
  Score__c: 12.5,
  Phone: null,
  Account: {
    attributes: { type: 'Account', url: '/x' },
    Name: 'Acme, Inc.',
    Owner: { attributes: { type: 'User' }, Email: 'owner@acme.com' },
  },
  MailingAddress: { city: 'Paris', country: 'FR', street: null },
}

describe('fieldValue', () => {
  it('resolves dotted relationship paths and tolerates missing steps', () => {
    expect(fieldValue(CONTACT_RECORD, 'Email')).toBe('ann@example.com')
    expect(fieldValue(CONTACT_RECORD, 'Account.Name')).toBe('Acme, Inc.')
    expect(fieldValue(CONTACT_RECORD, 'Account.Owner.Email')).toBe('owner@acme.com')
    expect(fieldValue(CONTACT_RECORD, 'account.owner.email')).toBe('owner@acme.com')
    expect(fieldValue(CONTACT_RECORD, 'Phone')).toBeNull()
    expect(fieldValue(CONTACT_RECORD, 'Missing__c')).toBeNull()
    expect(fieldValue(CONTACT_RECORD, 'Account.Missing.Email')).toBeNull()
    expect(fieldValue(CONTACT_RECORD, 'Email.Length')).toBeNull()
    expect(fieldValue({ Contact: null }, 'Contact.Email')).toBeNull()
    expect(fieldValue(null, 'Email')).toBeNull()
  })

  it('drops attributes from nested objects', () => {
    expect(fieldValue(CONTACT_RECORD, 'Account')).toEqual({ Name: 'Acme, Inc.', Owner: { Email: 'owner@acme.com' } })
  })
})

describe('toNdjsonLine', () => {
  it('writes the requested fields, in order, without attributes', () => {
    const line = toNdjsonLine(CONTACT_RECORD, [
      'LastName',
      'Id',
      'Account.Name',
      'Phone',
      'Title',
      'DoNotCall',
      'Score__c',
      'Nope__c',
    ])
    expect(line).toBe(
      '{"LastName":"O\\"Neil, Jr.","Id":"003000000000001AAA","Account.Name":"Acme, Inc.","Phone":null,"Title":"line 1\\nline 2","DoNotCall":false,"Score__c":12.5,"Nope__c":null}\n',
    )
    expect(line).not.toContain('attributes')
  })

  it('keeps compound values, minus attributes', () => {
    expect(toNdjsonLine(CONTACT_RECORD, ['MailingAddress'])).toBe(
      '{"MailingAddress":{"city":"Paris","country":"FR","street":null}}\n',
    )
  })

  it('writes a "__proto__" field as a plain key', () => {
    expect(toNdjsonLine({ ['__proto__']: 'x' } as SalesforceRecord, ['__proto__'])).toBe('{"__proto__":"x"}\n')
    expect(toNdjsonLine({}, ['__proto__'])).toBe('{"__proto__":null}\n')
  })

  it('keeps the requested order even for keys an object would reorder', () => {
    expect(toNdjsonLine({ b: 1, 10: 2, a: 3 }, ['b', '10', 'a'])).toBe('{"b":1,"10":2,"a":3}\n')
  })

  it('writes values JSON cannot hold as null', () => {
    expect(toNdjsonLine({ f: () => 1, s: Symbol('x') }, ['f', 's'])).toBe('{"f":null,"s":null}\n')
  })
})

describe('CSV', () => {
  it('writes RFC 4180 rows with CRLF', () => {
    const fields = ['Id', 'LastName', 'Account.Name', 'Title', 'Phone', 'DoNotCall', 'Score__c']
    expect(csvHeader(fields)).toBe('Id,LastName,Account.Name,Title,Phone,DoNotCall,Score__c\r\n')
    expect(csvRow(CONTACT_RECORD, fields)).toBe(
      '003000000000001AAA,"O""Neil, Jr.","Acme, Inc.","line 1\nline 2",,false,12.5\r\n',
    )
  })

  it('quotes only what needs quoting', () => {
    expect(csvField('plain text')).toBe('plain text')
    expect(csvField(' spaced ')).toBe(' spaced ')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('cr\ronly')).toBe('"cr\ronly"')
    expect(csvField('lf\nonly')).toBe('"lf\nonly"')
    expect(csvField('')).toBe('')
    expect(csvField(null)).toBe('')
    expect(csvField(undefined)).toBe('')
    expect(csvField(0)).toBe('0')
    expect(csvField(true)).toBe('true')
    expect(csvField({ city: 'Paris, FR' })).toBe('"{""city"":""Paris, FR""}"')
  })

  it("neutralises text that a spreadsheet would run as a formula with a leading ' (OWASP)", () => {
    expect(csvField('=1+1')).toBe("'=1+1")
    expect(csvField('+33 1 23')).toBe("'+33 1 23")
    expect(csvField('-5')).toBe("'-5")
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvField('\tx')).toBe("'\tx")
    expect(csvField('\r=cmd')).toBe('"\'\r=cmd"')
    expect(csvField('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"')
    // Not at the start, or not text: untouched.
    for (const value of ['a=1', ' =1', "'=1", 'x@y.z']) expect(csvField(value)).toBe(value)
    expect(csvField(-5)).toBe('-5')
    expect(csvField(-0.5)).toBe('-0.5')
  })

  it('recordFormatter gives the route what it needs', () => {
    const csv = recordFormatter('csv', ['Id', 'Email'])
    expect(csv.contentType).toMatch(/^text\/csv/)
    expect(csv.header + csv.row(CONTACT_RECORD)).toBe('Id,Email\r\n003000000000001AAA,ann@example.com\r\n')
    const ndjson = recordFormatter('ndjson', ['Id'])
    expect(ndjson.contentType).toMatch(/^application\/x-ndjson/)
    expect(ndjson.header).toBe('')
    expect(ndjson.row(CONTACT_RECORD)).toBe('{"Id":"003000000000001AAA"}\n')
  })
})

describe('round trips (property)', () => {
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.string({
      unit: fc.constantFrom(',', '"', '\r', '\n', '\r\n', ' ', 'a', 'é', '😀', '=', '\u2028'),
      maxLength: 10,
    }),
  )
  const scalar = fc.oneof(
    text,
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
  )
  const fieldNames = fc.uniqueArray(
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }).filter((s) => !s.includes('.')),
    { minLength: 1, maxLength: 6 },
  )
  const recordFor = (fields: string[]): fc.Arbitrary<Record<string, unknown>> =>
    fc
      .tuple(...fields.map(() => scalar))
      .map((values) =>
        Object.fromEntries([['attributes', { type: 'Contact' }], ...fields.map((f, k) => [f, values[k]])]),
      )
  const tableOf = (names: fc.Arbitrary<string[]>): fc.Arbitrary<[string[], Record<string, unknown>[]]> =>
    names.chain((fields) => fc.tuple(fc.constant(fields), fc.array(recordFor(fields), { maxLength: 5 })))
  const table = tableOf(fieldNames)
  // JSON.parse rebuilds an object, which puts integer-like keys first: use Salesforce-like names to check order.
  const apiNames = fc.uniqueArray(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,11}$/), {
    minLength: 1,
    maxLength: 6,
    selector: (s) => s.toLowerCase(),
  })

  /** The exact text a value should come back as (text starting like a formula gets a leading '). */
  const asCsvText = (v: unknown): string =>
    v === null || v === undefined ? '' : typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v)

  it('CSV parses back to the same header and values', () => {
    fc.assert(
      fc.property(table, ([fields, records]) => {
        const csv = csvHeader(fields) + records.map((r) => csvRow(r, fields)).join('')
        const rows = parseCsv(csv)
        expect(rows[0]).toEqual(fields.map(asCsvText))
        expect(rows.slice(1)).toEqual(records.map((r) => fields.map((f) => asCsvText(r[f]))))
      }),
      { numRuns: 1000 },
    )
  })

  it('NDJSON lines parse back to the requested fields, one line per record', () => {
    fc.assert(
      fc.property(tableOf(apiNames), ([fields, records]) => {
        const body = records.map((r) => toNdjsonLine(r, fields)).join('')
        const lines = body.split('\n')
        expect(lines.pop()).toBe('')
        expect(lines).toHaveLength(records.length)
        lines.forEach((line, k) => {
          const parsed = JSON.parse(line)
          expect(Object.keys(parsed)).toEqual(fields)
          // JSON has no -0; everything else comes back as it went in.
          expect(parsed).toEqual(
            Object.fromEntries(fields.map((f) => [f, Object.is(records[k][f], -0) ? 0 : records[k][f]])),
          )
        })
      }),
      { numRuns: 1000 },
    )
  })
})
