/** SLDS spinner. `block` reserves room and centres it; `inline` sits in a line of text or a button row. */
export function Spinner({ label = 'Loading', variant = 'block' }: { label?: string; variant?: 'block' | 'inline' }) {
  const dots = (
    <>
      <span class="slds-assistive-text">{label}</span>
      <div class="slds-spinner__dot-a" />
      <div class="slds-spinner__dot-b" />
    </>
  )
  if (variant === 'inline') {
    return (
      <span class="sfl-spinner-inline" role="status">
        <div class="slds-spinner slds-spinner_x-small slds-spinner_inline slds-spinner_brand">{dots}</div>
      </span>
    )
  }
  return (
    <div class="sfl-spinner-block" role="status">
      <div class="slds-spinner slds-spinner_medium slds-spinner_brand">{dots}</div>
    </div>
  )
}
