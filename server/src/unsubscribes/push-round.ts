/**
 * One push round, shared by the unsubscribe and the bounce push: find the Contacts and Leads
 * of up to 10,000 addresses, write what the spec plans for them (five collections of 200
 * records per composite call), and record each address's outcome as soon as all its records
 * have an answer — after every Salesforce call, so a crash loses at most one call's answers
 * (and those are re-read and skipped or re-written identically by the next run).
 */
import type { Connection } from 'jsforce'
import type { PushOutcome } from './repository.js'
import { findPeopleByEmail, updateRecords, type PersonRecord, type RecordWrite } from './salesforce-ops.js'

/** An address whose records Salesforce refused is tried this many times, then marked failed. */
export const MAX_ATTEMPTS = 5

export function retryDelaySeconds(attempts: number): number {
  return Math.min(60 * 2 ** Math.max(0, attempts - 1), 3600)
}

export interface PushSpec {
  /** Fields read with each record besides Id, Email and HasOptedOutOfEmail (into `values`). */
  extraFields: readonly string[]
  /** The writes for one address's records, or its outcome when there is nothing to write. */
  plan(
    email: string,
    records: readonly PersonRecord[],
  ): { writes: RecordWrite[] } | { status: 'synced' | 'no_match'; reason: string }
}

export async function pushRound(
  conn: Connection,
  emails: readonly string[],
  attempts: ReadonlyMap<string, number>,
  spec: PushSpec,
  record: (outcomes: PushOutcome[]) => Promise<unknown>,
): Promise<number> {
  const found = await findPeopleByEmail(conn, emails, spec.extraFields)
  const remaining = new Map<string, number>()
  const updatedIds = new Map<string, string[]>()
  const errors = new Map<string, string[]>()
  const immediate: PushOutcome[] = []
  const writes: RecordWrite[] = []
  for (const email of emails) {
    const plan = spec.plan(email, found.get(email) ?? [])
    if ('status' in plan || plan.writes.length === 0) {
      immediate.push({
        email,
        status: 'status' in plan ? plan.status : 'synced',
        reason: 'status' in plan ? plan.reason : null,
      })
    } else {
      remaining.set(email, plan.writes.length)
      writes.push(...plan.writes)
    }
  }
  await record(immediate)

  let updated = 0
  const emailOf = new Map<string, string>()
  for (const email of emails) for (const r of found.get(email) ?? []) emailOf.set(r.id, email)
  await updateRecords(conn, writes, async (outcomes) => {
    const finished: PushOutcome[] = []
    for (const { write, result } of outcomes) {
      const email = emailOf.get(write.id)!
      if (result.success) {
        updated++
        updatedIds.set(email, [...(updatedIds.get(email) ?? []), write.id])
      } else if (result.errorCode !== 'ENTITY_IS_DELETED') {
        // A record deleted since the query has nothing left to write.
        errors.set(email, [...(errors.get(email) ?? []), `${write.sobject} ${write.id}: ${result.error}`])
      }
      const left = remaining.get(email)! - 1
      remaining.set(email, left)
      if (left > 0) continue
      const problems = errors.get(email)
      if (!problems) {
        finished.push({ email, status: 'synced', reason: null, recordIds: updatedIds.get(email) ?? [] })
        continue
      }
      const tried = (attempts.get(email) ?? 0) + 1
      finished.push({
        email,
        status: tried >= MAX_ATTEMPTS ? 'failed' : 'retry',
        reason: problems.join('; ').slice(0, 1000),
        recordIds: updatedIds.get(email) ?? [],
        retryInSeconds: retryDelaySeconds(tried),
      })
    }
    await record(finished)
  })
  return updated
}
