/**
 * `npm run keys:generate`: prints a fresh encryption key and session secret as .env lines.
 *
 *   ENCRYPTION_KEYS=k20260122:<base64 of 32 random bytes>
 *   SESSION_SECRET=<base64url of 48 random bytes>
 *
 * For a key rotation, put the new ENCRYPTION_KEYS entry *first* and keep the old ones after
 * it (`knew:…,kold:…`), restart, then run `npm run rotate-keys` (see docs/deployment.md, Key rotation).
 * `--id <name>` picks the key id (default: k + today's date, UTC).
 */
import crypto from 'node:crypto'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

/** Same rule as config.ts applies to ENCRYPTION_KEYS ids. */
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/

export interface GeneratedKeys {
  /** `id:base64key`, one entry of ENCRYPTION_KEYS. */
  encryptionKey: string
  sessionSecret: string
}

export function defaultKeyId(now: Date = new Date()): string {
  return `k${now.toISOString().slice(0, 10).replaceAll('-', '')}`
}

export function generateKeys(
  keyId: string = defaultKeyId(),
  randomBytes: (size: number) => Buffer = crypto.randomBytes,
): GeneratedKeys {
  if (!KEY_ID.test(keyId)) throw new Error(`key id "${keyId}" must be 1-32 letters, digits, - or _`)
  return {
    encryptionKey: `${keyId}:${randomBytes(32).toString('base64')}`,
    sessionSecret: randomBytes(48).toString('base64url'),
  }
}

export function formatEnvLines(keys: GeneratedKeys): string {
  return `ENCRYPTION_KEYS=${keys.encryptionKey}\nSESSION_SECRET=${keys.sessionSecret}\n`
}

function main(argv: string[]): number {
  try {
    const { values } = parseArgs({ args: argv, options: { id: { type: 'string' } }, strict: true })
    process.stdout.write(formatEnvLines(generateKeys(values.id)))
    return 0
  } catch (err) {
    console.error(
      `${err instanceof Error ? err.message : String(err)}\nUsage: npm run keys:generate [-- --id <key id>]`,
    )
    return 2
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2))
}
