/**
 * Demo and development mode: generate an encryption key and a session secret once and
 * keep them in ./data/dev-keys.json, so stored secrets still decrypt after a restart.
 * Production never comes here: config validation demands real keys.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { parseEncryptionKeys, type Config, type ResolvedConfig } from '../config.js'

interface DevKeysFile {
  encryptionKeys: string
  sessionSecret: string
}

export function ensureDevKeys(config: Config): { config: ResolvedConfig; generated: boolean } {
  if (config.encryptionKeys && config.sessionSecret) {
    return {
      config: { ...config, encryptionKeys: config.encryptionKeys, sessionSecret: config.sessionSecret },
      generated: false,
    }
  }
  if (config.mode === 'production') throw new Error('production needs ENCRYPTION_KEYS and SESSION_SECRET')
  const file = path.join(config.dataDir, 'dev-keys.json')
  let stored: DevKeysFile
  let generated = false
  if (fs.existsSync(file)) {
    stored = JSON.parse(fs.readFileSync(file, 'utf8')) as DevKeysFile
  } else {
    stored = {
      encryptionKeys: `dev1:${crypto.randomBytes(32).toString('base64')}`,
      sessionSecret: crypto.randomBytes(48).toString('base64url'),
    }
    fs.mkdirSync(config.dataDir, { recursive: true })
    fs.writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 })
    generated = true
  }
  const problems: string[] = []
  const keys = config.encryptionKeys ?? parseEncryptionKeys(stored.encryptionKeys, problems)
  if (problems.length) throw new Error(`${file} is damaged: ${problems.join('; ')}`)
  return {
    config: { ...config, encryptionKeys: keys, sessionSecret: config.sessionSecret ?? stored.sessionSecret },
    generated,
  }
}
