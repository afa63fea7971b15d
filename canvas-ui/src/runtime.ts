// Decides, once per page load, which of the two contexts the UI runs in.
import type { ApiAuth } from './api.js'
import { renewCanvasSession } from './api.js'
import type { Runtime } from './app-context.js'
import { createCanvasBridge } from './canvas-sdk.js'
import { BearerSession, readCanvasBootstrap } from './session.js'

export function createRuntime(): Runtime {
  const bootstrap = readCanvasBootstrap()
  if (!bootstrap) return { mode: 'standalone' }
  const bridge = createCanvasBridge(bootstrap.client)
  const session = new BearerSession({
    initial: bootstrap,
    renew: async () => renewCanvasSession(await bridge.refreshSignedRequest()),
    // Salesforce could not hand us a fresh signed request (or SF Link refused it): ask
    // Salesforce to load the app again, which POSTs a brand-new one.
    onRenewalFailed: (error) => {
      console.warn('SF Link: session renewal failed, asking Salesforce to repost', error)
      bridge.repost()
    },
  })
  bridge.startAutogrow()
  return { mode: 'canvas', bootstrap, session, bridge }
}

export function authFor(runtime: Runtime): ApiAuth {
  if (runtime.mode === 'standalone') return { kind: 'cookie' }
  const { session } = runtime
  return { kind: 'bearer', token: () => session.token(), renew: () => session.renew() }
}
