import { runCanvasEntryBenchmark } from './canvas-entry.js'
import { resolveDatabaseTarget } from './lib/database.js'
import { describeMachine } from './lib/report.js'
const database = await resolveDatabaseTarget()
process.env.DATABASE_URL = database.baseUrl!
const rows = await runCanvasEntryBenchmark(
  { database, machine: describeMachine(database), log: (m) => process.stderr.write(m + '\n') },
  { users: 200, durationSeconds: Number(process.env.DUR ?? 6), warmupSeconds: 2, rounds: 2, rateSeconds: 6 },
)
for (const r of rows) console.log(r.name, r.value, r.unit, r.details.slice(0, 600))
process.exit(0)
