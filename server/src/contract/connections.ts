/** Database connections: definitions, their results, and the describe behind the field picker. */
import { Type, type Static } from 'typebox'
import {
  FILTER_OPERATORS,
  MAX_FILTERS,
  MAX_IN_VALUES,
  MAX_STRING_LENGTH,
  SUPPORTED_SOBJECTS,
} from '../connections/soql-builder.js'
import { Nullable, StringEnum } from './common.js'

export const MAX_CONNECTION_NAME_LENGTH = 200

/** A union of literals (each its own JSON Schema `const`), typed as the union of the values. */
function OneOf<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>(
    Type.Union(
      values.map((v) => Type.Literal(v)),
      options,
    ),
  )
}

/** Validates request input (params, bodies); answers use {@link StringEnum}, which serializes as a plain string. */
export const SObjectSchema = OneOf(SUPPORTED_SOBJECTS, { description: 'The Salesforce object queried' })
const FieldNameSchema = Type.String({
  minLength: 1,
  maxLength: 80,
  pattern: '^[A-Za-z][A-Za-z0-9_]*$',
  description: 'A field API name, checked against the describe',
})
const ScalarSchema = Type.Union([Type.String({ maxLength: MAX_STRING_LENGTH }), Type.Number(), Type.Boolean()])
const LogicSchema = Type.Union([Type.Literal('AND'), Type.Literal('OR')])

export const FilterSchema = Type.Object({
  field: FieldNameSchema,
  operator: OneOf(FILTER_OPERATORS),
  value: Type.Optional(
    Type.Union([ScalarSchema, Type.Null(), Type.Array(ScalarSchema, { maxItems: MAX_IN_VALUES })], {
      description: 'A list for in/notIn; none for isEmpty/isNotEmpty',
    }),
  ),
})
export type Filter = Static<typeof FilterSchema>

const definitionProperties = {
  name: Type.String({ minLength: 1, maxLength: MAX_CONNECTION_NAME_LENGTH }),
  sobject: SObjectSchema,
  fields: Type.Array(FieldNameSchema, { maxItems: 200 }),
  filters: Type.Optional(Type.Array(FilterSchema, { maxItems: MAX_FILTERS })),
  logic: Type.Optional(LogicSchema),
  excludeOptedOut: Type.Optional(Type.Boolean({ description: 'Default true' })),
  requireEmail: Type.Optional(Type.Boolean({ description: 'Default false' })),
  excludeSuppressed: Type.Optional(
    Type.Boolean({ description: "Default false: leave out addresses on the account's suppression list" }),
  ),
}

export const ConnectionCreateSchema = Type.Object(definitionProperties)
export type ConnectionCreate = Static<typeof ConnectionCreateSchema>
export const ConnectionPatchSchema = Type.Partial(Type.Object(definitionProperties))
export type ConnectionPatch = Static<typeof ConnectionPatchSchema>
export const ConnectionPreviewSchema = Type.Object({
  ...definitionProperties,
  name: Type.Optional(Type.String({ maxLength: MAX_CONNECTION_NAME_LENGTH })),
})
export type ConnectionPreview = Static<typeof ConnectionPreviewSchema>

/** A stored filter as answered: the value is whatever was saved (checked by {@link FilterSchema} then). */
const StoredFilterSchema = Type.Object({
  field: Type.String(),
  operator: StringEnum(FILTER_OPERATORS),
  value: Type.Optional(
    Type.Unsafe<string | number | boolean | null | Array<string | number | boolean>>({
      description: 'A list for in/notIn; none for isEmpty/isNotEmpty',
    }),
  ),
})

export const ConnectionSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  sobject: StringEnum(SUPPORTED_SOBJECTS, { description: 'The Salesforce object queried' }),
  fields: Type.Array(Type.String()),
  filters: Type.Array(StoredFilterSchema),
  logic: LogicSchema,
  excludeOptedOut: Type.Boolean(),
  requireEmail: Type.Boolean(),
  excludeSuppressed: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})
export type Connection = Static<typeof ConnectionSchema>

export const AccessSchema = Type.Object({
  canConnect: Type.Boolean(),
  code: Nullable(Type.String()),
  message: Nullable(Type.String()),
})
export type Access = Static<typeof AccessSchema>

export const ConnectionListSchema = Type.Object({ items: Type.Array(ConnectionSchema), access: AccessSchema })
export type ConnectionList = Static<typeof ConnectionListSchema>

export const TestResultSchema = Type.Object({
  count: Type.Integer({ description: 'How many records match in Salesforce' }),
  records: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
    description: `Up to 10 of them: Id and the fields`,
  }),
  soql: Type.String({ description: 'The query the connection runs' }),
})
export type TestResult = Static<typeof TestResultSchema>

export const DescribeFieldSchema = Type.Object({
  name: Type.String(),
  label: Type.String(),
  type: Type.String(),
  filterable: Type.Boolean(),
  picklistValues: Type.Optional(Type.Array(Type.String())),
})
export type DescribeField = Static<typeof DescribeFieldSchema>

export const DescribeSchema = Type.Object({
  name: Type.String(),
  label: Type.String(),
  fields: Type.Array(DescribeFieldSchema),
})
export type Describe = Static<typeof DescribeSchema>

export const RecordFormatSchema = Type.Union([Type.Literal('ndjson'), Type.Literal('csv')])
