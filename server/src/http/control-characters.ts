/**
 * Control characters (U+0000–U+001F and U+007F) are refused in every JSON body, query string
 * and path parameter, before schema validation: 400 INVALID_CHARACTERS naming the field and
 * the rule. Postgres refuses NUL in text and in jsonb, so without this a NUL in a login email,
 * a name or a filter answered 500; the other control characters have no place in names,
 * emails or identifiers either (they hide text in logs and lists).
 *
 * Fields that may legitimately hold tab, LF or CR (a filter value matched against a
 * multi-line Salesforce field) are listed by the route in `config.lineBreaksAllowed`, as
 * dotted paths where `*` stands for one array index or key: `filters.*.value`.
 *
 * A hook rather than a `pattern` on each schema string: every field of every route is
 * covered, including fields added later, and keys too.
 */
import type { FastifyInstance } from 'fastify'
import { AppError } from '../errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    lineBreaksAllowed?: string[]
    /**
     * The route reads one body field and refuses it unless every character is in a strict
     * alphabet (POST /canvas: the signed request is base64url, checked in
     * canvas/signed-request.ts before anything else), and ignores and never stores the rest:
     * the body scan would only repeat that check. Path and query are still checked.
     */
    bodyCheckedByRoute?: boolean
  }
}

/* eslint-disable no-control-regex -- control characters are what this module looks for */
const CONTROL = /[\u0000-\u001f\u007f]/
const CONTROL_EXCEPT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/
const CONTROL_ALL = /[\u0000-\u001f\u007f]/g
/* eslint-enable no-control-regex */

function matches(pattern: string[], path: string[]): boolean {
  return pattern.length === path.length && pattern.every((step, i) => step === '*' || step === path[i])
}

interface Node {
  value: unknown
  key: string | null
  parent: Node | null
}

function pathOf(node: Node): string[] {
  const path: string[] = []
  for (let n: Node | null = node; n && n.key !== null; n = n.parent) path.push(n.key)
  return path.reverse()
}

/**
 * The first field holding a control character, as a dotted path, or null. Iterative, and the
 * path is only spelled out for a string that holds one: bodies may nest thousands deep.
 */
export function findControlCharacter(value: unknown, lineBreaksAllowed: readonly string[] = []): string | null {
  const allowed = lineBreaksAllowed.map((p) => p.split('.'))
  const stack: Node[] = [{ value, key: null, parent: null }]
  while (stack.length > 0) {
    const node = stack.pop()!
    const current = node.value
    if (typeof current === 'string') {
      if (!CONTROL.test(current)) continue
      const path = pathOf(node)
      if (!CONTROL_EXCEPT_LINE_BREAKS.test(current) && allowed.some((p) => matches(p, path))) continue
      return path.join('.')
    }
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], key: String(i), parent: node })
    } else if (current && typeof current === 'object') {
      const entries = Object.entries(current)
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, inner] = entries[i]!
        if (CONTROL.test(key)) return [...pathOf(node), key.replace(CONTROL_ALL, '?')].join('.')
        stack.push({ value: inner, key, parent: node })
      }
    }
  }
  return null
}

export function registerControlCharacterCheck(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const config = request.routeOptions.config
    const lineBreaks = config?.lineBreaksAllowed ?? []
    const field =
      findControlCharacter(request.params) ??
      findControlCharacter(request.query) ??
      (config?.bodyCheckedByRoute ? null : findControlCharacter(request.body, lineBreaks))
    if (field === null) return
    const name = field || 'body'
    throw new AppError(
      'INVALID_CHARACTERS',
      `${name} must not contain control characters (U+0000 to U+001F, U+007F${lineBreaks.length ? '; tab and line breaks only where a value may span lines' : ''}).`,
      { details: [{ field: name, rule: 'noControlCharacters' }] },
    )
  })
}
