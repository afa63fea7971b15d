/** What the app shows about demo mode (`GET /demo.json`, the frame-ancestors): where the simulator is and who can log in. */
export interface DemoInfo {
  simulatorUrl: string
  users(): Promise<
    Array<{ id: string; organizationId: string; username: string; password: string; securityToken: string }>
  >
}
