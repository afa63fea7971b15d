import type { ComponentChildren } from 'preact'
import { useApp } from '../app-context.js'
import { DemoBanner } from './demo-banner.js'
import { TopBar } from './layout.js'

/** The frame of signed-out pages: app bar, demo hint, one centred card. */
export function AuthFrame({ children, wide = false }: { children: ComponentChildren; wide?: boolean }) {
  return (
    <div class="sfl-app">
      <TopBar />
      <DemoBanner />
      <main id="main" class={`sfl-auth ${wide ? 'sfl-auth_wide' : ''}`} tabIndex={-1}>
        {children}
      </main>
    </div>
  )
}

/** Inside Salesforce, before the user is linked: who we saw, and what linking does. */
export function WelcomeHeading({ as: Tag = 'h1' }: { as?: 'h1' | 'p' }) {
  const { runtime } = useApp()
  if (runtime.mode !== 'canvas') return null
  const { bootstrap } = runtime
  const name = bootstrap.user?.fullName || bootstrap.user?.userName || 'there'
  return (
    <div class="sfl-welcome" data-testid="welcome">
      <Tag class="slds-text-heading_large sfl-welcome__title">Welcome, {name}</Tag>
      <p class="slds-text-heading_small slds-m-top_x-small">Link your Salesforce user to an SF Link account</p>
      <p class="slds-text-body_small slds-text-color_weak slds-m-top_xx-small">
        Salesforce user <span class="sfl-mono">{bootstrap.salesforceUserId}</span> · organization{' '}
        <span class="sfl-mono">{bootstrap.organizationId}</span>
      </p>
    </div>
  )
}
