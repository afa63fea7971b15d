import { formatValue } from '../format.js'
import type { SalesforceRecord } from '../types.js'

/**
 * Up to ten sample records, one column per requested field (Salesforce's `attributes` left
 * out), headed by Salesforce's labels when known (the API name on hover).
 */
export function RecordsTable({
  records,
  fields,
  labels,
}: {
  records: SalesforceRecord[]
  fields: string[]
  labels?: { name: string; label: string }[]
}) {
  const columns = fields.length ? fields : Object.keys(records[0] ?? {}).filter((k) => k !== 'attributes')
  const labelOf = (name: string) => labels?.find((c) => c.name.toLowerCase() === name.toLowerCase())?.label ?? name
  if (records.length === 0) return <p class="slds-text-color_weak">No record matches.</p>
  return (
    <div class="sfl-scroll-x">
      <table
        class="slds-table slds-table_cell-buffer slds-table_bordered slds-table_striped"
        data-testid="preview-table"
      >
        <caption class="slds-assistive-text">Sample records</caption>
        <thead>
          <tr class="slds-line-height_reset">
            {columns.map((c) => (
              <th scope="col" key={c}>
                <span class="slds-truncate" title={c}>
                  {labelOf(c)}
                </span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {records.map((r, i) => (
            <tr key={typeof r.Id === 'string' ? r.Id : i}>
              {columns.map((c) => (
                <td key={c}>
                  <span class="slds-truncate" title={formatValue(r[c])}>
                    {formatValue(r[c])}
                  </span>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
