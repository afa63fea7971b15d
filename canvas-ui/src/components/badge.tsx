import type { CredentialStatus } from '../types.js'

const STATUS: Record<CredentialStatus, { label: string; cls: string }> = {
  ok: { label: 'OK', cls: 'slds-badge slds-theme_success' },
  needs_attention: { label: 'Needs attention', cls: 'slds-badge slds-theme_warning' },
  rate_limited: { label: 'Rate limited', cls: 'slds-badge sfl-badge_info' },
  none: { label: 'None', cls: 'slds-badge' },
}

export function CredentialStatusBadge({
  status,
  testId = 'credential-status',
}: {
  status: CredentialStatus
  testId?: string
}) {
  const s = STATUS[status] ?? STATUS.none
  return (
    <span class={s.cls} data-testid={testId} data-status={status}>
      {s.label}
    </span>
  )
}
