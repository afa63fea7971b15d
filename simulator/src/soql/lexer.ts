// SOQL tokenizer. Hand-written: no maintained SOQL parser package is installed, and the
// subset is small; keeping it explicit makes the error positions match Salesforce's.
import { soqlError } from './errors.js'

export type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'string'; text: string; value: string; likeSource: string; pos: number }
  | { kind: 'number'; text: string; value: number; pos: number }
  | { kind: 'date'; text: string; value: string; pos: number }
  | { kind: 'datetime'; text: string; value: number; pos: number }
  | { kind: 'op'; text: string; pos: number }
  | { kind: 'punct'; text: string; pos: number }
  | { kind: 'eof'; text: ''; pos: number }

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})/
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?![\dT])/
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)/
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/
const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

function validDate(y: string, m: string, d: string): boolean {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)))
  return date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d)
}

function readString(soql: string, start: number): { token: Token; end: number } {
  let value = ''
  let like = ''
  let i = start + 1
  while (i < soql.length) {
    const c = soql[i]
    if (c === "'") {
      return {
        token: { kind: 'string', text: soql.slice(start, i + 1), value, likeSource: like, pos: start },
        end: i + 1,
      }
    }
    if (c === '\\') {
      const next = soql[i + 1]
      if (next === undefined) break
      const lower = next.toLowerCase()
      if (next === '%' || next === '_') {
        value += next
        like += escapeRegex(next)
        i += 2
      } else if (lower in SIMPLE_ESCAPES && (next === lower || 'nrtbf'.includes(lower))) {
        const ch = SIMPLE_ESCAPES[lower]
        value += ch
        like += escapeRegex(ch)
        i += 2
      } else if (lower === 'u' && /^[0-9a-fA-F]{4}$/.test(soql.slice(i + 2, i + 6))) {
        const ch = String.fromCharCode(parseInt(soql.slice(i + 2, i + 6), 16))
        value += ch
        like += escapeRegex(ch)
        i += 6
      } else {
        throw soqlError(
          soql,
          i,
          `Invalid string literal '${soql.slice(start + 1, i + 2)}'. Illegal escape sequence '\\${next}'`,
        )
      }
      continue
    }
    value += c
    like += c === '%' ? '.*' : c === '_' ? '.' : escapeRegex(c)
    i++
  }
  throw soqlError(soql, start, `line 1:${start} mismatched character '<EOF>' expecting '''`)
}

export function tokenize(soql: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < soql.length) {
    const c = soql[i]
    if (/\s/.test(c)) {
      i++
      continue
    }
    const rest = soql.slice(i)
    if (c === "'") {
      const { token, end } = readString(soql, i)
      tokens.push(token)
      i = end
      continue
    }
    let m = DATETIME.exec(rest)
    if (m) {
      if (!validDate(m[1], m[2], m[3]) || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) {
        throw soqlError(soql, i, `line 1:${i} no viable alternative at character '${m[0]}'`)
      }
      const tz = m[8] === 'Z' ? 'Z' : m[8].replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2')
      const value = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${(m[7] ?? '').slice(0, 4)}${tz}`)
      tokens.push({ kind: 'datetime', text: m[0], value, pos: i })
      i += m[0].length
      continue
    }
    m = DATE.exec(rest)
    if (m) {
      if (!validDate(m[1], m[2], m[3]))
        throw soqlError(soql, i, `line 1:${i} no viable alternative at character '${m[0]}'`)
      tokens.push({ kind: 'date', text: m[0], value: m[0], pos: i })
      i += m[0].length
      continue
    }
    m = NUMBER.exec(rest)
    if (m && (c !== '+' && c !== '-' ? true : /\d|\./.test(rest[1] ?? ''))) {
      tokens.push({ kind: 'number', text: m[0], value: Number(m[0]), pos: i })
      i += m[0].length
      continue
    }
    m = IDENT.exec(rest)
    if (m) {
      tokens.push({ kind: 'ident', text: m[0], pos: i })
      i += m[0].length
      continue
    }
    const two = rest.slice(0, 2)
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'op', text: two, pos: i })
      i += 2
      continue
    }
    if (c === '=' || c === '<' || c === '>') {
      tokens.push({ kind: 'op', text: c, pos: i })
      i++
      continue
    }
    if (c === '(' || c === ')' || c === ',' || c === ':') {
      tokens.push({ kind: 'punct', text: c, pos: i })
      i++
      continue
    }
    throw soqlError(soql, i, `line 1:${i} no viable alternative at character '${c}'`)
  }
  tokens.push({ kind: 'eof', text: '', pos: soql.length })
  return tokens
}
