/** A SOQL error as Salesforce reports it: `[{message, errorCode}]`, HTTP 400. */
export class SoqlError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message)
    this.name = 'SoqlError'
  }
}

/** Salesforce's message layout: the query, a caret under the column, then the reason. `index` is 0-based. */
export function soqlError(soql: string, index: number, detail: string, errorCode = 'MALFORMED_QUERY'): SoqlError {
  const before = soql.slice(0, Math.max(0, index))
  const row = before.split('\n').length
  const line = soql.split('\n')[row - 1] ?? ''
  const column = index - before.lastIndexOf('\n')
  return new SoqlError(
    errorCode,
    `\n${line}\n${' '.repeat(Math.max(0, column - 1))}^\nERROR at Row:${row}:Column:${column}\n${detail}`,
  )
}
