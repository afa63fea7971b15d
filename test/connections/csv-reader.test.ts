import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { CsvFormatError, createCsvReader } from '../../server/src/connections/csv-reader.js'
import { bulkCellConverter } from '../../server/src/connections/record-format.js'

/** Writes rows as Salesforce does (every cell quoted) or minimally quoted, with LF or CRLF. */
function writeCsv(rows: string[][], opts: { quoteAll: boolean; crlf: boolean }): string {
  const cell = (text: string) =>
    opts.quoteAll || /[",\r\n]/.test(text) || text === '' ? `"${text.replace(/"/g, '""')}"` : text
  return rows.map((r) => r.map(cell).join(',') + (opts.crlf ? '\r\n' : '\n')).join('')
}

/** Feeds text cut at the given positions. */
function readInPieces(text: string, cuts: number[]): string[][] {
  const reader = createCsvReader(',')
  const rows: string[][] = []
  let from = 0
  for (const cut of [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)) {
    rows.push(...reader.push(text.slice(from, cut)))
    from = cut
  }
  rows.push(...reader.push(text.slice(from)))
  rows.push(...reader.end())
  return rows
}

describe('createCsvReader', () => {
  it('reads quoted cells with doubled quotes, delimiters and line breaks inside', () => {
    const text = '"Id","Note"\n"1","say ""hi"", then\nleave"\n"2",""\n'
    expect(readInPieces(text, [])).toEqual([
      ['Id', 'Note'],
      ['1', 'say "hi", then\nleave'],
      ['2', ''],
    ])
  })

  it('gives the same rows however the text is cut into chunks (also one character at a time)', () => {
    const text = '"a","b""c"\r\n"",x\r\n"é\r\n",\r\n'
    const expected = [
      ['a', 'b"c'],
      ['', 'x'],
      ['é\r\n', ''],
    ]
    expect(readInPieces(text, [])).toEqual(expected)
    expect(
      readInPieces(
        text,
        Array.from({ length: text.length }, (_, i) => i),
      ),
    ).toEqual(expected)
  })

  it('round-trips any rows, cut anywhere (property)', () => {
    const cellText = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\n', '\r', 'é', '=', '\t') })
    fc.assert(
      fc.property(
        fc.array(fc.array(cellText, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        (rows, quoteAll, crlf, cuts) => {
          expect(readInPieces(writeCsv(rows, { quoteAll, crlf }), cuts)).toEqual(rows)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('a last row without a line break still counts; an unfinished quoted cell is an error', () => {
    expect(readInPieces('"a","b"\n"c","d"', [3])).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ])
    const reader = createCsvReader(',')
    expect([...reader.push('"a","b')]).toEqual([])
    expect(() => [...reader.end()]).toThrow(CsvFormatError)
    expect(() => [...createCsvReader(',').push('ab"c\n')]).toThrow(CsvFormatError)
  })
})

describe('bulkCellConverter: Bulk API text back to REST values', () => {
  it('types booleans, numbers and datetimes as REST does; empty cells are null', () => {
    expect(bulkCellConverter('boolean')('true')).toBe(true)
    expect(bulkCellConverter('boolean')('false')).toBe(false)
    expect(bulkCellConverter('boolean')('')).toBeNull()
    expect(bulkCellConverter('double')('12.5')).toBe(12.5)
    expect(bulkCellConverter('currency')('-3')).toBe(-3)
    expect(bulkCellConverter('int')('')).toBeNull()
    expect(bulkCellConverter('datetime')('2025-01-31T09:15:00.000Z')).toBe('2025-01-31T09:15:00.000+0000')
    expect(bulkCellConverter('date')('2025-01-31')).toBe('2025-01-31')
    expect(bulkCellConverter('string')('')).toBeNull()
    expect(bulkCellConverter('string')('=1+1')).toBe('=1+1')
  })
})
