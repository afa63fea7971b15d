// Hash routing (`#/connections/42`): works unchanged inside the Salesforce iframe (whose
// URL is a POST to /canvas that must not be navigated away) and standalone at `/`.
import { useEffect, useMemo, useState } from 'preact/hooks'

export interface Route {
  /** `/connections/42`, always starting with `/`, no trailing slash. */
  path: string
  /** Query after `?` inside the hash: `#/signin?error=SF_NOT_LINKED`. */
  query: URLSearchParams
}

export function parseHash(hash: string): Route {
  let value = hash.replace(/^#/, '')
  if (!value.startsWith('/')) value = `/${value}`
  const q = value.indexOf('?')
  const path = (q === -1 ? value : value.slice(0, q)).replace(/\/+$/, '') || '/'
  return { path, query: new URLSearchParams(q === -1 ? '' : value.slice(q + 1)) }
}

/**
 * A page with unsaved work can hold navigation: the guard is asked before the route changes
 * (links, Back, `navigate`), and a refused change puts the address back. One guard at a time.
 */
let guard: (() => boolean) | null = null
let shownHash = typeof window === 'undefined' ? '' : window.location.hash

export function setNavigationGuard(fn: () => boolean): () => void {
  guard = fn
  return () => {
    if (guard === fn) guard = null
  }
}

if (typeof window !== 'undefined') {
  // Registered before any router listener, so a refused change stops here.
  window.addEventListener('hashchange', (event) => {
    const next = window.location.hash
    if (next !== shownHash && guard && !guard()) {
      event.stopImmediatePropagation()
      window.history.replaceState(window.history.state, '', shownHash || '#/')
      return
    }
    shownHash = next
  })
}

export function useRoute(): Route {
  const [hash, setHash] = useState(() => window.location.hash)
  useEffect(() => {
    const onChange = () => setHash(window.location.hash)
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  }, [])
  return useMemo(() => parseHash(hash), [hash])
}

export function href(path: string): string {
  return `#${path}`
}

export function navigate(path: string, { replace = false }: { replace?: boolean } = {}): void {
  const target = href(path)
  if (window.location.hash === target) return
  if (replace) {
    window.history.replaceState(window.history.state, '', target)
    // replaceState does not fire hashchange; tell the router ourselves.
    window.dispatchEvent(new HashChangeEvent('hashchange'))
  } else {
    window.location.hash = path
  }
}

/** `matchPath('/connections/:id', '/connections/42')` → `{ id: '42' }`, or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/')
  const have = path.split('/')
  if (want.length !== have.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      if (!have[i]) return null
      params[want[i].slice(1)] = decodeURIComponent(have[i])
    } else if (want[i] !== have[i]) {
      return null
    }
  }
  return params
}
