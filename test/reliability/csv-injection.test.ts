/**
 * CSV formula injection: Salesforce data is attacker-controlled (a web-to-lead form fills in
 * any name or title), and a CSV export is opened in a spreadsheet. A pull as CSV prefixes a
 * `'` to every text cell starting with `=`, `+`, `-`, `@`, tab or CR (OWASP's rule); the same
 * pull as NDJSON gives the data exactly as Salesforce sent it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSimApp, linkedAccount, type SimApp } from '../helpers/simulator-app.js'

/** Two web-to-lead submissions: every character OWASP lists, at the start of a text field. */
const HOSTILE = [
  {
    Email: 'one@evil.example',
    FirstName: '=HYPERLINK("http://e.vil",A1)',
    LastName: "+cmd|' /C calc'!A0",
    Title: "@SUM(1+1)*cmd|' /C calc'!A0",
    Phone: '-2+3',
  },
  { Email: 'two@evil.example', FirstName: '\t=1+1', LastName: '\r=1+1', Title: 'Harmless = title', Phone: '555' },
]
const FIELDS = ['Email', 'FirstName', 'LastName', 'Title', 'Phone'] as const

/** Parses RFC 4180 text (quoted fields, doubled quotes, CRLF records). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      i++
    } else field += c
  }
  return rows
}

describe('CSV export and formula injection', () => {
  let t: SimApp
  let bearer: { authorization: string }
  let connectionId: string

  beforeAll(async () => {
    t = await createSimApp({ sim: { canvasRefreshToken: false, data: { contacts: 3, leads: 0, campaigns: 0 } } })
    bearer = {
      authorization: `Bearer ${(await linkedAccount(t.app, t.sim, t.sim.control.users()[0]!.id, 'csv@app.test')).canvasToken}`,
    }
    for (const values of HOSTILE) t.sim.control.insertRecord('Contact', values)
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/connections',
      headers: bearer,
      payload: {
        name: 'Hostile',
        sobject: 'Contact',
        fields: FIELDS,
        filters: [{ field: 'Email', operator: 'in', value: HOSTILE.map((h) => h.Email) }],
        excludeOptedOut: false,
      },
    })
    expect(created.statusCode).toBe(201)
    connectionId = created.json().id
  })
  afterAll(async () => {
    await t?.close()
  })

  it("CSV: every text cell that would start a formula begins with '", async () => {
    const res = await t.app.inject({ url: `/api/connections/${connectionId}/records?format=csv`, headers: bearer })
    expect(res.statusCode).toBe(200)
    const [header, ...rows] = parseCsv(res.body)
    // Pulls lead with the record Id.
    expect(header).toEqual(['Id', ...FIELDS])
    expect(rows).toHaveLength(2)
    const byEmail = new Map(rows.map((r) => [r[1], Object.fromEntries(FIELDS.map((f, i) => [f, r[i + 1]]))]))
    expect(byEmail.get('one@evil.example')).toEqual({
      Email: 'one@evil.example',
      FirstName: `'${HOSTILE[0]!.FirstName}`,
      LastName: `'${HOSTILE[0]!.LastName}`,
      Title: `'${HOSTILE[0]!.Title}`,
      Phone: `'${HOSTILE[0]!.Phone}`,
    })
    expect(byEmail.get('two@evil.example')).toEqual({
      Email: 'two@evil.example',
      FirstName: "'\t=1+1",
      LastName: "'\r=1+1",
      Title: 'Harmless = title',
      Phone: '555',
    })
    // No cell starts like a formula any more.
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/)
  })

  it('NDJSON: the same records exactly as Salesforce sent them', async () => {
    const res = await t.app.inject({ url: `/api/connections/${connectionId}/records?format=ndjson`, headers: bearer })
    expect(res.statusCode).toBe(200)
    const lines = res.body.split('\n').filter(Boolean)
    expect(lines).toHaveLength(2)
    const records = lines.map((l) => JSON.parse(l)).sort((a, b) => a.Email.localeCompare(b.Email))
    expect(records.map(({ Id: _id, ...rest }) => rest)).toEqual(HOSTILE)
  })
})
