/**
 * The canvas fast path (server/src/canvas/repository.ts: two combined statements) and the
 * ordinary services (links, credential store, secret store, sessions, audit log, one call
 * each) write the same rows. Two linked users differ only in their Salesforce user id; one
 * visits by each way, twice (first sight inserts the canvas credential, the second updates
 * it), and every row they leave is compared column by column.
 */
import crypto from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { createRuntime, type Runtime } from '../../server/src/runtime.js'
import type { Services } from '../../server/src/services.js'
import * as canvasRepo from '../../server/src/canvas/repository.js'
import * as linksRepo from '../../server/src/links/repository.js'
import * as accountsRepo from '../../server/src/accounts/repository.js'
import type { LinkIdentity, LinkRow } from '../../server/src/links/repository.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { testConfig } from '../helpers/config.js'

const TTL_SECONDS = 3600
const ORG = '00D000000000001AAA'
const IP = '203.0.113.7'
const USER_AGENT = 'Mozilla/5.0 (fast-path-rows)'

let db: TestDatabase
let services: Services
let runtime: Runtime

beforeAll(async () => {
  db = await createTestDatabase()
  runtime = await createRuntime(testConfig(), {
    database: db,
    logger: pino({ level: 'silent' }),
    demo: null,
    jobs: false,
    app: false,
  })
  services = runtime.services
})
afterAll(async () => {
  await runtime?.close()
  await db?.close()
})

function identityOf(salesforceUserId: string, visit: number): LinkIdentity {
  return {
    organizationId: ORG,
    salesforceUserId,
    instanceUrl: `https://acme-${visit}.my.salesforce.com`,
    username: `ada.${visit}@acme.example`,
    email: `ada.${visit}@acme.example`,
    name: `Ada Lovelace ${visit}`,
  }
}

async function linkedUser(salesforceUserId: string): Promise<LinkRow> {
  const account = await accountsRepo.insertAccount(db.pool, {
    email: `${salesforceUserId.toLowerCase()}@example.com`,
    name: 'Ada',
    passwordHash: 'not-used',
  })
  return linksRepo.insertLink(db.pool, account.id, identityOf(salesforceUserId, 0))
}

async function fastPathVisit(identity: LinkIdentity, oauthToken: string): Promise<void> {
  const seen = await canvasRepo.recordVisit(db.pool, identity, {
    digest: crypto.randomBytes(32),
    freshSeconds: 600,
    proven: false,
    canvasTtlSeconds: TTL_SECONDS,
  })
  expect(seen.linked).not.toBeNull()
  const { link, canvasCredentialId } = seen.linked!
  await canvasRepo.saveVisit(db.pool, {
    token: services.secrets.seal('credential', canvasCredentialId, 'accessToken', oauthToken),
    session: {
      accountId: link.accountId,
      linkId: link.id,
      ttlSeconds: services.sessions.ttlSeconds('canvas'),
      ip: IP,
      userAgent: USER_AGENT,
    },
  })
}

async function ordinaryVisit(identity: LinkIdentity, oauthToken: string): Promise<void> {
  const link = await linksRepo.refreshLink(db.pool, identity)
  expect(link).not.toBeNull()
  await services.credentials.saveCanvasTokens(db.pool, link!.id, {
    oauthToken,
    instanceUrl: identity.instanceUrl,
    username: identity.username,
    ttlSeconds: TTL_SECONDS,
  })
  await services.sessions.issue(db.pool, {
    accountId: link!.accountId,
    kind: 'canvas',
    linkId: link!.id,
    ip: IP,
    userAgent: USER_AGENT,
  })
  await services.audit.record({
    event: 'canvas.visit',
    outcome: 'success',
    accountId: link!.accountId,
    linkId: link!.id,
    ip: IP,
    detail: { linked: true },
  })
}

/**
 * Everything one linked user's visits left, made comparable: the user's own ids become names,
 * a timestamp becomes "now" or its distance from now in minutes, a ciphertext its plaintext.
 */
async function rowsOf(link: LinkRow): Promise<Record<string, unknown[]>> {
  const q = async (sql: string) => (await db.pool.query(sql, [link.id])).rows
  const credentials = await q(`SELECT * FROM salesforce_credentials WHERE link_id = $1 ORDER BY kind`)
  const credentialIds = credentials.map((c) => c.id as string)
  const sessions = await q(`SELECT * FROM sessions WHERE link_id = $1 ORDER BY created_at`)
  const secrets = (
    await db.pool.query(`SELECT * FROM encrypted_secrets WHERE owner_id = ANY($1) ORDER BY owner_id, name`, [
      credentialIds,
    ])
  ).rows
  for (const s of secrets) s.ciphertext = await services.secrets.get(db.pool, s.owner_kind, s.owner_id, s.name)

  const names = new Map<string, string>([
    [link.id, '<link>'],
    [link.accountId, '<account>'],
    [link.salesforceUserId, '<salesforce user>'],
    ...credentialIds.map((id, i) => [id, `<credential ${i}>`] as [string, string]),
    ...sessions.map((s, i) => [s.id as string, `<session ${i}>`] as [string, string]),
  ])
  const now = Date.now()
  const comparable = (row: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(row)
        .filter(([column]) => column !== 'token_hash')
        .map(([column, value]) => {
          if (typeof value === 'string' && names.has(value)) return [column, names.get(value)]
          if (column === 'id' && /^\d+$/.test(String(value))) return [column, '<serial>']
          if (value instanceof Date) {
            const minutes = Math.round((value.getTime() - now) / 60_000)
            return [column, minutes === 0 ? 'now' : `now ${minutes > 0 ? '+' : ''}${minutes} min`]
          }
          return [column, value]
        }),
    )
  return {
    salesforce_links: (await q(`SELECT * FROM salesforce_links WHERE id = $1`)).map(comparable),
    salesforce_credentials: credentials.map(comparable),
    encrypted_secrets: secrets.map(comparable),
    sessions: sessions.map(comparable),
    audit_log: (await q(`SELECT * FROM audit_log WHERE link_id = $1 ORDER BY id`)).map(comparable),
  }
}

describe('the canvas fast path writes what the owning repositories write', () => {
  it('two visits each way leave identical rows in all five tables', async () => {
    const fast = await linkedUser('005000000000001AAA')
    const ordinary = await linkedUser('005000000000002AAA')
    for (const visit of [1, 2]) {
      await fastPathVisit(identityOf(fast.salesforceUserId, visit), `00D!token-${visit}`)
      await ordinaryVisit(identityOf(ordinary.salesforceUserId, visit), `00D!token-${visit}`)
    }
    const fastRows = await rowsOf(fast)
    const ordinaryRows = await rowsOf(ordinary)
    // Enough was written for the comparison to mean something.
    expect(fastRows.salesforce_credentials).toHaveLength(1)
    expect(fastRows.salesforce_credentials[0]).toMatchObject({ kind: 'canvas', version: 2, status: 'ok' })
    expect(fastRows.encrypted_secrets).toEqual([expect.objectContaining({ ciphertext: '00D!token-2' })])
    expect(fastRows.sessions).toHaveLength(2)
    expect(fastRows.audit_log).toHaveLength(2)
    expect(fastRows.salesforce_links[0]).toMatchObject({
      name: 'Ada Lovelace 2',
      instance_url: 'https://acme-2.my.salesforce.com',
    })
    expect(fastRows).toEqual(ordinaryRows)
  })
})
