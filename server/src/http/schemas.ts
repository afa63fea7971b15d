/** Schemas shared by several route files. */
import { Type } from '@fastify/type-provider-typebox'

export const ErrorSchema = Type.Object(
  { code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) },
  { $id: 'Error', description: 'Every error: a stable code and a message a person can act on.' },
)
