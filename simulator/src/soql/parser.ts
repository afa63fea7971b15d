// Recursive-descent parser for the SOQL subset the simulator serves:
//   SELECT COUNT() | field, ... FROM object
//   [WHERE condition] [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]
// Conditions: = != <> < <= > >= LIKE IN NOT IN INCLUDES EXCLUDES, AND / OR / NOT, parentheses.
// As in Salesforce, AND and OR cannot be mixed at one level without parentheses.
import { soqlError } from './errors.js'
import type { Token } from './lexer.js'
import { tokenize } from './lexer.js'

export interface FieldRef {
  path: string
  pos: number
}

export type Literal =
  | { kind: 'string'; value: string; likeSource: string; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'boolean'; value: boolean; pos: number }
  | { kind: 'null'; pos: number }
  | { kind: 'date'; value: string; pos: number }
  | { kind: 'datetime'; value: number; pos: number }
  | { kind: 'dateLiteral'; name: string; n: number | null; pos: number }

export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>='

export type Condition =
  | { kind: 'and'; items: Condition[] }
  | { kind: 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'compare'; field: FieldRef; op: ComparisonOp; value: Literal }
  | { kind: 'like'; field: FieldRef; value: Literal }
  | { kind: 'in'; field: FieldRef; negate: boolean; values: Literal[] }
  | { kind: 'includes'; field: FieldRef; negate: boolean; values: Literal[]; pos: number }

export interface OrderItem {
  field: FieldRef
  descending: boolean
  nullsLast: boolean
}

export interface SoqlQuery {
  soql: string
  count: boolean
  fields: FieldRef[]
  object: { name: string; pos: number }
  where: Condition | null
  orderBy: OrderItem[]
  limit: number | null
  offset: number | null
}

const KEYWORDS = new Set([
  'select',
  'from',
  'where',
  'order',
  'by',
  'limit',
  'offset',
  'and',
  'or',
  'not',
  'in',
  'like',
  'asc',
  'desc',
  'nulls',
  'first',
  'last',
  'null',
  'true',
  'false',
  'includes',
  'excludes',
  'group',
  'having',
  'with',
  'for',
  'using',
])

/** SOQL's date literals without a parameter (fiscal ones follow a fiscal year that starts in January). */
export const DATE_LITERALS = new Set([
  'YESTERDAY',
  'TODAY',
  'TOMORROW',
  'LAST_WEEK',
  'THIS_WEEK',
  'NEXT_WEEK',
  'LAST_MONTH',
  'THIS_MONTH',
  'NEXT_MONTH',
  'LAST_90_DAYS',
  'NEXT_90_DAYS',
  'THIS_QUARTER',
  'LAST_QUARTER',
  'NEXT_QUARTER',
  'THIS_YEAR',
  'LAST_YEAR',
  'NEXT_YEAR',
  'THIS_FISCAL_QUARTER',
  'LAST_FISCAL_QUARTER',
  'NEXT_FISCAL_QUARTER',
  'THIS_FISCAL_YEAR',
  'LAST_FISCAL_YEAR',
  'NEXT_FISCAL_YEAR',
])
/** SOQL's date literals that take `:n`. */
export const PARAMETERISED_DATE_LITERALS = new Set([
  'LAST_N_DAYS',
  'NEXT_N_DAYS',
  'N_DAYS_AGO',
  'LAST_N_WEEKS',
  'NEXT_N_WEEKS',
  'N_WEEKS_AGO',
  'LAST_N_MONTHS',
  'NEXT_N_MONTHS',
  'N_MONTHS_AGO',
  'LAST_N_QUARTERS',
  'NEXT_N_QUARTERS',
  'N_QUARTERS_AGO',
  'LAST_N_YEARS',
  'NEXT_N_YEARS',
  'N_YEARS_AGO',
  'LAST_N_FISCAL_QUARTERS',
  'NEXT_N_FISCAL_QUARTERS',
  'N_FISCAL_QUARTERS_AGO',
  'LAST_N_FISCAL_YEARS',
  'NEXT_N_FISCAL_YEARS',
  'N_FISCAL_YEARS_AGO',
])

