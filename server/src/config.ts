/**
 * Configuration, validated once at start (docs/spec.md §7). This is the only module that reads
 * the environment; everything else receives a typed `Config`.
 */
import net from 'node:net'
import path from 'node:path'

export type AppMode = 'production' | 'demo' | 'development'

export interface EncryptionKey {
  id: string
  key: Buffer
}

export interface Config {
  mode: AppMode
  databaseUrl: string | null
  dataDir: string
  host: string
  port: number
  publicUrl: string
  /** Undefined only in demo/development until dev keys are generated (see dev-keys.ts). */
  encryptionKeys: EncryptionKey[] | null
  sessionSecret: string | null
  salesforce: {
    loginUrl: string
    consumerKey: string | null
    consumerSecrets: string[]
    apiVersion: string
    jwtPrivateKey: string | null
    /** Extra hosts accepted as Salesforce (the simulator in demo mode). */
    extraHosts: string[]
  }
  logLevel: string
  /**
   * Which proxies' X-Forwarded-For to believe (Fastify's `trustProxy`): false, a hop count,
   * or the proxies' addresses/CIDRs. `true` (every hop) only outside production, with a warning.
   */
  trustProxy: boolean | number | string[]
  frameAncestorsExtra: string[]
  unsubscribePullIntervalMinutes: number
  /**
   * Pulls of more records than this (Salesforce's count from the first page) go through the
   * Bulk API 2.0 query instead of REST paging; 0 keeps every pull on REST.
   */
  pullBulkThreshold: number
  /** Records per Bulk API results page (`maxRecords`). */
  pullBulkPageRecords: number
  simulatorPort: number
  canvasSessionMinutes: number
  cookieSessionHours: number
  /** Emails to account owners (credential needs attention, reminders, working again). */
  notifications: NotificationsConfig
  /** Accepted but unsafe settings, for the server to log at start. */
  warnings: string[]
}

/**
 * The configuration once its secrets are known: what the runtime (runtime.ts) hands to the
 * services and the app. Production demands both in the environment; demo and development
 * fill them in from ./data/dev-keys.json (crypto/dev-keys.ts).
 */
export type ResolvedConfig = Config & { encryptionKeys: EncryptionKey[]; sessionSecret: string }

export interface NotificationsConfig {
  /** False when NOTIFICATIONS=off, or outside production and demo mode when no SMTP_URL is set. */
  enabled: boolean
  /** smtp:// or smtps:// URL with any credentials; demo mode fills in its mail catcher. */
  smtpUrl: string | null
  /** The From header, e.g. `SF Link <alerts@example.com>`. */
  mailFrom: string
  /** How often the worker looks for mail to send and reminders that are due. */
  sweepSeconds: number
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

type Env = Record<string, string | undefined>

const PRODUCTION_REQUIRED = [
  'DATABASE_URL',
  'PUBLIC_URL',
  'ENCRYPTION_KEYS',
  'SESSION_SECRET',
  'SALESFORCE_CONSUMER_KEY',
  'SALESFORCE_CONSUMER_SECRET',
] as const

export function parseEncryptionKeys(raw: string, problems: string[]): EncryptionKey[] {
  const keys: EncryptionKey[] = []
  for (const part of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const sep = part.indexOf(':')
    const id = sep > 0 ? part.slice(0, sep) : ''
    const b64 = sep > 0 ? part.slice(sep + 1) : ''
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      problems.push('ENCRYPTION_KEYS: each entry must be "id:base64key" with an id of letters, digits, - or _')
      continue
    }
    const key = Buffer.from(b64, 'base64')
    if (key.length !== 32) {
      problems.push(`ENCRYPTION_KEYS: key "${id}" must be 32 bytes of Base64 (got ${key.length})`)
      continue
    }
    if (keys.some((k) => k.id === id)) problems.push(`ENCRYPTION_KEYS: key id "${id}" appears twice`)
    keys.push({ id, key })
  }
  if (keys.length === 0 && problems.length === 0) problems.push('ENCRYPTION_KEYS: no key given')
  return keys
}

