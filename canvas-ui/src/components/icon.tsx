import { type IconName, UTILITY_ICONS } from './icon-data.js'

export type { IconName }

interface IconProps {
  name: IconName
  /** SLDS classes for the <svg>; defaults to a small grey glyph. */
  class?: string
}

/** A decorative SLDS utility icon (hidden from assistive tech: pair it with text). */
export function Icon({ name, class: cls = 'slds-icon slds-icon_x-small slds-icon-text-default' }: IconProps) {
  const icon = UTILITY_ICONS[name]
  return (
    <svg class={cls} viewBox={icon.viewBox} aria-hidden="true" focusable="false">
      {icon.paths.map((d) => (
        <path key={d} d={d} />
      ))}
    </svg>
  )
}

// Class names are written out in full, never built from a prefix and a value: the build keeps
// only the SLDS rules whose class names appear in these sources (canvas-ui/vite.config.ts).
const BUTTON_ICON_SIZE = { small: 'slds-button__icon_small', large: 'slds-button__icon_large' } as const

/** Icon inside a button (`slds-button__icon`), optionally on the left of the label. */
export function ButtonIcon({
  name,
  left = false,
  size,
}: {
  name: IconName
  left?: boolean
  size?: keyof typeof BUTTON_ICON_SIZE
}) {
  const cls = ['slds-button__icon', left && 'slds-button__icon_left', size && BUTTON_ICON_SIZE[size]]
    .filter(Boolean)
    .join(' ')
  return <Icon name={name} class={cls} />
}

/** The colours of SLDS "standard" icons that our headers use. */
const STANDARD_ICON_TONE = {
  default: 'slds-icon-standard-default',
  user: 'slds-icon-standard-user',
  dataset: 'slds-icon-standard-dataset',
  feedback: 'slds-icon-standard-feedback',
  'connected-apps': 'slds-icon-standard-connected-apps',
  'custom-notification': 'slds-icon-standard-custom-notification',
  'data-integration-hub': 'slds-icon-standard-data-integration-hub',
} as const

export type ObjectIconTone = keyof typeof STANDARD_ICON_TONE

/** The coloured square icon of page and card headers ("standard" icon look). */
export function ObjectIcon({
  name,
  tone,
  size = 'page',
}: {
  name: IconName
  tone: ObjectIconTone
  size?: 'page' | 'small'
}) {
  const svgClass = size === 'page' ? 'slds-icon slds-page-header__icon' : 'slds-icon slds-icon_small'
  return (
    <span class={`slds-icon_container sfl-object-icon ${STANDARD_ICON_TONE[tone]}`}>
      <Icon name={name} class={svgClass} />
    </span>
  )
}
