import { describe, expect, it } from 'vitest'
import { contentDisposition } from '../../server/src/connections/service.js'

describe('download file name of a pull', () => {
  it('is the connection name, with nothing that could break out of the header or a path', () => {
    expect(contentDisposition('Spring list', 'csv')).toBe('attachment; filename="Spring list.csv"')
    expect(contentDisposition('a"; filename="evil.exe', 'csv')).toBe('attachment; filename="a_ filename_evil.exe.csv"')
    expect(contentDisposition('../../etc/passwd', 'ndjson')).toBe('attachment; filename="etc_passwd.ndjson"')
    expect(contentDisposition('line\r\nbreak', 'csv')).toBe('attachment; filename="line_break.csv"')
    expect(contentDisposition('"""', 'csv')).toBe('attachment; filename="connection.csv"')
  })

  it('keeps a non-ASCII name exactly in filename* (RFC 6266)', () => {
    expect(contentDisposition('Kunden München', 'csv')).toBe(
      `attachment; filename="Kunden M_nchen.csv"; filename*=UTF-8''Kunden%20M%C3%BCnchen.csv`,
    )
  })
})
