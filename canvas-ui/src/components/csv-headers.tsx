import { SelectField } from './form.js'

export type CsvHeaders = 'api' | 'labels'

/** How a CSV export heads its columns: API names (the default, for programs) or Salesforce's labels (for people). */
export function CsvHeadersChoice(props: { id: string; value: CsvHeaders; onValue: (v: CsvHeaders) => void }) {
  return (
    <div class="sfl-csv-headers">
      <SelectField
        id={props.id}
        label="CSV column headers"
        value={props.value}
        onValue={(v) => props.onValue(v === 'labels' ? 'labels' : 'api')}
        options={[
          { value: 'api', label: 'API names (for machines)' },
          { value: 'labels', label: 'Labels (for people)' },
        ]}
      />
    </div>
  )
}
