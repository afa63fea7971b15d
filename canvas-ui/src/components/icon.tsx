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

/** Icon inside a button (`slds-button__icon`), optionally on the left of the label. */
export function ButtonIcon({ name, left = false, size }: { name: IconName; left?: boolean; size?: 'small' | 'large' }) {
  const cls = ['slds-button__icon', left && 'slds-button__icon_left', size && `slds-button__icon_${size}`]
    .filter(Boolean)
    .join(' ')
  return <Icon name={name} class={cls} />
}

/** The coloured square icon of page and card headers ("standard" icon look). */
export function ObjectIcon({ name, tone, size = 'page' }: { name: IconName; tone: string; size?: 'page' | 'small' }) {
  const svgClass = size === 'page' ? 'slds-icon slds-page-header__icon' : 'slds-icon slds-icon_small'
  return (
    <span class={`slds-icon_container sfl-object-icon slds-icon-standard-${tone}`}>
      <Icon name={name} class={svgClass} />
    </span>
  )
}
