import { createContext, type ComponentChildren } from 'preact'
import { useCallback, useContext, useMemo, useRef, useState } from 'preact/hooks'
import { Icon } from './icon.js'

export interface ToastInput {
  tone: 'success' | 'info' | 'warning' | 'error'
  title: string
  detail?: string
}

interface Toast extends ToastInput {
  id: number
}

type ShowToast = (toast: ToastInput) => void

// Written out in full: the build keeps only SLDS classes it finds in the sources (canvas-ui/vite.config.ts).
const TOAST_THEME: Record<ToastInput['tone'], string> = {
  success: 'slds-theme_success',
  info: 'slds-theme_info',
  warning: 'slds-theme_warning',
  error: 'slds-theme_error',
}

const ToastContext = createContext<ShowToast>(() => undefined)

export function useToast(): ShowToast {
  return useContext(ToastContext)
}

/** SLDS toasts for confirmations ("Connection saved"). Errors that need action are shown inline instead. */
export function ToastProvider({ children }: { children: ComponentChildren }) {
  const [toasts, setToasts] = useState<Toast[]>([])
  const next = useRef(1)
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), [])
  const show = useCallback<ShowToast>(
    (toast) => {
      const id = next.current++
      setToasts((all) => [...all.slice(-2), { ...toast, id }])
      if (toast.tone !== 'error') setTimeout(() => dismiss(id), 6000)
    },
    [dismiss],
  )
  const value = useMemo(() => show, [show])
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div class="slds-notify_container sfl-toasts" aria-live="polite">
        {toasts.map((t) => (
          <div
            key={t.id}
            class={`slds-notify slds-notify_toast ${TOAST_THEME[t.tone]}`}
            role={t.tone === 'error' ? 'alert' : 'status'}
          >
            <span class="slds-assistive-text">{t.tone}</span>
            <span class="slds-icon_container slds-m-right_small slds-no-flex slds-align-top">
              <Icon name={t.tone} class="slds-icon slds-icon_small" />
            </span>
            <div class="slds-notify__content">
              <h2 class="slds-text-heading_small sfl-toast-title" title={t.title}>
                {t.title}
              </h2>
              {t.detail && <p>{t.detail}</p>}
            </div>
            <div class="slds-notify__close">
              <button
                type="button"
                class="slds-button slds-button_icon slds-button_icon-inverse"
                title="Close"
                onClick={() => dismiss(t.id)}
              >
                <Icon name="close" class="slds-button__icon slds-button__icon_large" />
                <span class="slds-assistive-text">Close</span>
              </button>
            </div>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  )
}
