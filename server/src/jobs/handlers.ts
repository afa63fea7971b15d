/** The queues and their handlers. Each domain contributes its own. */
import type { PgBoss } from 'pg-boss'
import type { Logger } from 'pino'
import type { Services } from '../services.js'

export async function registerJobHandlers(_boss: PgBoss, _services: Services, _log: Logger): Promise<void> {
  // Unsubscribe push/pull handlers are registered here by the unsubscribes domain.
}
