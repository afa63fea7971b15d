/** Shared set-up for the connections tests: the app on the simulator, and small request helpers. */
import type { FastifyInstance } from 'fastify'
import type { LightMyRequestResponse } from 'fastify'

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** A definition as the editor sends it. */
export function definition(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Newsletter',
    sobject: 'Contact',
    fields: ['Email', 'FirstName', 'LastName'],
    filters: [],
    logic: 'AND',
    ...overrides,
  }
}

export async function createConnection(
  app: FastifyInstance,
  token: string,
  overrides: Record<string, unknown> = {},
): Promise<any> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/connections',
    headers: bearer(token),
    payload: definition(overrides),
  })
  if (res.statusCode !== 201) throw new Error(`create answered ${res.statusCode}: ${res.body}`)
  return res.json()
}

export async function pull(
  app: FastifyInstance,
  token: string,
  id: string,
  format: 'csv' | 'ndjson',
): Promise<LightMyRequestResponse> {
  return app.inject({ url: `/api/connections/${id}/records?format=${format}`, headers: bearer(token) })
}

export function ndjsonRows(body: string): any[] {
  return body
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line))
}

/** A strict RFC 4180 reader (CRLF records, quoted fields with doubled quotes), to check what the server wrote. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let i = 0
  while (i < text.length) {
    let field = ''
    if (text[i] === '"') {
      i++
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field')
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"'
            i += 2
            continue
          }
          i++
          break
        }
        field += text[i++]
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') throw new Error(`bare quote in unquoted field at ${i}`)
        field += text[i++]
      }
    }
    row.push(field)
    if (text[i] === ',') {
      i++
      continue
    }
    if (text.startsWith('\r\n', i)) {
      rows.push(row)
      row = []
      i += 2
      continue
    }
    if (i < text.length) throw new Error(`expected CRLF or comma at ${i}`)
  }
  if (row.length > 0) rows.push(row)
  return rows
}
