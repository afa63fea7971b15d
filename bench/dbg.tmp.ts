import { createSimApp, enterCanvas } from '../test/helpers/simulator-app.js'
const t = await createSimApp({ logger: { level: 'error' } as any })
try {
  const b = await enterCanvas(t.app, t.sim, t.sim.control.users()[0]!.id)
  console.log('ok', b.linked)
} catch (e) {
  console.log(String(e).slice(0, 300))
}
await t.close()
process.exit(0)
