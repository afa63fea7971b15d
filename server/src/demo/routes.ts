/**
 * Demo mode only: `GET /demo.json` (where the simulated Salesforce is, who can log in to it, and
 * what it can be made to do) and `POST /demo/actions/:action` (does it, through the simulator's
 * control API).
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

import type { DemoInfo } from '../app.js'
import { AppError } from '../errors.js'
import { DEMO_ACTIONS, controlRequest, isDemoAction } from './actions.js'

export const demoRoutes: FastifyPluginAsyncTypebox<{ demo: DemoInfo }> = async (app, { demo }) => {
  app.get(
    '/demo.json',
    { schema: { tags: ['demo'], summary: 'Demo mode: the simulator, its users and what it can be made to do' } },
    async () => ({
      simulatorUrl: demo.simulatorUrl,
      canvasHostUrl: `${demo.simulatorUrl}/canvas-host`,
      users: await demo.users(),
      actions: DEMO_ACTIONS,
    }),
  )

  app.post(
    '/demo/actions/:action',
    {
      config: { sameOrigin: true },
      schema: {
        tags: ['demo'],
        summary: 'Demo mode: make the simulated Salesforce reset a token, change a password, expire sessions, …',
        params: Type.Object({ action: Type.String({ maxLength: 40 }) }),
        body: Type.Object({ userId: Type.String({ minLength: 15, maxLength: 18 }) }),
        response: {
          200: Type.Object({ action: Type.String(), label: Type.String(), explanation: Type.String() }),
          400: { $ref: 'Error#' },
          404: { $ref: 'Error#' },
        },
      },
    },
    async (request) => {
      const { action } = request.params
      if (!isDemoAction(action)) throw new AppError('NOT_FOUND', 'There is no such demo action.')
      const user = (await demo.users()).find((u) => u.id === request.body.userId)
      if (!user) throw new AppError('NOT_FOUND', 'There is no such demo user.')
      const call = controlRequest(action, user)
      const res = await fetch(new URL(call.path, demo.simulatorUrl), {
        method: call.method,
        headers: call.body ? { 'content-type': 'application/json' } : {},
        body: call.body ? JSON.stringify(call.body) : undefined,
        signal: AbortSignal.timeout(5_000),
      }).catch(() => null)
      if (!res?.ok) throw new AppError('SERVICE_UNAVAILABLE', 'The simulated Salesforce did not answer. Try again.')
      await res.body?.cancel()
      const { label, explanation } = DEMO_ACTIONS.find((a) => a.id === action)!
      return { action, label, explanation }
    },
  )
}
