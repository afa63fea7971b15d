import type { ComponentChildren } from 'preact'
import { useApp } from '../app-context.js'
import { href } from '../router.js'
import { useAction } from '../hooks.js'
import { CredentialBanner } from './credential-banner.js'
import { ApiCapBanner } from './api-cap-banner.js'
import { DemoBanner } from './demo-banner.js'
import { ButtonIcon, Icon } from './icon.js'

interface NavItem {
  path: string
  label: string
}

const NAV: { title: string; id: string; items: NavItem[] }[] = [
  {
    title: 'Data',
    id: 'nav-data',
    items: [
      { path: '/connections', label: 'Connections' },
      { path: '/sync', label: 'Sync' },
      { path: '/sync/health', label: 'Sync health' },
    ],
  },
  {
    title: 'Settings',
    id: 'nav-settings',
    items: [
      { path: '/settings/link-accounts', label: 'Link Accounts' },
      { path: '/settings/api-keys', label: 'API keys' },
    ],
  },
]

/** The navigation entry of a page: the longest entry path it is, or is under. */
function activePath(path: string): string | null {
  let best: string | null = null
  for (const section of NAV)
    for (const item of section.items)
      if ((path === item.path || path.startsWith(`${item.path}/`)) && item.path.length > (best?.length ?? 0))
        best = item.path
  return best
}

/** The signed-in frame: app bar, vertical navigation, banners, page. */
export function Layout({ path, children }: { path: string; children: ComponentChildren }) {
  return (
    <div class="sfl-app">
      <a class="sfl-skip-link" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <TopBar />
      <DemoBanner />
      <CredentialBanner />
      <ApiCapBanner path={path} />
      <div class="sfl-shell">
        <nav class="slds-nav-vertical slds-nav-vertical_compact sfl-nav" aria-label="SF Link">
          {NAV.map((section) => (
            <div class="slds-nav-vertical__section" key={section.id}>
              <h2 id={section.id} class="slds-nav-vertical__title">
                {section.title}
              </h2>
              <ul aria-describedby={section.id}>
                {section.items.map((item) => {
                  const active = item.path === activePath(path)
                  return (
                    <li key={item.path} class={`slds-nav-vertical__item ${active ? 'slds-is-active' : ''}`}>
                      <a
                        href={href(item.path)}
                        class="slds-nav-vertical__action"
                        aria-current={active ? 'page' : undefined}
                      >
                        {item.label}
                      </a>
                    </li>
                  )
                })}
              </ul>
            </div>
          ))}
        </nav>
        <main id="main" class="sfl-main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  )
}

// Hash routing owns `#…`, so the skip link moves focus itself instead of navigating.
function skipToMain(e: Event) {
  e.preventDefault()
  document.getElementById('main')?.focus()
}

export function TopBar() {
  const { me, runtime, signOut } = useApp()
  const logout = useAction(signOut)
  return (
    <header class="slds-context-bar sfl-topbar">
      <div class="slds-context-bar__primary">
        <div class="slds-context-bar__item slds-no-hover">
          <span class="slds-context-bar__icon-action sfl-app-icon">
            <Icon name="link" class="slds-icon slds-icon_x-small" />
          </span>
          <span class="slds-context-bar__label-action slds-context-bar__app-name">
            <span class="slds-truncate" title="SF Link">
              SF Link
            </span>
          </span>
        </div>
      </div>
      <div class="sfl-topbar__end">
        {runtime.mode === 'canvas' && <span class="slds-badge slds-badge_lightest">Inside Salesforce</span>}
        {me && (
          <span class="sfl-topbar__user" data-testid="signed-in-email">
            <Icon name="user" class="slds-icon slds-icon_x-small slds-icon-text-default slds-m-right_xx-small" />
            <span class="slds-assistive-text">Signed in as </span>
            {me.email}
          </span>
        )}
        {me && runtime.mode === 'standalone' && (
          <button
            type="button"
            class="slds-button slds-button_neutral"
            onClick={() => void logout.run()}
            disabled={logout.busy}
          >
            <ButtonIcon name="logout" left />
            Sign out
          </button>
        )}
      </div>
    </header>
  )
}
