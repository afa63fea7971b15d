import { useState } from 'preact/hooks'
import { ButtonIcon } from './icon.js'

/**
 * Copies text to the clipboard. Inside the Salesforce iframe the async Clipboard API is
 * often not permitted (no `clipboard-write` in the frame's allow list), so it falls back
 * to the legacy copy command, which works from a click.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    const area = document.createElement('textarea')
    area.value = text
    area.setAttribute('readonly', '')
    area.className = 'sfl-offscreen'
    document.body.appendChild(area)
    area.select()
    let ok: boolean
    try {
      ok = document.execCommand('copy')
    } catch {
      ok = false
    }
    area.remove()
    return ok
  }
}

export function CopyButton({
  text,
  label = 'Copy',
  describedBy,
}: {
  text: string
  label?: string
  describedBy?: string
}) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  return (
    <>
      <button
        type="button"
        class="slds-button slds-button_neutral"
        aria-describedby={describedBy}
        onClick={async () => {
          setState((await copyText(text)) ? 'copied' : 'failed')
          setTimeout(() => setState('idle'), 2500)
        }}
      >
        <ButtonIcon name={state === 'copied' ? 'check' : 'copy'} left />
        {label}
      </button>
      <span class="slds-assistive-text" role="status">
        {state === 'copied'
          ? 'Copied to the clipboard'
          : state === 'failed'
            ? 'Could not copy: select the text and copy it yourself'
            : ''}
      </span>
    </>
  )
}
