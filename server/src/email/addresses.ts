/**
 * Email addresses as SF Link keeps them (accounts, the suppression list, pulled records):
 * NFKC-normalised, then trimmed, then lower case, so the same address reported twice (or in another case, or with full-width
 * characters) is one entry. Salesforce compares Email case-insensitively, so the lower-case
 * form still finds every record.
 *
 * Validation is deliberately plain (one @, no spaces or control characters, a dotted
 * domain, RFC 5321 lengths): the mailing side already sent to these addresses; the check
 * only keeps out what cannot be an address or cannot be put into a SOQL string literal.
 */

const MAX_ADDRESS = 254
const MAX_LOCAL = 64
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\s\u0000-\u001F\u007F-\u009F"<>(),;:\\[\]]/u
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u

/**
 * NFKC first, then trim: NFKC can turn a compatibility character into white space, so
 * trimming afterwards is what guarantees the result has none at either end.
 */
export function normaliseEmail(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase()
}

/** The normalised address, or null when it is not a usable address. */
export function parseEmail(raw: unknown): string | null {
  if (typeof raw !== 'string') return null
  const email = normaliseEmail(raw)
  if (email.length === 0 || email.length > MAX_ADDRESS || FORBIDDEN.test(email)) return null
  // Lone UTF-16 surrogates cannot travel to Salesforce as the same text.
  // (With the u flag a paired surrogate is one code point, so this matches lone halves only.)
  if (/[\uD800-\uDFFF]/u.test(email)) return null
  const at = email.indexOf('@')
  if (at <= 0 || at !== email.lastIndexOf('@')) return null
  const local = email.slice(0, at)
  const domain = email.slice(at + 1)
  if (local.length > MAX_LOCAL || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null
  const labels = domain.split('.')
  if (labels.length < 2 || !labels.every((l) => l.length <= 63 && DOMAIN_LABEL.test(l))) return null
  return email
}

export interface ParsedEmails {
  /** Valid, normalised, each once, in the order first seen. */
  emails: string[]
  /** Valid addresses that repeat one seen earlier in the same list. */
  repeated: number
  invalid: number
}

export function parseEmailList(raw: readonly unknown[]): ParsedEmails {
  const seen = new Set<string>()
  let repeated = 0
  let invalid = 0
  for (const item of raw) {
    const email = parseEmail(item)
    if (email === null) invalid++
    else if (seen.has(email)) repeated++
    else seen.add(email)
  }
  return { emails: [...seen], repeated, invalid }
}