function intVar(env: Env, name: string, def: number, problems: string[], min = 0, max = 65535): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return def
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name}: must be a whole number between ${min} and ${max} (got "${raw}")`)
    return def
  }
  return n
}

function urlVar(env: Env, name: string, problems: string[]): string | null {
  const raw = env[name]
  if (!raw) return null
  try {
    const u = new URL(raw)
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('protocol')
    return raw.replace(/\/+$/, '')
  } catch {
    problems.push(`${name}: must be an http(s) URL (got "${raw}")`)
    return null
  }
}

/**
 * TRUST_PROXY: a hop count, or the proxies' addresses/CIDRs (comma-separated). A bare
 * `true` trusts every hop, so the client's own X-Forwarded-For entries become "the client
 * address" and every per-IP limit can be reset at will: refused in production.
 */
export function parseTrustProxy(
  raw: string | undefined,
  mode: AppMode,
  problems: string[],
  warnings: string[],
): Config['trustProxy'] {
  const value = (raw ?? '').trim()
  if (value === '' || value.toLowerCase() === 'false') return false
  if (value.toLowerCase() === 'true') {
    if (mode === 'production') {
      problems.push(
        'TRUST_PROXY: "true" trusts any X-Forwarded-For a client sends; give the number of proxies in front of SF Link (e.g. 1) or their addresses (e.g. 10.0.0.0/8)',
      )
    } else {
      warnings.push(
        'TRUST_PROXY=true trusts any X-Forwarded-For a client sends (per-IP limits can be bypassed); use a hop count or the proxy addresses. Refused in production.',
      )
    }
    return true
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value)
    if (hops > 10) problems.push(`TRUST_PROXY: a hop count must be between 0 and 10 (got ${hops})`)
    return hops === 0 ? false : hops
  }
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/')
    const family = net.isIP(address ?? '')
    const maxBits = family === 6 ? 128 : 32
    const badBits = bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > maxBits)
    if (family === 0 || badBits || extra !== undefined) {
      problems.push(`TRUST_PROXY: "${entry}" must be a hop count, or IP addresses or CIDRs separated by commas`)
    }
  }
  return entries
}

const DEFAULT_MAIL_FROM = 'SF Link <sf-link@localhost>'

/**
 * NOTIFICATIONS (on|off), SMTP_URL, MAIL_FROM, NOTIFICATION_SWEEP_SECONDS. Production needs
 * SMTP_URL and MAIL_FROM unless notifications are turned off: a credential that breaks
 * silently is the failure these emails exist for. Demo mode sends to its own mail catcher.
 */
export function parseNotifications(
  env: Env,
  mode: AppMode,
  problems: string[],
  warnings: string[],
): NotificationsConfig {
  const switchRaw = (env.NOTIFICATIONS ?? '').trim().toLowerCase()
  if (switchRaw !== '' && switchRaw !== 'on' && switchRaw !== 'off') {
    problems.push(`NOTIFICATIONS: must be on or off (got "${env.NOTIFICATIONS}")`)
  }
  const off = switchRaw === 'off'
  let smtpUrl: string | null = null
  const rawSmtp = env.SMTP_URL?.trim()
  if (rawSmtp) {
    try {
      const u = new URL(rawSmtp)
      if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new Error('protocol')
      if (!u.hostname) throw new Error('host')
      smtpUrl = rawSmtp
    } catch {
      // Never echo the value: it may hold the SMTP password.
      problems.push('SMTP_URL: must be smtp://[user:password@]host[:port] or smtps://…')
    }
  }
  const rawFrom = env.MAIL_FROM?.trim()
  if (rawFrom && !/^([^<>\r\n]*<)?[^\s<>@]+@[^\s<>@]+(>)?$/.test(rawFrom)) {
    problems.push(`MAIL_FROM: must be an address, e.g. "SF Link <alerts@example.com>" (got "${rawFrom}")`)
  }
  if (mode === 'production' && !off) {
    if (!rawSmtp) problems.push('SMTP_URL: required when APP_MODE=production (or set NOTIFICATIONS=off)')
    if (!rawFrom) problems.push('MAIL_FROM: required when APP_MODE=production (or set NOTIFICATIONS=off)')
  }
  if (mode === 'development' && !off && !rawSmtp) {
    warnings.push('No SMTP_URL: notification emails are off. Set SMTP_URL and MAIL_FROM to send them.')
  }
  const sweepSeconds = intVar(env, 'NOTIFICATION_SWEEP_SECONDS', 30, problems, 1, 3600)
  return {
    enabled: !off && (smtpUrl !== null || mode === 'demo'),
    smtpUrl,
    mailFrom: rawFrom || DEFAULT_MAIL_FROM,
    sweepSeconds,
  }
}

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = []
  const warnings: string[] = []
  const rawMode = env.APP_MODE?.trim()
  if (rawMode && !['production', 'demo', 'development'].includes(rawMode)) {
    problems.push(`APP_MODE: must be production, demo or development (got "${rawMode}")`)
  }
  const hasSalesforce = Boolean(env.SALESFORCE_CONSUMER_KEY || env.SALESFORCE_CONSUMER_SECRET)
  const mode: AppMode =
    rawMode === 'production' || rawMode === 'demo' || rawMode === 'development'
      ? rawMode
      : hasSalesforce
        ? 'development'
        : 'demo'

  if (mode === 'production') {
    for (const name of PRODUCTION_REQUIRED) {
      if (!env[name] || env[name]!.trim() === '') problems.push(`${name}: required when APP_MODE=production`)
    }
  }

  const port = intVar(env, 'PORT', 3000, problems)
  // Demo: 'localhost' makes Fastify listen on both 127.0.0.1 and ::1, whichever localhost resolves to.
  const host = env.HOST || (mode === 'demo' ? 'localhost' : '0.0.0.0')
  const publicUrl = urlVar(env, 'PUBLIC_URL', problems) ?? `http://localhost:${port}`
  if (mode === 'production' && publicUrl.startsWith('http:')) {
    problems.push('PUBLIC_URL: must be https in production (Salesforce requires https canvas URLs)')
  }

  const encryptionKeys = env.ENCRYPTION_KEYS ? parseEncryptionKeys(env.ENCRYPTION_KEYS, problems) : null
  const sessionSecret = env.SESSION_SECRET || null
  if (sessionSecret && sessionSecret.length < 32) problems.push('SESSION_SECRET: must be at least 32 characters')

  const loginUrl = urlVar(env, 'SALESFORCE_LOGIN_URL', problems) ?? 'https://login.salesforce.com'
  const apiVersion = env.SALESFORCE_API_VERSION || '64.0'
  if (!/^\d{2}\.0$/.test(apiVersion)) problems.push(`SALESFORCE_API_VERSION: must look like 64.0 (got "${apiVersion}")`)
  const jwtPrivateKey = env.SALESFORCE_JWT_PRIVATE_KEY ? env.SALESFORCE_JWT_PRIVATE_KEY.replace(/\\n/g, '\n') : null
  if (jwtPrivateKey && !jwtPrivateKey.includes('PRIVATE KEY')) {
    problems.push('SALESFORCE_JWT_PRIVATE_KEY: must be a PEM private key')
  }

  // Extra hosts that count as Salesforce: a simulator run outside demo mode (tests that run
  // the server as a child process). Never in production: it would widen the SSRF allow-list.
  const extraHosts = (env.SALESFORCE_EXTRA_HOSTS || '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean)
  if (mode === 'production' && extraHosts.length > 0)
    problems.push('SALESFORCE_EXTRA_HOSTS: not allowed when APP_MODE=production')
  for (const h of extraHosts) {
    if (!/^[a-z0-9.-]+:\d{1,5}$/.test(h)) problems.push(`SALESFORCE_EXTRA_HOSTS: "${h}" must be host:port`)
  }

  const frameAncestorsExtra = (env.FRAME_ANCESTORS_EXTRA || '').split(/[,\s]+/).filter(Boolean)
  for (const origin of frameAncestorsExtra) {
    if (!/^https:\/\/[A-Za-z0-9*.-]+(:\d+)?$/.test(origin)) {
      problems.push(`FRAME_ANCESTORS_EXTRA: "${origin}" must be an https origin`)
    }
  }

  const trustProxy = parseTrustProxy(env.TRUST_PROXY, mode, problems, warnings)

  const logLevel = env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'silent' : 'info')
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL: unknown level "${logLevel}"`)
  }

  const notifications = parseNotifications(env, mode, problems, warnings)

  if (problems.length > 0) throw new ConfigError(problems)

  return {
    mode,
    databaseUrl: env.DATABASE_URL || null,
    dataDir: path.resolve(env.DATA_DIR || 'data'),
    host,
    port,
    publicUrl,
    encryptionKeys,
    sessionSecret,
    salesforce: {
      loginUrl,
      consumerKey: env.SALESFORCE_CONSUMER_KEY || null,
      consumerSecrets: (env.SALESFORCE_CONSUMER_SECRET || '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      apiVersion,
      jwtPrivateKey,
      extraHosts,
    },
    logLevel,
    trustProxy,
    frameAncestorsExtra,
    unsubscribePullIntervalMinutes: intVar(env, 'UNSUBSCRIBE_PULL_INTERVAL_MINUTES', 60, problems, 1, 10080),
    pullBulkThreshold: intVar(env, 'PULL_BULK_THRESHOLD', 100_000, problems, 0, 1_000_000_000),
    pullBulkPageRecords: intVar(env, 'PULL_BULK_PAGE_RECORDS', 100_000, problems, 100, 10_000_000),
    simulatorPort: intVar(env, 'SIMULATOR_PORT', 3001, problems),
    canvasSessionMinutes: intVar(env, 'CANVAS_SESSION_MINUTES', 15, problems, 1, 240),
    cookieSessionHours: intVar(env, 'COOKIE_SESSION_HOURS', 12, problems, 1, 720),
    notifications,
    warnings,
  }
}
