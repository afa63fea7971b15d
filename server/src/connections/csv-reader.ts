/**
 * An incremental CSV reader for Bulk API 2.0 query results: text goes in chunk by chunk as it
 * arrives from the socket, complete rows come out, and only the unfinished row is carried over,
 * so a page of any size is read in constant memory.
 *
 * RFC 4180 as Salesforce writes it: cells quoted or not, quotes doubled inside quoted cells,
 * line breaks (LF or CRLF) inside quoted cells kept, rows ended by LF or CRLF. A quoted empty
 * cell and an unquoted empty cell both read as ''. Pure and synchronous; hand-written because it
 * sits on the pull's hot path (a million rows) and needs nothing a library would add.
 */

const QUOTE = 0x22
const LF = 0x0a
const CR = 0x0d

export class CsvFormatError extends Error {
  override readonly name = 'CsvFormatError'
}

export interface CsvReader {
  /**
   * Adds text; yields the rows it completes (possibly none), one at a time, so only the row in
   * hand is alive while the caller waits. Iterate it to the end before the next push.
   */
  push(text: string): Iterable<string[]>
  /** The input is over: yields the last row if it had no line break; throws on an unfinished quoted cell. */
  end(): Iterable<string[]>
}

export function createCsvReader(delimiter = ','): CsvReader {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r')
    throw new Error(`unusable CSV delimiter ${JSON.stringify(delimiter)}`)
  const delim = delimiter.charCodeAt(0)
  /** Text of the row not finished yet (from its first character). */
  let pending = ''

  /**
   * Reads as many whole rows of `text` as it holds. With `final`, the text is all there is: a
   * last row without a line break counts, and a quote at the very end closes its cell.
   */
  function* read(text: string, final: boolean): Generator<string[], void, undefined> {
    const n = text.length
    let rowStart = 0
    let i = 0
    let row: string[] = []
    outer: while (i < n) {
      // One cell starting at i.
      let cell: string
      if (i < n && text.charCodeAt(i) === QUOTE) {
        let parts = ''
        let from = i + 1
        for (;;) {
          const q = text.indexOf('"', from)
          if (q === -1) {
            if (final) throw new CsvFormatError('unterminated quoted cell at the end of the results')
            break outer
          }
          if (q + 1 < n && text.charCodeAt(q + 1) === QUOTE) {
            parts += text.slice(from, q + 1)
            from = q + 2
            continue
          }
          // A quote as the last character might be the first of a doubled pair: wait for more.
          if (q + 1 >= n && !final) break outer
          cell = parts + text.slice(from, q)
          i = q + 1
          break
        }
      } else {
        let j = i
        while (j < n) {
          const c = text.charCodeAt(j)
          if (c === delim || c === LF || c === CR) break
          if (c === QUOTE) throw new CsvFormatError(`a quote inside an unquoted cell at character ${j}`)
          j++
        }
        if (j >= n && !final) break outer
        cell = text.slice(i, j)
        i = j
      }
      row.push(cell!)
      // What ends the cell: a delimiter, a line end, or the end of the text.
      if (i >= n) {
        if (!final) break
        pending = ''
        yield row
        return
      }
      const c = text.charCodeAt(i)
      if (c === delim) {
        i++
        // A delimiter as the last character: one more (empty) cell follows.
        if (i >= n && final) {
          row.push('')
          pending = ''
          yield row
          return
        }
        continue
      }
      if (c === CR) {
        if (i + 1 >= n && !final) break
        i += i + 1 < n && text.charCodeAt(i + 1) === LF ? 2 : 1
      } else if (c === LF) {
        i++
      } else {
        throw new CsvFormatError(`unexpected character after a quoted cell at character ${i}`)
      }
      const done = row
      row = []
      rowStart = i
      yield done
    }
    pending = text.slice(rowStart)
  }

  return {
    push(text) {
      return read(pending.length > 0 ? pending + text : text, false)
    },
    end() {
      const text = pending
      pending = ''
      return read(text, true)
    },
  }
}
