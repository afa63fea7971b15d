// Entry point of the canvas UI (built by `npm run build:ui`, served by the server at `/`
// and, with the Canvas bootstrap filled in, by `POST /canvas`).
// SLDS: the unminified stylesheet on purpose. The package's .min.css contains selectors
// like `:nth-child(1of.slds-is-selected-multi)` (its minifier dropped required spaces),
// which Vite's CSS minifier rightly rejects; Vite minifies the full file itself.
import '@salesforce-ux/design-system/assets/styles/salesforce-lightning-design-system.css'
import './styles.css'
import { render } from 'preact'
import { App } from './app.js'
import { ToastProvider } from './components/toasts.js'
import { createRuntime } from './runtime.js'

const root = document.getElementById('app')
if (root) {
  try {
    const runtime = createRuntime()
    document.documentElement.dataset.context = runtime.mode
    render(
      <ToastProvider>
        <App runtime={runtime} />
      </ToastProvider>,
      root,
    )
  } catch (error) {
    // Never a blank page: say what happened in plain HTML.
    console.error(error)
    root.innerHTML =
      '<div class="slds-notify slds-notify_alert slds-alert_error" role="alert"><h2>SF Link could not start. Reload the page; if it keeps happening, contact your administrator.</h2></div>'
  }
}
