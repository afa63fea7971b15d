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

export const DemoActionSchema = Type.Object({
  id: Type.String(),
  label: Type.String(),
  explanation: Type.String({ description: 'What the person will then see in SF Link' }),
})
export type DemoAction = Static<typeof DemoActionSchema>

export const DemoInfoSchema = Type.Object({
  simulatorUrl: Type.String(),
  canvasHostUrl: Type.String({ description: 'A page that frames the app as Salesforce does (Canvas)' }),
  mailUrl: Type.Optional(Type.String({ description: 'The demo mail catcher: the emails SF Link sent' })),
  users: Type.Array(DemoUserSchema),
  actions: Type.Array(DemoActionSchema, {
    description: 'What the simulated Salesforce can be made to do (POST /demo/actions/:action)',
  }),
})
export type DemoInfoView = Static<typeof DemoInfoSchema>

/** `POST /demo/actions/:action` `{userId}`: the simulated Salesforce did it. */
export const DemoActionBodySchema = Type.Object({ userId: Type.String({ minLength: 15, maxLength: 18 }) })
export const DemoActionResultSchema = Type.Object({
  action: Type.String(),
  label: Type.String(),
  explanation: Type.String(),
})
export type DemoActionResult = Static<typeof DemoActionResultSchema>
