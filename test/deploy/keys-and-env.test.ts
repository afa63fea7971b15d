import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, parseEncryptionKeys } from '../../server/src/config.js'
import { defaultKeyId, generateKeys } from '../../server/src/crypto/generate-keys-cli.js'

const run = promisify(execFile)
const REPO_DIR = path.resolve(import.meta.dirname, '../..')

async function keysGenerate(...args: string[]): Promise<Record<string, string>> {
  const { stdout } = await run('npm', ['run', '--silent', 'keys:generate', ...(args.length ? ['--', ...args] : [])], {
    cwd: REPO_DIR,
  })
  const lines = stdout.trim().split('\n')
  expect(lines).toHaveLength(2)
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
}

describe('npm run keys:generate', () => {
  it('prints ENCRYPTION_KEYS with a 32-byte key and a 48-byte SESSION_SECRET, fresh each time', async () => {
    const first = await keysGenerate()
    expect(Object.keys(first)).toEqual(['ENCRYPTION_KEYS', 'SESSION_SECRET'])
    expect(first.ENCRYPTION_KEYS).toMatch(/^k\d{8}:[A-Za-z0-9+/]{43}=$/)
    const problems: string[] = []
    const [key] = parseEncryptionKeys(first.ENCRYPTION_KEYS, problems)
    expect(problems).toEqual([])
    expect(key.key).toHaveLength(32)
    expect(first.SESSION_SECRET).toMatch(/^[A-Za-z0-9_-]{64}$/)
    expect(Buffer.from(first.SESSION_SECRET, 'base64url')).toHaveLength(48)

    const second = await keysGenerate()
    expect(second.ENCRYPTION_KEYS).not.toBe(first.ENCRYPTION_KEYS)
    expect(second.SESSION_SECRET).not.toBe(first.SESSION_SECRET)
  })

  it('gives lines that production configuration accepts as they are', async () => {
    const keys = await keysGenerate('--id', 'k2026a')
    expect(keys.ENCRYPTION_KEYS.startsWith('k2026a:')).toBe(true)
    const config = loadConfig({
      APP_MODE: 'production',
      DATABASE_URL: 'postgres://sflink:pw@db:5432/sflink',
      PUBLIC_URL: 'https://app.example.com',
      SALESFORCE_CONSUMER_KEY: 'key',
      SALESFORCE_CONSUMER_SECRET: 'secret',
      SMTP_URL: 'smtp://smtp.example.com:587',
      MAIL_FROM: 'alerts@example.com',
      ...keys,
    })
    expect(config.encryptionKeys?.map((k) => k.id)).toEqual(['k2026a'])
    expect(config.sessionSecret).toBe(keys.SESSION_SECRET)
  })

  it('names the key after the UTC date and refuses ids config would reject', async () => {
    expect(defaultKeyId(new Date('2026-01-22T23:30:00Z'))).toBe('k20260122')
    expect(() => generateKeys('bad id')).toThrow(/key id/)
    await expect(keysGenerate('--id', 'no:colons')).rejects.toMatchObject({ code: 2 })
  })
})

/** `NAME=value` lines of .env.example, commented-out (optional) ones included. */
function envExample(): Map<string, { value: string; commented: boolean }> {
  const text = readFileSync(path.join(REPO_DIR, '.env.example'), 'utf8')
  return new Map(
    [...text.matchAll(/^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [
      m[2],
      { value: m[3], commented: Boolean(m[1]) },
    ]),
  )
}

describe('.env.example', () => {
  const SPEC_VARIABLES = [
    'DATABASE_URL',
    'PORT',
    'PUBLIC_URL',
    'ENCRYPTION_KEYS',
    'SESSION_SECRET',
    'SALESFORCE_LOGIN_URL',
    'SALESFORCE_CONSUMER_KEY',
    'SALESFORCE_CONSUMER_SECRET',
    'SALESFORCE_API_VERSION',
    'SALESFORCE_JWT_PRIVATE_KEY',
    'APP_MODE',
    'LOG_LEVEL',
    'TRUST_PROXY',
    'FRAME_ANCESTORS_EXTRA',
    'UNSUBSCRIBE_PULL_INTERVAL_MINUTES',
  ]

  it('lists every configuration variable of docs/spec.md §7 and every one config.ts reads', () => {
    const listed = envExample()
    for (const name of SPEC_VARIABLES) expect(listed.has(name), name).toBe(true)
    // env.NAME, env['NAME'] and helpers called as intVar(env, 'NAME', …)
    const source = readFileSync(path.join(REPO_DIR, 'server/src/config.ts'), 'utf8')
    const read = new Set(
      [...source.matchAll(/\benv(?:\.|\[')([A-Z][A-Z0-9_]*)|\(env, '([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1] ?? m[2]),
    )
    expect(read.size).toBeGreaterThan(10)
    read.delete('NODE_ENV') // set by the runtime (the image, test runners), not by admins
    for (const name of read) expect(listed.has(name), `${name} is read by config.ts`).toBe(true)
  })

  it('holds no secret values', () => {
    for (const name of [
      'ENCRYPTION_KEYS',
      'SESSION_SECRET',
      'SALESFORCE_CONSUMER_SECRET',
      'POSTGRES_PASSWORD',
      'DATABASE_URL',
      'SMTP_URL',
    ]) {
      expect(envExample().get(name), name).toEqual({ value: '', commented: false })
    }
  })

  it('starts in demo mode when copied unchanged, and production names each missing value', () => {
    const env = Object.fromEntries([...envExample()].filter(([, v]) => !v.commented).map(([k, v]) => [k, v.value]))
    expect(loadConfig(env).mode).toBe('demo')
    let error: unknown
    try {
      loadConfig({ ...env, APP_MODE: 'production' })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    for (const name of [
      'DATABASE_URL',
      'PUBLIC_URL',
      'ENCRYPTION_KEYS',
      'SESSION_SECRET',
      'SALESFORCE_CONSUMER_KEY',
      'SALESFORCE_CONSUMER_SECRET',
      'SMTP_URL',
      'MAIL_FROM',
    ]) {
      expect((error as ConfigError).problems.join('\n')).toContain(name)
    }
  })
})
