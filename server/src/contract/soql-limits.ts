/** What a connection's filters may contain: part of the contract, enforced by server/src/salesforce/soql.ts. */
export const SUPPORTED_SOBJECTS = ['Contact', 'Lead', 'CampaignMember'] as const
export type SupportedSObject = (typeof SUPPORTED_SOBJECTS)[number]

export const FILTER_OPERATORS = [
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'contains',
  'startsWith',
  'in',
  'notIn',
  'isEmpty',
  'isNotEmpty',
  'includes',
  'excludes',
] as const
export type FilterOperator = (typeof FILTER_OPERATORS)[number]

export const MAX_FILTERS = 50
export const MAX_IN_VALUES = 1000
/** Salesforce refuses longer strings in a WHERE clause. */
export const MAX_STRING_LENGTH = 4000
