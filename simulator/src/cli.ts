// npm run simulator [-- --port 4010 --canvas-app-url http://127.0.0.1:3000/canvas --seed 7]
//   [--permitted-users self_authorize] [--refresh-token-rotation] [--new-org]
// Runs the Salesforce simulator alone and prints how to use it.
import { parseArgs } from 'node:util'
import { createSalesforceSimulator } from './index.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    seed: { type: 'string' },
    'canvas-app-url': { type: 'string' },
    'public-url': { type: 'string' },
    contacts: { type: 'string' },
    leads: { type: 'string' },
    log: { type: 'boolean', default: false },
    'permitted-users': { type: 'string' },
    'refresh-token-rotation': { type: 'boolean', default: false },
    'new-org': { type: 'boolean', default: false },
  },
})
const permittedUsers = values['permitted-users']
if (permittedUsers !== undefined && permittedUsers !== 'admin_preauthorized' && permittedUsers !== 'self_authorize') {
  console.error('--permitted-users is admin_preauthorized or self_authorize')
  process.exit(2)
}

const port = Number(values.port ?? process.env.SIM_PORT ?? 0)
const simulator = await createSalesforceSimulator({
  port,
  host: values.host ?? process.env.SIM_HOST,
  seed: values.seed ? Number(values.seed) : undefined,
  canvasAppUrl: values['canvas-app-url'] ?? process.env.SIM_CANVAS_APP_URL,
  publicUrl: values['public-url'],
  data:
    values.contacts || values.leads
      ? { contacts: Number(values.contacts ?? 250), leads: Number(values.leads ?? 120), campaigns: 3 }
      : undefined,
  logger: values.log,
  permittedUsers,
  refreshTokenRotation: values['refresh-token-rotation'],
  createdAfterWinter26: values['new-org'],
})

const lines = [
  `Salesforce simulator listening on ${simulator.url}`,
  `  login URL / instance URL: ${simulator.url}`,
  `  connected app: consumer key ${simulator.consumerKey}, consumer secret ${simulator.consumerSecret}`,
  `  canvas host: ${simulator.url}/canvas-host${simulator.control.canvasAppUrl() ? ` (app: ${simulator.control.canvasAppUrl()})` : '?app=<your canvas URL>'}`,
  `  control API: ${simulator.url}/_sim/users, /_sim/counters, /_sim/outbox, ...`,
  '',
  'Users (SOAP login password = password + security token):',
  ...simulator.control
    .users()
    .map(
      (u) =>
        `  ${u.username}  password: ${u.password}  security token: ${u.securityToken}  id: ${u.id}  org: ${u.organizationId}`,
    ),
]
console.log(lines.join('\n'))

const stop = async () => {
  await simulator.close()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
