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
      'SMTP_URL',
      'MAIL_FROM',
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
      SMTP_URL: 'smtp://mailer:pw@smtp.example.com:587',
      MAIL_FROM: 'SF Link <alerts@example.com>',
      ...testKeys(),
    })
    expect(config.mode).toBe('production')
    expect(config.publicUrl).toBe('https://sflink.example.com')
    expect(config.salesforce.consumerSecrets).toEqual(['new-secret', 'old-secret'])
    expect(config.encryptionKeys![0]!.key).toHaveLength(32)
  })

  it('notifications: production needs SMTP_URL and MAIL_FROM unless NOTIFICATIONS=off; bad values are named, never echoed', () => {
    const production = {
      APP_MODE: 'production',
      DATABASE_URL: 'postgres://db/sflink',
      PUBLIC_URL: 'https://sflink.example.com',
      SALESFORCE_CONSUMER_KEY: 'key',
      SALESFORCE_CONSUMER_SECRET: 'secret',
      ...testKeys(),
    }
    const problems = (env: Record<string, string>): string => {
      try {
        loadConfig(env)
        return ''
      } catch (err) {
        return (err as ConfigError).problems.join('\n')
      }
    }
    expect(problems(production)).toMatch(/SMTP_URL: required[\s\S]*MAIL_FROM: required/)
    expect(problems({ ...production, SMTP_URL: 'smtp://smtp.example.com' })).toMatch(/MAIL_FROM: required/)
    const off = loadConfig({ ...production, NOTIFICATIONS: 'off' })
    expect(off.notifications.enabled).toBe(false)
    const on = loadConfig({
      ...production,
      SMTP_URL: 'smtps://mailer:hunter2@smtp.example.com:465',
      MAIL_FROM: 'SF Link <alerts@example.com>',
      NOTIFICATION_SWEEP_SECONDS: '5',
    })
    expect(on.notifications).toEqual({
      enabled: true,
      smtpUrl: 'smtps://mailer:hunter2@smtp.example.com:465',
      mailFrom: 'SF Link <alerts@example.com>',
      sweepSeconds: 5,
    })
    const bad = problems({
      ...production,
      SMTP_URL: 'http://mailer:hunter2@x',
      MAIL_FROM: 'nobody',
      NOTIFICATIONS: 'maybe',
    })
    expect(bad).toMatch(/SMTP_URL: must be smtp/)
    expect(bad).toMatch(/MAIL_FROM: must be an address/)
    expect(bad).toMatch(/NOTIFICATIONS: must be on or off/)
    expect(bad).not.toContain('hunter2')
    // Demo mode sends to its own mail catcher; development without SMTP_URL sends nothing, and says so.
    expect(loadConfig({}).notifications.enabled).toBe(true)
    const dev = loadConfig({ APP_MODE: 'development', ...testKeys() })
    expect(dev.notifications.enabled).toBe(false)
    expect(dev.warnings.join('\n')).toMatch(/No SMTP_URL/)
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
