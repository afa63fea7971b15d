/** `npm run rotate-keys`: re-encrypts every stored secret under the first key of ENCRYPTION_KEYS. */
import { ConfigError, loadConfig } from '../config.js'
import { ensureDevKeys } from './dev-keys.js'
import { createSecretBox } from './secret-box.js'
import { rotateKeys } from './rotate-keys.js'
import { openDatabase } from '../db/open.js'

async function main(): Promise<void> {
  const { config } = ensureDevKeys(loadConfig())
  const database = await openDatabase(config, { runMigrations: true })
  try {
    const box = createSecretBox(config.encryptionKeys)
    const result = await rotateKeys(database.pool, box)
    console.log(
      `Re-encrypted ${result.rotated} secrets under key "${box.currentKeyId}" (${result.skipped} were rewritten meanwhile).`,
    )
    console.log(`Secrets by key now: ${JSON.stringify(result.remainingByKey)}`)
    const stale = Object.keys(result.remainingByKey).filter((k) => k !== box.currentKeyId)
    if (stale.length === 0) console.log('No secret uses an older key: older keys can be removed from ENCRYPTION_KEYS.')
  } finally {
    await database.close()
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err)
  process.exit(1)
})
