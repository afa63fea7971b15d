/** Database connections: definitions, their results, and the describe behind the field picker. */
import { Type, type Static } from 'typebox'
import { FILTER_OPERATORS, MAX_FILTERS, MAX_IN_VALUES, MAX_STRING_LENGTH, SUPPORTED_SOBJECTS } from './soql-limits.js'
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
  pattern: '^[A-Za-z][A-Za-z0-9_]*(?:\\.[A-Za-z][A-Za-z0-9_]*)?$',
  description:
    'A field API name, or Relationship.Field of a related record (Account.Name), checked against the describe',
})
const ScalarSchema = Type.Union([Type.String({ maxLength: MAX_STRING_LENGTH }), Type.Number(), Type.Boolean()])
const LogicSchema = Type.Union([Type.Literal('AND'), Type.Literal('OR')])

const RelativeDateSchema = Type.Object(
  { relative: Type.String({ maxLength: 40 }) },
  { additionalProperties: false, description: 'A relative date: TODAY, THIS_MONTH, LAST_N_DAYS:30, …' },
)
const CalendarDaySchema = Type.Object(
  { day: Type.String({ maxLength: 10 }) },
  { additionalProperties: false, description: 'A calendar day (YYYY-MM-DD); the whole UTC day on a date/time field' },
)
/** A relative date (`TODAY`, `LAST_N_DAYS:30`) or a calendar day, on date and date/time fields. */
export type DateValue = Static<typeof RelativeDateSchema> | Static<typeof CalendarDaySchema>

const FILTER_VALUE_DESCRIPTION =
  'A list for in/notIn/includes/excludes; none for isEmpty/isNotEmpty; {relative} or {day} on date and date/time fields'

export const FilterSchema = Type.Object({
  field: FieldNameSchema,
  operator: OneOf(FILTER_OPERATORS),
  value: Type.Optional(
    Type.Union(
      [
        ScalarSchema,
        Type.Null(),
        Type.Array(ScalarSchema, { maxItems: MAX_IN_VALUES }),
        RelativeDateSchema,
        CalendarDaySchema,
      ],
      { description: FILTER_VALUE_DESCRIPTION },
    ),
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
    Type.Unsafe<string | number | boolean | null | Array<string | number | boolean> | DateValue>({
      description: FILTER_VALUE_DESCRIPTION,
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

/** Whether a saved connection still works against its org (a field removed or no longer filterable: broken). */
export const ConnectionHealthSchema = Type.Object({
  state: StringEnum(['ok', 'broken'] as const),
  code: Nullable(Type.String()),
  message: Nullable(Type.String()),
  field: Nullable(Type.String()),
  checkedAt: Type.String({ format: 'date-time' }),
})
export type ConnectionHealth = Static<typeof ConnectionHealthSchema>

export const ConnectionListSchema = Type.Object({
  items: Type.Array(ConnectionSchema),
  access: AccessSchema,
  health: Type.Record(Type.String(), ConnectionHealthSchema, {
    description: 'By connection id: whether it still works against the org (absent: not checked since the last edit)',
  }),
})
export type ConnectionList = Static<typeof ConnectionListSchema>

/** What to do about a problem: a person's next step, never "try again" for what retrying cannot fix. */
export const ProblemActionSchema = Type.Object({
  kind: StringEnum(['fix_access', 'edit_connection', 'check_filters', 'retry_later'] as const),
  label: Type.String(),
  href: Nullable(Type.String({ description: 'Where in SF Link to do it (a hash route of the UI)' })),
})
export type ProblemAction = Static<typeof ProblemActionSchema>

export const ReadinessBodySchema = Type.Object({
  requireNonEmpty: Type.Optional(
    Type.Boolean({ description: 'Not ready when the query matches no records (default false)' }),
  ),
  maxAgeSeconds: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 3600,
      description:
        'A record count this recent (of the connection as it is now) may be reused instead of a new COUNT() at Salesforce, as the connections list does; access is checked every time. Default 0: a pre-send check always counts anew',
    }),
  ),
})
export type ReadinessBody = Static<typeof ReadinessBodySchema>

export const ReadinessSchema = Type.Union([
  Type.Object({ ready: Type.Literal(true), count: Type.Integer() }),
  Type.Object({ ready: Type.Literal(false), code: Type.String(), message: Type.String(), action: ProblemActionSchema }),
])
export type Readiness = Static<typeof ReadinessSchema>

export const CampaignQuerySchema = Type.Object({
  search: Type.Optional(Type.String({ maxLength: 80 })),
  id: Type.Optional(Type.String({ maxLength: 18 })),
})
export type CampaignQuery = Static<typeof CampaignQuerySchema>

export const CampaignSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: Nullable(Type.String()),
  isActive: Nullable(Type.Boolean()),
})
export type Campaign = Static<typeof CampaignSchema>
export const CampaignListSchema = Type.Object({ items: Type.Array(CampaignSchema) })
export type CampaignList = Static<typeof CampaignListSchema>

export const CampaignMemberStatusSchema = Type.Object({
  label: Type.String(),
  isDefault: Type.Boolean(),
  hasResponded: Type.Boolean(),
})
export type CampaignMemberStatus = Static<typeof CampaignMemberStatusSchema>
export const CampaignMemberStatusListSchema = Type.Object({ items: Type.Array(CampaignMemberStatusSchema) })
export type CampaignMemberStatusList = Static<typeof CampaignMemberStatusListSchema>

export const TestResultSchema = Type.Object({
  count: Type.Integer({ description: 'How many records match in Salesforce' }),
  records: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
    description: `Up to 10 of them: Id and the fields`,
  }),
  soql: Type.String({ description: 'The query the connection runs' }),
  columns: Type.Array(Type.Object({ name: Type.String(), label: Type.String() }), {
    description: "The output columns with Salesforce's labels (records stay keyed by API name)",
  }),
})
export type TestResult = Static<typeof TestResultSchema>

export const DescribeFieldSchema = Type.Object({
  name: Type.String(),
  label: Type.String(),
  type: Type.String(),
  filterable: Type.Boolean(),
  picklistValues: Type.Optional(Type.Array(Type.String())),
  custom: Type.Optional(Type.Boolean({ description: 'A custom field (__c)' })),
  relationship: Type.Optional(Type.String({ description: 'On a related field: the relationship label' })),
  referenceTo: Type.Optional(Type.Array(Type.String(), { description: 'On a lookup: the objects it points at' })),
  relationshipName: Type.Optional(Type.String({ description: "On a lookup: the relationship's name in SOQL" })),
})
export type DescribeField = Static<typeof DescribeFieldSchema>

export const DescribeSchema = Type.Object({
  name: Type.String(),
  label: Type.String(),
  fields: Type.Array(DescribeFieldSchema),
})
export type Describe = Static<typeof DescribeSchema>

export const DescribeQuerySchema = Type.Object({
  related: Type.Optional(
    Type.Union([Type.Literal('true'), Type.Literal('false')], {
      description: 'true: also the fields of related records (Account.Name), labelled "Account: Account Name"',
    }),
  ),
})

export const RecordFormatSchema = Type.Union([Type.Literal('ndjson'), Type.Literal('csv')])
export const CsvHeadersSchema = Type.Union([Type.Literal('api'), Type.Literal('labels')], {
  description: "CSV header row: API names (default, for machines) or Salesforce's labels",
})
export type CsvHeaders = Static<typeof CsvHeadersSchema>
export const RecordsQuerySchema = Type.Object({
  format: Type.Optional(RecordFormatSchema),
  headers: Type.Optional(CsvHeadersSchema),
})
export type RecordsQuery = Static<typeof RecordsQuerySchema>
