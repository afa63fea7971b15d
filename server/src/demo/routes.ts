/** `GET /demo.json` (demo mode only): where the simulated Salesforce is and who can log in to it. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

import type { DemoInfo } from './info.js'

export const demoRoutes: FastifyPluginAsyncTypebox<{ demo: DemoInfo }> = async (app, { demo }) => {
  app.get(
    '/demo.json',
    { schema: { tags: ['demo'], summary: 'Demo mode: the simulator and its users' } },
    async () => ({
      simulatorUrl: demo.simulatorUrl,
      canvasHostUrl: `${demo.simulatorUrl}/canvas-host`,
      users: await demo.users(),
    }),
  )
}
