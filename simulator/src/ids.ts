// Salesforce record IDs: 15 case-sensitive base-62 characters, plus a 3-character
// suffix that encodes which of the 15 are upper case (so the 18-character form
// survives case-insensitive systems). The algorithm is Salesforce's documented one.

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'
const ID15 = /^[0-9A-Za-z]{15}$/
const ID18 = /^[0-9A-Za-z]{18}$/

/** Key prefixes of the objects the simulator knows. */
export const KEY_PREFIXES = {
  Organization: '00D',
  User: '005',
  Profile: '00e',
  Account: '001',
  Contact: '003',
  Lead: '00Q',
  Campaign: '701',
  CampaignMember: '00v',
  CampaignMemberStatus: '01Y',
  RecordType: '012',
  BulkJob: '750',
  QueryLocator: '01g',
  ConnectedApplication: '06P',
  CanvasReference: '09H',
} as const

export function checksumSuffix(id15: string): string {
  let suffix = ''
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i)
      if (c >= 65 && c <= 90) bits |= 1 << i
    }
    suffix += SUFFIX_ALPHABET[bits]
  }
  return suffix
}

export function to18(id: string): string {
  if (ID18.test(id)) return id
  if (!ID15.test(id)) throw new Error(`not a Salesforce ID: ${id}`)
  return id + checksumSuffix(id)
}

export function to15(id: string): string {
  return id.slice(0, 15)
}

/** True for a 15-character ID, or an 18-character one whose suffix matches. */
export function isValidId(id: string): boolean {
  if (ID15.test(id)) return true
  return ID18.test(id) && checksumSuffix(id.slice(0, 15)) === id.slice(15).toUpperCase()
}

/** Two IDs denote the same record (15 vs 18 characters, suffix case ignored). */
export function sameId(a: string, b: string): boolean {
  return to15(a) === to15(b)
}

export function toBase62(n: number, width: number): string {
  let out = ''
  let rest = Math.floor(n)
  while (rest > 0) {
    out = BASE62[rest % 62] + out
    rest = Math.floor(rest / 62)
  }
  return out.padStart(width, '0')
}

/**
 * Hands out 18-character IDs: prefix (3) + pod (2) + reserved "0" + counter (9).
 * The pod and the counters' starting points come from the seed, so the same seed
 * gives the same IDs.
 */
export class IdFactory {
  private readonly counters = new Map<string, number>()
  private readonly pod: string
  private readonly start: number

  constructor(seed: number) {
    const s = Math.abs(Math.floor(seed)) % (62 * 62)
    this.pod = toBase62(s + 62 * 10, 2).slice(-2)
    this.start = 1000 + ((Math.abs(Math.floor(seed)) * 7919) % 100_000)
  }

  next(prefix: string): string {
    const n = this.counters.get(prefix) ?? this.start
    this.counters.set(prefix, n + 1)
    // Built valid by construction, so no validation pass (seeding makes millions of these).
    const id15 = prefix + this.pod + '0' + toBase62(n, 9)
    return id15 + checksumSuffix(id15)
  }
}
