import { useEffect, useRef } from 'preact/hooks'

interface InlineConfirmProps {
  id: string
  question: string
  detail?: string
  confirmLabel: string
  busy?: boolean
  onConfirm: () => void
  onCancel: () => void
}

/**
 * A confirmation shown in place, next to the button that asked for it. Deliberately not a
 * modal: inside Salesforce the app's iframe grows to its content, so a fixed, centred
 * dialog can sit far outside the visible part of the page.
 */
export function InlineConfirm({ id, question, detail, confirmLabel, busy, onConfirm, onCancel }: InlineConfirmProps) {
  const cancelRef = useRef<HTMLButtonElement>(null)
  useEffect(() => cancelRef.current?.focus(), [])
  return (
    <div
      class="sfl-confirm slds-box slds-box_x-small slds-theme_shade"
      role="group"
      aria-labelledby={`${id}-question`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onCancel()
      }}
    >
      <p id={`${id}-question`} class="slds-text-title_bold">
        {question}
      </p>
      {detail && <p class="slds-text-body_small slds-m-top_xx-small">{detail}</p>}
      <div class="slds-m-top_x-small sfl-actions">
        <button
          type="button"
          class="slds-button slds-button_neutral"
          ref={cancelRef}
          onClick={onCancel}
          disabled={busy}
        >
          Cancel
        </button>
        <button type="button" class="slds-button slds-button_destructive" onClick={onConfirm} disabled={busy}>
          {confirmLabel}
        </button>
      </div>
    </div>
  )
}
