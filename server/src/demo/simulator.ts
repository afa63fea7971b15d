/**
 * Demo mode: start the Salesforce simulator (the `@sf-link/simulator` workspace package) beside
 * the app and point the Salesforce settings at it.
 */
import { createSalesforceSimulator, type SalesforceSimulator } from '@sf-link/simulator'
import type { Config } from '../config.js'
import type { DemoInfo } from './info.js'

export interface RunningSimulator extends DemoInfo {
  close(): Promise<void>
  setCanvasAppUrl(url: string): void
}

export async function startDemoSimulator(config: Config): Promise<{ config: Config; simulator: RunningSimulator }> {
  const options = {
    canvasAppUrl: `${config.publicUrl}/canvas`,
    callbackUrls: [`${config.publicUrl}/oauth/salesforce/callback`],
  }
  let sim: SalesforceSimulator
  try {
    sim = await createSalesforceSimulator({ ...options, port: config.simulatorPort })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
    sim = await createSalesforceSimulator({ ...options, port: 0 })
  }
  const { control, consumerKey, consumerSecret } = sim
  const simHost = new URL(sim.url).host
  const next: Config = {
    ...config,
    salesforce: {
      ...config.salesforce,
      loginUrl: config.salesforce.consumerKey ? config.salesforce.loginUrl : sim.url,
      consumerKey: config.salesforce.consumerKey ?? consumerKey,
      consumerSecrets: [...config.salesforce.consumerSecrets, consumerSecret].filter(Boolean),
      extraHosts: [...config.salesforce.extraHosts, simHost],
    },
  }
  return {
    config: next,
    simulator: {
      simulatorUrl: sim.url,
      users: async () =>
        control.users().map((u) => ({
          id: u.id,
          organizationId: u.organizationId,
          username: u.username,
          password: u.password,
          securityToken: u.securityToken,
        })),
      close: () => sim.close(),
      setCanvasAppUrl: (url: string) => control.setCanvasAppUrl(url),
    },
  }
}
