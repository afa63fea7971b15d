import type { ComponentChildren } from 'preact'
import { type IconName, ObjectIcon, type ObjectIconTone } from './icon.js'

interface PageHeaderProps {
  title: string
  /** Small text above the title ("Settings · Integrations"). */
  eyebrow?: string
  icon: IconName
  iconTone: ObjectIconTone
  actions?: ComponentChildren
  children?: ComponentChildren
}

/** SLDS page header: icon, title, actions on the right, optional description row. */
export function PageHeader({ title, eyebrow, icon, iconTone, actions, children }: PageHeaderProps) {
  return (
    <div class="slds-page-header slds-m-bottom_medium">
      <div class="slds-page-header__row">
        <div class="slds-page-header__col-title">
          <div class="slds-media">
            <div class="slds-media__figure">
              <ObjectIcon name={icon} tone={iconTone} />
            </div>
            <div class="slds-media__body">
              {eyebrow && <p class="slds-page-header__name-meta slds-text-body_small">{eyebrow}</p>}
              <div class="slds-page-header__name">
                <div class="slds-page-header__name-title">
                  <h1 class="slds-page-header__title slds-truncate" title={title} tabIndex={-1} id="page-title">
                    {title}
                  </h1>
                </div>
              </div>
            </div>
          </div>
        </div>
        {actions && (
          <div class="slds-page-header__col-actions">
            <div class="slds-page-header__controls">
              <div class="slds-page-header__control sfl-actions">{actions}</div>
            </div>
          </div>
        )}
      </div>
      {children && (
        <div class="slds-page-header__row slds-m-top_x-small">
          <div class="slds-page-header__col-meta slds-text-body_regular sfl-page-description">{children}</div>
        </div>
      )}
    </div>
  )
}
