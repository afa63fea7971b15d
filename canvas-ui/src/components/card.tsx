import type { ComponentChildren } from 'preact'
import { type IconName, ObjectIcon, type ObjectIconTone } from './icon.js'

interface CardProps {
  id: string
  title: string
  icon?: IconName
  iconTone?: ObjectIconTone
  actions?: ComponentChildren
  footer?: ComponentChildren
  children: ComponentChildren
  class?: string
  testId?: string
}

/** SLDS card, labelled by its title for screen readers. */
export function Card({
  id,
  title,
  icon,
  iconTone = 'default',
  actions,
  footer,
  children,
  class: cls,
  testId,
}: CardProps) {
  return (
    <article class={`slds-card ${cls ?? ''}`} aria-labelledby={`${id}-title`} data-testid={testId}>
      <div class="slds-card__header slds-grid">
        <header class="slds-media slds-media_center slds-has-flexi-truncate">
          {icon && (
            <div class="slds-media__figure">
              <ObjectIcon name={icon} tone={iconTone} size="small" />
            </div>
          )}
          <div class="slds-media__body">
            <h2 class="slds-card__header-title" id={`${id}-title`}>
              {title}
            </h2>
          </div>
          {actions && <div class="slds-no-flex sfl-actions">{actions}</div>}
        </header>
      </div>
      <div class="slds-card__body slds-card__body_inner">{children}</div>
      {footer && <footer class="slds-card__footer">{footer}</footer>}
    </article>
  )
}
