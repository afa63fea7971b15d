/**
 * Demo mode: start the Salesforce simulator (test/salesforce-simulator) beside the app and
 * point the Salesforce settings at it. Loaded with a computed path so that the production
 * build neither compiles nor needs the test folder.
 */
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Config } from '../config.js'
import type { DemoInfo } from '../app.js'

export interface RunningSimulator extends DemoInfo {
  close(): Promise<void>
  setCanvasAppUrl(url: string): void
}

export async function startDemoSimulator(config: Config): Promise<{ config: Config; simulator: RunningSimulator }> {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const entry = pathToFileURL(path.resolve(here, '../../../test/salesforce-simulator/index.ts')).href
  const mod = (await import(entry)) as {
    createSalesforceSimulator(
      options: Record<string, unknown>,
    ): Promise<{ url: string; consumerKey: string; consumerSecret: string; close(): Promise<void>; control: any }>
  }
  let sim
  try {
    sim = await mod.createSalesforceSimulator({
      port: config.simulatorPort,
      canvasAppUrl: `${config.publicUrl}/canvas`,
      callbackUrls: [`${config.publicUrl}/oauth/salesforce/callback`],
    })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
    sim = await mod.createSalesforceSimulator({
      port: 0,
      canvasAppUrl: `${config.publicUrl}/canvas`,
      callbackUrls: [`${config.publicUrl}/oauth/salesforce/callback`],
    })
  }
  const control = sim.control
  const { consumerKey, consumerSecret } = sim
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
        (await control.users()).map((u: any) => ({
          id: u.id,
          organizationId: u.organizationId,
          username: u.username,
          password: u.password,
          securityToken: u.securityToken,
        })),
      close: () => sim.close(),
      setCanvasAppUrl: (url: string) => control.setCanvasAppUrl?.(url),
    },
  }
}
