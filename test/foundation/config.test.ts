import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../server/src/config.js'
import { testKeys } from '../helpers/config.js'

describe('configuration', () => {
  it('with nothing configured runs in demo mode on the embedded database', () => {
    const config = loadConfig({})
    expect(config.mode).toBe('demo')
    expect(config.databaseUrl).toBeNull()
    expect(config.port).toBe(3000)
    expect(config.encryptionKeys).toBeNull() // generated into ./data by dev-keys
  })

  it('production refuses to start and names every missing variable', () => {
    let error: unknown
    try {
      loadConfig({ APP_MODE: 'production' })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as Error).message
    for (const name of [
      'DATABASE_URL',
      'PUBLIC_URL',
      'ENCRYPTION_KEYS',
      'SESSION_SECRET',
      'SALESFORCE_CONSUMER_KEY',
      'SALESFORCE_CONSUMER_SECRET',
    ]) {
      expect(message).toContain(name)
    }
  })

  it('production starts with everything set, and parses the key ring and secret rotation list', () => {
    const config = loadConfig({
      APP_MODE: 'production',
      DATABASE_URL: 'postgres://db/sflink',
      PUBLIC_URL: 'https://sflink.example.com/',
      SALESFORCE_CONSUMER_KEY: 'key',
      SALESFORCE_CONSUMER_SECRET: 'new-secret, old-secret',
      ...testKeys(),
    })
    expect(config.mode).toBe('production')
    expect(config.publicUrl).toBe('https://sflink.example.com')
    expect(config.salesforce.consumerSecrets).toEqual(['new-secret', 'old-secret'])
    expect(config.encryptionKeys![0]!.key).toHaveLength(32)
  })

  it('names each invalid variable with what is wrong', () => {
    expect(() =>
      loadConfig({
        PORT: 'eighty',
        ENCRYPTION_KEYS: 'k1:c2hvcnQ=',
        SESSION_SECRET: 'short',
        PUBLIC_URL: 'ftp://x',
        APP_MODE: 'staging',
      }),
    ).toThrowError(/PORT[\s\S]*ENCRYPTION_KEYS: key "k1" must be 32 bytes[\s\S]*/)
    try {
      loadConfig({ PORT: 'eighty', SESSION_SECRET: 'short', PUBLIC_URL: 'ftp://x', APP_MODE: 'staging' })
    } catch (err) {
      const problems = (err as ConfigError).problems.join('\n')
      expect(problems).toMatch(/APP_MODE/)
      expect(problems).toMatch(/SESSION_SECRET: must be at least 32/)
      expect(problems).toMatch(/PUBLIC_URL: must be an http\(s\) URL/)
    }
  })

  it('refuses an http PUBLIC_URL in production (Salesforce needs https canvas URLs)', () => {
    expect(() =>
      loadConfig({
        APP_MODE: 'production',
        DATABASE_URL: 'postgres://db/x',
        PUBLIC_URL: 'http://sflink.example.com',
        SALESFORCE_CONSUMER_KEY: 'k',
        SALESFORCE_CONSUMER_SECRET: 's',
        ...testKeys(),
      }),
    ).toThrowError(/PUBLIC_URL: must be https/)
  })
})
