/** Accounts and sessions: signup, login, `GET /api/me`, `GET /api/csrf`, canvas session renewal. */
import { Type, type Static } from 'typebox'
import { Nullable, StringEnum } from './common.js'

export const SignupBodySchema = Type.Object({
  email: Type.String({ maxLength: 320 }),
  password: Type.String({ maxLength: 1024 }),
  name: Type.Optional(Type.String({ maxLength: 200 })),
})
export type SignupBody = Static<typeof SignupBodySchema>

export const LoginBodySchema = Type.Object({
  email: Type.String({ maxLength: 320 }),
  password: Type.String({ maxLength: 1024 }),
})
export type LoginBody = Static<typeof LoginBodySchema>

/** A session token: from signup, login and `POST /canvas/session`. */
export const SessionTokenSchema = Type.Object({
  token: Type.String(),
  expiresAt: Type.String(),
  linked: Type.Boolean({ description: 'Whether this session belongs to a linked Salesforce user' }),
})
export type SessionToken = Static<typeof SessionTokenSchema>

export const SESSION_KINDS = ['cookie', 'bearer', 'canvas', 'api_key'] as const

export const MeSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  createdAt: Type.String(),
  session: Type.Object({ kind: StringEnum(SESSION_KINDS), expiresAt: Nullable(Type.String()) }),
  insideSalesforce: Type.Boolean(),
})
export type Me = Static<typeof MeSchema>

export const CsrfTokenSchema = Type.Object({ csrfToken: Type.String() })
export type CsrfToken = Static<typeof CsrfTokenSchema>

export const CanvasSessionBodySchema = Type.Object({ signedRequest: Type.String({ maxLength: 64 * 1024 }) })
