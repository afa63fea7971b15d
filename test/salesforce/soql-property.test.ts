import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Connection } from 'jsforce'
import { createSalesforceSimulator, type SalesforceSimulator } from '@sf-link/simulator'
import {
  fetchDescribe,
  relatedTargets,
  withRelatedFields,
  type DescribeFieldView,
  type DescribeView,
} from '../../server/src/connections/describe.js'
import {
  buildSoql,
  DATE_LITERALS,
  DATE_N_LITERALS,
  OPERATORS_BY_TYPE,
  SoqlBuildError,
  type ConnectionFilter,
  type FilterOperator,
} from '../../server/src/salesforce/soql.js'

/**
 * The SOQL builder against the simulator's real describes (every field type of Contact, Lead
 * and CampaignMember, with their related fields) and its SOQL engine, which answers with
 * Salesforce's own errors: whatever the builder accepts, Salesforce must accept too, and no
 * typed value can widen the query past the fixed conditions.
 */
describe('SOQL builder property: every field type and date literal, against the simulator', () => {
  let sim: SalesforceSimulator
  let conn: Connection
  const describes = new Map<string, DescribeView>()

  beforeAll(async () => {
    sim = await createSalesforceSimulator({ data: { contacts: 150, leads: 80, campaigns: 2 } })
    const [ada] = sim.control.users()
    conn = new Connection({ loginUrl: sim.url })
    await conn.login(ada!.username, ada!.password + ada!.securityToken)
    for (const sobject of ['Contact', 'Lead', 'CampaignMember']) {
      const base = await fetchDescribe(conn, sobject)
      const targets = new Map<string, DescribeView>()
      for (const target of new Set(relatedTargets(base).values()))
        targets.set(target, await fetchDescribe(conn, target))
      describes.set(sobject, withRelatedFields(base, targets))
    }
  })
  afterAll(async () => {
    await sim?.close()
  })

  /** Text that tries to break out of a literal, or is merely awkward. */
  const hostileText = fc.oneof(
    fc.constantFrom(
      "' OR HasOptedOutOfEmail = true OR Name != '",
      "x') OR (Id != null",
      '\\',
      "\\' OR Id != null --",
      '%',
      '_',
      'a;b',
      '"',
      'Web',
      '',
    ),
    fc.string({ maxLength: 12 }),
  )
  const dateText = fc
    .date({ min: new Date('1700-01-01T00:00:00Z'), max: new Date('3999-12-30T00:00:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10))
  const relative = fc.oneof(
    fc.constantFrom(...DATE_LITERALS),
    fc.tuple(fc.constantFrom(...DATE_N_LITERALS), fc.integer({ min: 0, max: 1200 })).map(([l, n]) => `${l}:${n}`),
  )

  /** A value shaped for the field's type (and sometimes not, to see the builder refuse). */
  function valueFor(field: DescribeFieldView, operator: FilterOperator): fc.Arbitrary<unknown> {
    const type = field.type
    const picklist = field.picklistValues?.length ? fc.constantFrom(...field.picklistValues) : hostileText
    const scalar: fc.Arbitrary<unknown> = (() => {
      if (type === 'boolean') return fc.oneof(fc.boolean(), fc.constantFrom('true', 'false', 'yes'))
      if (['int', 'double', 'currency', 'percent', 'long'].includes(type))
        return fc.oneof(
          fc.integer({ min: -1e6, max: 1e6 }),
          fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
          fc.constantFrom('12.50', '7', 'ten'),
        )
      if (type === 'date' || type === 'datetime')
        return fc.oneof(
          relative.map((r) => ({ relative: r })),
          dateText.map((day) => ({ day })),
          dateText.map((d) => (type === 'date' ? d : `${d}T12:30:00Z`)),
        )
      if (type === 'id' || type === 'reference')
        return fc.oneof(fc.constantFrom('003000000000001AAA', '701000000000001', 'nope'), hostileText)
      if (type === 'picklist' || type === 'multipicklist') return fc.oneof(picklist, hostileText)
      return hostileText
    })()
    if (operator === 'isEmpty' || operator === 'isNotEmpty') return fc.constant(undefined)
    if (['in', 'notIn', 'includes', 'excludes'].includes(operator))
      return fc.array(scalar, { minLength: 1, maxLength: 3 })
    return scalar
  }

  function filterFor(sobject: string): fc.Arbitrary<ConnectionFilter> {
    const fields = describes.get(sobject)!.fields.filter((f) => f.filterable)
    return fc
      .constantFrom(...fields)
      .chain((field) =>
        fc
          .constantFrom(...((OPERATORS_BY_TYPE[field.type] ?? ['=']) as FilterOperator[]))
          .chain((operator) =>
            valueFor(field, operator).map((value) =>
              value === undefined ? { field: field.name, operator } : { field: field.name, operator, value },
            ),
          ),
      )
  }

  const definition = fc.constantFrom('Contact', 'Lead', 'CampaignMember').chain((sobject) =>
    fc.record({
      sobject: fc.constant(sobject),
      filters: fc.array(filterFor(sobject), { minLength: 1, maxLength: 3 }),
      logic: fc.constantFrom<'AND' | 'OR'>('AND', 'OR'),
    }),
  )

  it('covers every field type the describes have', () => {
    const types = new Set(
      [...describes.values()].flatMap((d) => d.fields.filter((f) => f.filterable).map((f) => f.type)),
    )
    for (const type of [
      'string',
      'email',
      'phone',
      'url',
      'picklist',
      'multipicklist',
      'boolean',
      'double',
      'currency',
      'int',
      'date',
      'datetime',
      'reference',
      'id',
      'textarea',
    ]) {
      expect(types, type).toContain(type)
      expect(OPERATORS_BY_TYPE[type], type).toBeDefined()
    }
  })

  it('what the builder accepts, Salesforce accepts; and opted-out people never come back', async () => {
    let accepted = 0
    let refused = 0
    await fc.assert(
      fc.asyncProperty(definition, async (d) => {
        let soql: string
        try {
          soql = buildSoql({ ...d, fields: ['HasOptedOutOfEmail'], excludeOptedOut: true }, describes.get(d.sobject)!, {
            limit: 200,
          }).soql
        } catch (error) {
          expect(error).toBeInstanceOf(SoqlBuildError)
          refused += 1
          return
        }
        accepted += 1
        let result: { records: Array<Record<string, unknown>> }
        try {
          result = await conn.query(soql)
        } catch (error) {
          throw new Error(`Salesforce refused ${soql}: ${(error as Error).message}`, { cause: error })
        }
        for (const record of result.records) expect(record.HasOptedOutOfEmail, soql).toBe(false)
      }),
      { numRuns: 300 },
    )
    // Both sides of the rule were exercised.
    expect(accepted).toBeGreaterThan(100)
    expect(refused).toBeGreaterThan(5)
  }, 120_000)

  it('every date literal is accepted on date and date/time fields alike', async () => {
    const contact = describes.get('Contact')!
    for (const literal of [...DATE_LITERALS, ...DATE_N_LITERALS.map((l) => `${l}:7`)]) {
      for (const field of ['Birthdate', 'CreatedDate']) {
        expect(contact.fields.some((f) => f.name === field)).toBe(true)
        const { soql } = buildSoql(
          {
            sobject: 'Contact',
            fields: ['Email'],
            filters: [{ field, operator: '>=', value: { relative: literal } }],
          },
          contact,
          { count: true },
        )
        await expect(conn.query(soql), soql).resolves.toMatchObject({ totalSize: expect.any(Number) })
      }
    }
  })
})
