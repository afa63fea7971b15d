/**
 * Group commit for canvas visits. A visit that finds no batch in flight goes at once, alone, as
 * repository.ts enterVisit's single statement: no timer, no added latency. Visits that arrive while
 * batches are in flight wait and go together, when one comes back, as ONE statement in one commit
 * (repository.ts enterVisits): under load each visit shares a round trip, a parse and a WAL flush.
 *
 * - Each visit gets its own result row, and none is answered before its statement has committed.
 * - Two visits of the same signed request or the same user never share a batch (an upsert cannot
 *   touch one row twice in a statement): the later one waits for a later batch, so a replay still
 *   sees the first sight's row.
 * - A batch that fails as a whole (say, a deadlock with a concurrent visit) is retried as single
 *   statements, one per member, so one bad visit fails alone.
 */
import type { Queryable } from '../db/pool.js'
import type { LinkIdentity } from '../links/repository.js'
import { enterVisit, enterVisits, type VisitInput, type VisitOutcome } from './repository.js'

/**
 * Statements in flight at once before visits start to queue. One: the visits arriving while it runs
 * form the next batch, so fewer commits at saturation (bench/canvas-entry.ts: two in flight gave
 * 47.5 % of the bare route's throughput, one 50–55 %, with the same p99 at 100 req/s).
 */
export const MAX_IN_FLIGHT = 1
/** Visits in one statement at most. */
export const MAX_BATCH = 64

interface Waiting {
  identity: LinkIdentity
  v: VisitInput
  resolve: (outcome: VisitOutcome) => void
  reject: (err: unknown) => void
}

export interface VisitBatcher {
  enter(identity: LinkIdentity, v: VisitInput): Promise<VisitOutcome>
}

export function createVisitBatcher(
  db: Queryable,
  options: { maxInFlight?: number; maxBatch?: number } = {},
): VisitBatcher {
  const maxInFlight = options.maxInFlight ?? MAX_IN_FLIGHT
  const maxBatch = options.maxBatch ?? MAX_BATCH
  let inFlight = 0
  let queue: Waiting[] = []

  const single = (w: Waiting) => enterVisit(db, w.identity, w.v).then(w.resolve, w.reject)

  /** The next batch: queued visits in arrival order, none sharing a signed request or a user with an earlier one. */
  function takeBatch(): Waiting[] {
    const batch: Waiting[] = []
    const rest: Waiting[] = []
    const digests = new Set<string>()
    const users = new Set<string>()
    for (const w of queue) {
      const digest = w.v.digest.toString('hex')
      const user = `${w.identity.organizationId}/${w.identity.salesforceUserId}`
      const clash =
        digests.has(digest) ||
        users.has(user) ||
        w.v.freshSeconds !== queue[0]!.v.freshSeconds ||
        w.v.canvasTtlSeconds !== queue[0]!.v.canvasTtlSeconds
      // A visit that cannot join keeps its place, and so does everything of the same user or request after it.
      digests.add(digest)
      users.add(user)
      if (clash || batch.length >= maxBatch) rest.push(w)
      else batch.push(w)
    }
    queue = rest
    return batch
  }

  async function run(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) return single(batch[0]!)
    let outcomes: VisitOutcome[]
    try {
      outcomes = await enterVisits(db, batch)
    } catch {
      // Nothing of the batch was committed: each member goes again alone, failing on its own if it must.
      await Promise.all(batch.map(single))
      return
    }
    batch.forEach((w, i) => w.resolve(outcomes[i]!))
  }

  function drain(): void {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = takeBatch()
      inFlight++
      void run(batch).finally(() => {
        inFlight--
        drain()
      })
    }
  }

  return {
    enter(identity, v) {
      return new Promise<VisitOutcome>((resolve, reject) => {
        queue.push({ identity, v, resolve, reject })
        drain()
      })
    },
  }
}
