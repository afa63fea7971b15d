/** A valid test configuration, with fresh keys, that tests adjust as needed. */
import crypto from 'node:crypto'
import { loadConfig, type Config } from '../../server/src/config.js'

export function testKeys(): { ENCRYPTION_KEYS: string; SESSION_SECRET: string } {
  return {
    ENCRYPTION_KEYS: `t1:${crypto.randomBytes(32).toString('base64')}`,
    SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
  }
}

export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    APP_MODE: 'development',
    LOG_LEVEL: 'silent',
    PORT: '0',
    SALESFORCE_CONSUMER_KEY: 'test-consumer-key',
    SALESFORCE_CONSUMER_SECRET: 'test-consumer-secret',
    ...testKeys(),
    ...env,
  })
}
