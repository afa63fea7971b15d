/** What the app shows about demo mode (`GET /demo.json`, the frame-ancestors): where the simulator is and who can log in. */
import type { CaughtMail } from './mail-catcher.js'

export interface DemoInfo {
  simulatorUrl: string
  /** The demo mail catcher (server/src/demo/mail-catcher.ts), when it runs. */
  mail?: { list(): CaughtMail[] } | null
  users(): Promise<
    Array<{ id: string; organizationId: string; username: string; password: string; securityToken: string }>
  >
}
