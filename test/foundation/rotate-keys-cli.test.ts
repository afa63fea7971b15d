import crypto from 'node:crypto'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createSecretBox } from '../../server/src/crypto/secret-box.js'
import { createSecretStore } from '../../server/src/crypto/secret-store.js'
import { createTestDatabase, realDatabaseUrl } from '../helpers/database.js'

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '../..')

describe('npm run rotate-keys', () => {
  // The CLI connects by DATABASE_URL; the in-memory embedded database lives in this process only.
  it.runIf(realDatabaseUrl())('re-encrypts the stored secrets of a real database under the new first key', async () => {
    const db = await createTestDatabase()
    const oldKey = crypto.randomBytes(32)
    const newKey = crypto.randomBytes(32)
    const old = createSecretStore(createSecretBox([{ id: 'old', key: oldKey }]))
    const owner = crypto.randomUUID()
    await old.put(db.pool, 'credential', owner, 'password', 'the-password')
    await old.put(db.pool, 'credential', owner, 'securityToken', 'the-token')
    const { stdout } = await run(
      process.execPath,
      [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'server/src/crypto/rotate-keys-cli.ts'],
      {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          APP_MODE: 'development',
          SALESFORCE_CONSUMER_KEY: 'k',
          SALESFORCE_CONSUMER_SECRET: 's',
          ENCRYPTION_KEYS: `new:${newKey.toString('base64')},old:${oldKey.toString('base64')}`,
          SESSION_SECRET: 'x'.repeat(40),
          LOG_LEVEL: 'silent',
        },
      },
    )
    expect(stdout).toMatch(/Re-encrypted 2 secrets under key "new"/)
    const fresh = createSecretStore(createSecretBox([{ id: 'new', key: newKey }]))
    expect(await fresh.get(db.pool, 'credential', owner, 'password')).toBe('the-password')
    expect(await fresh.get(db.pool, 'credential', owner, 'securityToken')).toBe('the-token')
    await db.close()
  })
})
