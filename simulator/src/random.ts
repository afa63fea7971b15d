import { randomBytes } from 'node:crypto'

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A small seeded generator (mulberry32): deterministic data for a given seed. */
export interface SeededRandom {
  next(): number
  int(minInclusive: number, maxExclusive: number): number
  pick<T>(items: readonly T[]): T
  chance(probability: number): boolean
  alphanumeric(length: number): string
}

export function createSeededRandom(seed: number): SeededRandom {
  let state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min))
  return {
    next,
    int,
    pick: (items) => items[int(0, items.length)],
    chance: (p) => next() < p,
    alphanumeric: (length) => {
      let out = ''
      for (let i = 0; i < length; i++) out += ALNUM[int(0, ALNUM.length)]
      return out
    },
  }
}

/** Unpredictable alphanumeric text (security tokens after a reset, codes). */
export function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length * 2)
  let out = ''
  for (let i = 0; out.length < length && i < bytes.length; i++) {
    // 248 = 4 * 62: reject the top values so every character is equally likely.
    if (bytes[i] < 248) out += ALNUM[bytes[i] % 62]
  }
  return out.length === length ? out : out + randomAlphanumeric(length - out.length)
}

/** Opaque token text in Salesforce's alphabet (letters, digits, "." and "_"). */
export function randomTokenText(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4) + 2)
    .toString('base64url')
    .replace(/-/g, '.')
    .slice(0, length)
}
