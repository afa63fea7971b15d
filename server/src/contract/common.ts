/** Pieces every part of the contract uses. */
import { Type, type TSchema, type TUnsafe } from 'typebox'

/**
 * A string out of a fixed list. Written as `{type: 'string', enum}` (not a union of literals)
 * so the response serializer treats it as a plain string, and OpenAPI lists the values.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options })
}

export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()])
}

export const ErrorSchema = Type.Object(
  { code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) },
  { $id: 'Error', description: 'Every error: a stable code and a message a person can act on.' },
)

/** A reference to {@link ErrorSchema}, for response maps. */
export const ErrorRef = Type.Unsafe<{ code: string; message: string; details?: unknown }>({ $ref: 'Error#' })

export type { TUnsafe }
