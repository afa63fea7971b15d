import type { ComponentChildren } from 'preact'
import { useErrorBoundary } from 'preact/hooks'
import { Notice } from './alerts.js'

/** Keeps a rendering bug in one page from blanking the whole app. */
/** Render it with `key={route}` so that moving to another page starts afresh. */
export function ErrorBoundary({ children }: { children: ComponentChildren }) {
  const [error, reset] = useErrorBoundary((err: unknown) => console.error('SF Link UI error', err))
  if (error) {
    return (
      <Notice tone="error" title="This page could not be shown">
        <p>{error instanceof Error ? error.message : String(error)}</p>
        <p class="slds-m-top_x-small">
          <button type="button" class="slds-button slds-button_neutral" onClick={reset}>
            Try again
          </button>{' '}
          <a href="#/connections" onClick={reset}>
            Back to Connections
          </a>
        </p>
      </Notice>
    )
  }
  return <>{children}</>
}
