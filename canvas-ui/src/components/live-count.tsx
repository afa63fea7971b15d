import { useEffect, useRef, useState } from 'preact/hooks'
import { type ApiError, isAbortError, toApiError } from '../api.js'
import { useApp } from '../app-context.js'
import { formatCount } from '../format.js'
import type { ConnectionInput, PreviewResult } from '../types.js'
import { ErrorAlert } from './alerts.js'
import { Spinner } from './spinner.js'

const DEBOUNCE_MS = 600

/** How many records the connection being edited matches, asked again (debounced) after every change. */
export function LiveCount({ draft, waitingFor }: { draft: ConnectionInput | null; waitingFor?: string }) {
  const { api } = useApp()
  const [result, setResult] = useState<PreviewResult | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [loading, setLoading] = useState(false)
  const key = draft ? JSON.stringify(draft) : ''
  const latest = useRef(key)
  latest.current = key

  useEffect(() => {
    if (!draft) return
    const controller = new AbortController()
    setLoading(true)
    const timer = setTimeout(() => {
      api.previewConnection(draft, controller.signal).then(
        (r) => {
          if (latest.current !== key) return
          setResult(r)
          setError(null)
          setLoading(false)
        },
        (e: unknown) => {
          if (isAbortError(e) || latest.current !== key) return
          setError(toApiError(e))
          setLoading(false)
        },
      )
    }, DEBOUNCE_MS)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
    // key is the draft's content: re-run only when it really changes
  }, [key])

  return (
    <section
      class="slds-box slds-theme_default sfl-live-count"
      aria-labelledby="live-count-title"
      data-testid="live-count"
    >
      <h2 id="live-count-title" class="slds-text-title_caps">
        Matching records
      </h2>
      {!draft ? (
        <p class="slds-text-color_weak slds-m-top_x-small">{waitingFor ?? 'Pick an object and at least one field.'}</p>
      ) : (
        <>
          <p class="sfl-count" aria-live="polite" aria-busy={loading}>
            <span data-testid="live-count-value">{result ? formatCount(result.count) : '—'}</span>
            {loading && <Spinner variant="inline" label="Counting" />}
          </p>
          {error && <ErrorAlert error={error} title="Could not count" />}
          {result?.soql && (
            <details class="slds-m-top_x-small">
              <summary class="slds-text-body_small">Query sent to Salesforce</summary>
              <code class="sfl-soql">{result.soql}</code>
            </details>
          )}
        </>
      )}
    </section>
  )
}
