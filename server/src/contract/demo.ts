/** `GET /demo.json`: demo mode only. */
import { Type, type Static } from 'typebox'

export const DemoUserSchema = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  username: Type.String(),
  password: Type.String(),
  securityToken: Type.String(),
})
export type DemoUser = Static<typeof DemoUserSchema>

export const DemoInfoSchema = Type.Object({
  simulatorUrl: Type.String(),
  canvasHostUrl: Type.String({ description: 'A page that frames the app as Salesforce does (Canvas)' }),
  mailUrl: Type.Optional(Type.String({ description: 'The demo mail catcher: the emails SF Link sent' })),
  users: Type.Array(DemoUserSchema),
})
export type DemoInfoView = Static<typeof DemoInfoSchema>