class Parser {
  private index = 0
  constructor(
    private readonly soql: string,
    private readonly tokens: Token[],
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]
  }

  private next(): Token {
    const t = this.peek()
    if (t.kind !== 'eof') this.index++
    return t
  }

  private isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset)
    return t.kind === 'ident' && t.text.toLowerCase() === word
  }

  private unexpected(t: Token = this.peek()): never {
    if (t.kind === 'eof') throw soqlError(this.soql, t.pos, 'unexpected token: <EOF>')
    throw soqlError(this.soql, t.pos, `unexpected token: ${t.text}`)
  }

  private expectKeyword(word: string): Token {
    if (!this.isKeyword(word)) this.unexpected()
    return this.next()
  }

  private expectPunct(p: string): void {
    const t = this.peek()
    if (t.kind !== 'punct' || t.text !== p) this.unexpected()
    this.next()
  }

  private fieldRef(): FieldRef {
    const t = this.peek()
    if (t.kind !== 'ident' || KEYWORDS.has(t.text.toLowerCase())) this.unexpected()
    this.next()
    return { path: t.text, pos: t.pos }
  }

  parse(): SoqlQuery {
    this.expectKeyword('select')
    let count = false
    const fields: FieldRef[] = []
    if (this.isKeyword('count') && this.peek(1).kind === 'punct' && this.peek(1).text === '(') {
      this.next()
      this.expectPunct('(')
      if (this.peek().kind !== 'punct' || this.peek().text !== ')') {
        throw soqlError(
          this.soql,
          this.peek().pos,
          'Aggregate functions such as COUNT(field) are not supported by the simulator; use COUNT()',
        )
      }
      this.expectPunct(')')
      count = true
    } else {
      fields.push(this.fieldRef())
      while (this.peek().kind === 'punct' && this.peek().text === ',') {
        this.next()
        fields.push(this.fieldRef())
      }
    }
    this.expectKeyword('from')
    const objectToken = this.peek()
    if (objectToken.kind !== 'ident' || objectToken.text.includes('.') || KEYWORDS.has(objectToken.text.toLowerCase()))
      this.unexpected()
    this.next()

    let where: Condition | null = null
    if (this.isKeyword('where')) {
      this.next()
      where = this.condition()
    }
    const orderBy: OrderItem[] = []
    if (this.isKeyword('order')) {
      this.next()
      this.expectKeyword('by')
      do {
        if (orderBy.length > 0) this.next()
        orderBy.push(this.orderItem())
      } while (this.peek().kind === 'punct' && this.peek().text === ',')
    }
    let limit: number | null = null
    if (this.isKeyword('limit')) {
      this.next()
      limit = this.nonNegativeInteger()
    }
    let offset: number | null = null
    if (this.isKeyword('offset')) {
      this.next()
      offset = this.nonNegativeInteger()
    }
    if (this.peek().kind !== 'eof') this.unexpected()
    return {
      soql: this.soql,
      count,
      fields,
      object: { name: objectToken.text, pos: objectToken.pos },
      where,
      orderBy,
      limit,
      offset,
    }
  }

  private nonNegativeInteger(): number {
    const t = this.peek()
    if (t.kind !== 'number' || !Number.isInteger(t.value) || t.value < 0 || /[.+-]/.test(t.text)) this.unexpected()
    this.next()
    return t.value
  }

  private orderItem(): OrderItem {
    const field = this.fieldRef()
    let descending = false
    if (this.isKeyword('asc')) this.next()
    else if (this.isKeyword('desc')) {
      this.next()
      descending = true
    }
    let nullsLast = descending
    if (this.isKeyword('nulls')) {
      this.next()
      if (this.isKeyword('first')) nullsLast = false
      else if (this.isKeyword('last')) nullsLast = true
      else this.unexpected()
      this.next()
    }
    return { field, descending, nullsLast }
  }

  /** condition := unary ((AND unary)+ | (OR unary)+)? — no mixing without parentheses. */
  private condition(): Condition {
    const first = this.unary()
    const t = this.peek()
    if (!this.isKeyword('and') && !this.isKeyword('or')) return first
    const op = t.text.toLowerCase() as 'and' | 'or'
    const items = [first]
    while (this.isKeyword(op)) {
      this.next()
      items.push(this.unary())
    }
    if (this.isKeyword(op === 'and' ? 'or' : 'and')) this.unexpected()
    return { kind: op, items }
  }

  private unary(): Condition {
    if (this.isKeyword('not')) {
      this.next()
      return { kind: 'not', item: this.unary() }
    }
    const t = this.peek()
    if (t.kind === 'punct' && t.text === '(') {
      this.next()
      const inner = this.condition()
      this.expectPunct(')')
      return inner
    }
    return this.comparison()
  }

  private comparison(): Condition {
    const field = this.fieldRef()
    const t = this.peek()
    if (t.kind === 'op') {
      this.next()
      const op = (t.text === '<>' ? '!=' : t.text) as ComparisonOp
      return { kind: 'compare', field, op, value: this.literal() }
    }
    if (this.isKeyword('like')) {
      this.next()
      return { kind: 'like', field, value: this.literal() }
    }
    if (this.isKeyword('includes') || this.isKeyword('excludes')) {
      const keyword = this.next()
      this.expectPunct('(')
      const values = [this.literal()]
      while (this.peek().kind === 'punct' && this.peek().text === ',') {
        this.next()
        values.push(this.literal())
      }
      this.expectPunct(')')
      return { kind: 'includes', field, negate: keyword.text.toLowerCase() === 'excludes', values, pos: keyword.pos }
    }
    let negate = false
    if (this.isKeyword('not') && this.isKeyword('in', 1)) {
      this.next()
      negate = true
    }
    if (this.isKeyword('in')) {
      this.next()
      this.expectPunct('(')
      if (this.isKeyword('select')) {
        throw soqlError(this.soql, this.peek().pos, 'Semi-join sub-selects are not supported by the simulator')
      }
      const values = [this.literal()]
      while (this.peek().kind === 'punct' && this.peek().text === ',') {
        this.next()
        values.push(this.literal())
      }
      this.expectPunct(')')
      return { kind: 'in', field, negate, values }
    }
    return this.unexpected()
  }

  private literal(): Literal {
    const t = this.next()
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: t.value, likeSource: t.likeSource, pos: t.pos }
      case 'number':
        return { kind: 'number', value: t.value, pos: t.pos }
      case 'date':
        return { kind: 'date', value: t.value, pos: t.pos }
      case 'datetime':
        return { kind: 'datetime', value: t.value, pos: t.pos }
      case 'ident': {
        const word = t.text.toUpperCase()
        if (word === 'NULL') return { kind: 'null', pos: t.pos }
        if (word === 'TRUE' || word === 'FALSE') return { kind: 'boolean', value: word === 'TRUE', pos: t.pos }
        if (DATE_LITERALS.has(word)) return { kind: 'dateLiteral', name: word, n: null, pos: t.pos }
        if (PARAMETERISED_DATE_LITERALS.has(word)) {
          const colon = this.peek()
          if (colon.kind !== 'punct' || colon.text !== ':') this.unexpected()
          this.next()
          const n = this.nonNegativeInteger()
          return { kind: 'dateLiteral', name: word, n, pos: t.pos }
        }
        return this.unexpected(t)
      }
      default:
        return this.unexpected(t)
    }
  }
}

export function parseSoql(soql: string): SoqlQuery {
  return new Parser(soql, tokenize(soql)).parse()
}
