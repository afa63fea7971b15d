/**
 * Stores credentials with their secrets. Rows in salesforce_credentials, secrets
 * encrypted in encrypted_secrets owned by the credential row (owner_kind 'credential').
 */
import type { Queryable } from '../db/pool.js'
import type { SecretStore } from '../crypto/secret-store.js'
import * as repo from './credentials-repository.js'
import type { CredentialKind, CredentialRow } from './credentials-repository.js'

export type SecretName = 'password' | 'securityToken' | 'refreshToken' | 'accessToken'

export interface CredentialStore {
  list(db: Queryable, linkId: string): Promise<CredentialRow[]>
  find(db: Queryable, linkId: string, kind: CredentialKind): Promise<CredentialRow | null>
  secret(db: Queryable, credentialId: string, name: SecretName): Promise<string | null>
  /** Replaces (or creates) a credential with these secrets; the version bumps, the circuit closes. */
  save(
    db: Queryable,
    c: Parameters<typeof repo.upsertCredential>[1] & { secrets: Partial<Record<SecretName, string | null>> },
  ): Promise<CredentialRow>
  /** Updates some secrets of an existing credential (new token after a reset). */
  update(
    db: Queryable,
    credentialId: string,
    secrets: Partial<Record<SecretName, string | null>>,
    succeeded: boolean,
  ): Promise<CredentialRow>
  remove(db: Queryable, linkId: string, kinds: CredentialKind[]): Promise<void>
  /** Caches a fresh access token for the credential's current version (and a rotated refresh token). */
  cacheAccessToken(
    db: Queryable,
    cred: CredentialRow,
    login: { accessToken: string; instanceUrl: string; refreshToken?: string | null },
  ): Promise<void>
  /** Is this already the link's working oauth_refresh token? (Reads only: no transaction needed.) */
  hasRefreshToken(db: Queryable, linkId: string, refreshToken: string): Promise<boolean>
  /** Keeps the refresh token a signed request carries as the link's oauth_refresh credential (no-op when unchanged). */
  captureRefreshToken(
    db: Queryable,
    linkId: string,
    t: { refreshToken: string; instanceUrl: string; username: string },
  ): Promise<void>
  /** Stores the canvas session token of a verified visit, and the refresh token when it carries one. */
  saveCanvasTokens(
    db: Queryable,
    linkId: string,
    t: { oauthToken: string; refreshToken?: string | null; instanceUrl: string; username: string; ttlSeconds: number },
  ): Promise<void>
}

export function createCredentialStore({ secrets }: { secrets: SecretStore }): CredentialStore {
  async function putSecrets(
    db: Queryable,
    id: string,
    values: Partial<Record<SecretName, string | null>>,
  ): Promise<void> {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) continue
      if (value === null || value === '') await secrets.remove(db, 'credential', id, [name])
      else await secrets.put(db, 'credential', id, name, value)
    }
  }

  const store: CredentialStore = {
    list: (db, linkId) => repo.listCredentials(db, linkId),
    find: (db, linkId, kind) => repo.findCredential(db, linkId, kind),
    secret: (db, id, name) => secrets.get(db, 'credential', id, name),
    async save(db, c) {
      const row = await repo.upsertCredential(db, c)
      // A replaced credential starts clean: no stale cached session or old token.
      await secrets.remove(db, 'credential', row.id)
      await putSecrets(db, row.id, c.secrets)
      return row
    },
    async update(db, id, values, succeeded) {
      await secrets.remove(db, 'credential', id, ['accessToken'])
      await putSecrets(db, id, values)
      return repo.bumpCredentialVersion(db, id, succeeded)
    },
    async remove(db, linkId, kinds) {
      const ids = await repo.deleteCredentials(db, linkId, kinds)
      for (const id of ids) await secrets.remove(db, 'credential', id)
    },
    async cacheAccessToken(db, cred, login) {
      await secrets.put(db, 'credential', cred.id, 'accessToken', login.accessToken)
      if (cred.kind === 'oauth_refresh' && login.refreshToken)
        await secrets.put(db, 'credential', cred.id, 'refreshToken', login.refreshToken)
      await repo.recordLoginSuccess(db, cred.id, cred.version, login.instanceUrl)
    },
    async saveCanvasTokens(db, linkId, t) {
      // Every verified visit lands here, so it is kept to two statements: the row and its one secret.
      const id = await repo.upsertCanvasCredential(db, {
        linkId,
        username: t.username,
        instanceUrl: t.instanceUrl,
        ttlSeconds: t.ttlSeconds,
      })
      await secrets.put(db, 'credential', id, 'accessToken', t.oauthToken)
      if (t.refreshToken)
        await store.captureRefreshToken(db, linkId, {
          refreshToken: t.refreshToken,
          instanceUrl: t.instanceUrl,
          username: t.username,
        })
    },
    async hasRefreshToken(db, linkId, refreshToken) {
      const existing = await repo.findCredential(db, linkId, 'oauth_refresh')
      if (!existing || existing.status !== 'ok') return false
      return (await secrets.get(db, 'credential', existing.id, 'refreshToken').catch(() => null)) === refreshToken
    },
    async captureRefreshToken(db, linkId, t) {
      // The same refresh token on every visit: keep the row (and its cached session) as is.
      if (await store.hasRefreshToken(db, linkId, t.refreshToken)) return
      await store.save(db, {
        linkId,
        kind: 'oauth_refresh',
        username: t.username,
        environment: 'canvas',
        instanceUrl: t.instanceUrl,
        loginUrl: t.instanceUrl,
        succeeded: true,
        secrets: { refreshToken: t.refreshToken },
      })
    },
  }
  return store
}
