/** The start banner: which mode, where the app is, and in demo mode how to use the simulator. */
import type { Config } from '../config.js'
import type { RunningSimulator } from './simulator.js'
import type { MailCatcher } from './mail-catcher.js'

export function printBanner(opts: {
  config: Config
  simulator: RunningSimulator | null
  mailCatcher?: MailCatcher | null
  embedded: boolean
  generatedKeys: boolean
  workerOnly: boolean
}): void {
  const { config, simulator } = opts
  const lines: string[] = []
  if (config.mode === 'demo') {
    lines.push('SF Link is running in DEMO MODE: Salesforce is simulated and nothing leaves this machine.')
  } else {
    lines.push(`SF Link is running (${config.mode} mode).`)
  }
  if (!opts.workerOnly)
    lines.push(
      `  App:         ${config.publicUrl}/   (API docs: ${config.publicUrl}/docs, health: ${config.publicUrl}/readyz)`,
    )
  else lines.push('  Worker only: processing background jobs, no HTTP.')
  lines.push(
    `  Database:    ${opts.embedded ? `embedded Postgres (PGlite), data in ${config.dataDir}` : 'DATABASE_URL'}`,
  )
  if (opts.generatedKeys)
    lines.push(`  Keys:        generated dev keys in ${config.dataDir}/dev-keys.json (never use them in production)`)
  if (simulator) {
    lines.push(`  Salesforce:  simulator at ${simulator.simulatorUrl}`)
    lines.push(`  Try it:      open ${simulator.simulatorUrl}/canvas-host to open SF Link "inside Salesforce",`)
    lines.push(
      `               then ${config.publicUrl}/ to use it standalone. Demo users: ${config.publicUrl}/demo.json`,
    )
  }
  if (opts.mailCatcher && !opts.workerOnly) {
    lines.push(`  Mail:        emails SF Link sends are caught at ${config.publicUrl}/demo/mail`)
  } else if (!config.notifications.enabled) {
    lines.push('  Mail:        notification emails are off')
  }
  const width = Math.max(...lines.map((l) => l.length)) + 2
  const bar = '='.repeat(width)
  console.log(`\n${bar}\n${lines.join('\n')}\n${bar}\n`)
}
