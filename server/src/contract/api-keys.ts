/** API keys for the mailing side. */
import { Type, type Static } from 'typebox'
import { Nullable } from './common.js'

export const ApiKeySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String({
    description: 'The 8 characters after "sfl_": enough to recognise a key, useless to call with',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
})
export type ApiKey = Static<typeof ApiKeySchema>

export const ApiKeyListSchema = Type.Object({ items: Type.Array(ApiKeySchema) })
export type ApiKeyList = Static<typeof ApiKeyListSchema>

export const CreatedApiKeySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String(),
  key: Type.String({ description: 'The whole key (sfl_…). Shown this once: only its hash is kept.' }),
  createdAt: Type.String({ format: 'date-time' }),
})
export type CreatedApiKey = Static<typeof CreatedApiKeySchema>

export const ApiKeyCreateBodySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    password: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'The SF Link password of the signed-in account, checked again',
    }),
  },
  { additionalProperties: false },
)
export type ApiKeyCreateBody = Static<typeof ApiKeyCreateBodySchema>
