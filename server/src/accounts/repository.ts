/** All SQL for accounts and sign-in throttling (sessions: http/session-repository.ts). */
import type { Queryable } from '../db/pool.js'

export interface AccountRow {
  id: string
  email: string
  name: string
  passwordHash: string
  createdAt: Date
}

/** The columns of an account, named as {@link AccountRow}'s fields. */
const ACCOUNT_COLUMNS = `id, email, name, password_hash AS "passwordHash", created_at AS "createdAt"`

export async function insertAccount(
  db: Queryable,
  a: { email: string; name: string; passwordHash: string },
): Promise<AccountRow> {
  const { rows } = await db.query<AccountRow>(
    `INSERT INTO accounts (email, name, password_hash) VALUES ($1, $2, $3) RETURNING ${ACCOUNT_COLUMNS}`,
    [a.email, a.name, a.passwordHash],
  )
  return rows[0]
}

export async function findAccountByEmail(db: Queryable, email: string): Promise<AccountRow | null> {
  const { rows } = await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE email = $1`, [email])
  return rows[0] ?? null
}

export async function findAccountById(db: Queryable, id: string): Promise<AccountRow | null> {
  const { rows } = await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`, [id])
  return rows[0] ?? null
}

export interface LoginThrottlePolicy {
  /** Attempts allowed back to back before the waits start (the cap for a burst). */
  freeAttempts: number
  /** The first wait after the free attempts, doubled for each attempt after that. */
  baseDelaySeconds: number
  maxDelaySeconds: number
  /** After this long without an attempt the count starts again. */
  quietSeconds: number
}

/**
 * Reserves one sign-in attempt for (email, client address) before the password is checked,
 * in one conditional upsert: parallel attempts each take their own turn, so a burst of N
 * guesses against a cap of C is evaluated at most C times. Past the free attempts each
 * attempt pushes the next one out (exponential backoff). Returns null when allowed, else the
 * seconds to wait.
 */
export async function reserveLoginAttempt(
  db: Queryable,
  email: string,
  ip: string,
  p: LoginThrottlePolicy,
): Promise<number | null> {
  const { rows } = await db.query(
    `WITH reserved AS (
       INSERT INTO login_throttle AS t (email, ip, attempts, last_attempt_at, next_allowed_at)
       VALUES ($1, $2, 1, now(), now())
       ON CONFLICT (email, ip) DO UPDATE SET
         attempts = CASE WHEN t.last_attempt_at < now() - make_interval(secs => $6) THEN 1 ELSE t.attempts + 1 END,
         last_attempt_at = now(),
         next_allowed_at = CASE
           WHEN t.last_attempt_at < now() - make_interval(secs => $6) OR t.attempts + 1 < $3 THEN now()
           ELSE now() + make_interval(secs => least($5::float8, $4::float8 * power(2, t.attempts + 1 - $3)))
         END
       -- clock_timestamp(), not now(): a parallel attempt whose transaction began a moment earlier
       -- must not read the free turn another one just stored (its now()) as "in the future".
       WHERE t.next_allowed_at <= clock_timestamp() OR t.last_attempt_at < now() - make_interval(secs => $6)
       RETURNING attempts
     )
     SELECT (SELECT attempts FROM reserved) AS attempts,
       (SELECT ceil(extract(epoch FROM next_allowed_at - now()))::int FROM login_throttle WHERE email = $1 AND ip = $2) AS wait`,
    [email, ip, p.freeAttempts, p.baseDelaySeconds, p.maxDelaySeconds, p.quietSeconds],
  )
  const r = rows[0]
  return r.attempts !== null ? null : Math.max(1, r.wait ?? 1)
}

/** A successful sign-in from this address starts its count again. */
export async function clearLoginAttempts(db: Queryable, email: string, ip: string): Promise<void> {
  await db.query(`DELETE FROM login_throttle WHERE email = $1 AND ip = $2`, [email, ip])
}
