import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { ApiClient, ApiError } from './api.js'
import type { CanvasBridge } from './canvas-sdk.js'
import type { BearerSession } from './session.js'
import type { CanvasBootstrap, DemoInfo, Me, SalesforceLink, SessionToken } from './types.js'

export type LinkState =
  | { status: 'loading' }
  | { status: 'ready'; link: SalesforceLink }
  | { status: 'missing' }
  | { status: 'error'; error: ApiError }

/** Where the page runs: inside the Salesforce iframe (bearer token) or on its own (cookie). */
export type Runtime =
  { mode: 'canvas'; bootstrap: CanvasBootstrap; session: BearerSession; bridge: CanvasBridge } | { mode: 'standalone' }

export interface AppContextValue {
  api: ApiClient
  runtime: Runtime
  me: Me | null
  link: LinkState
  reloadLink: () => void
  demo: DemoInfo | null
  /** After login/signup: adopt the new session (canvas: the returned token) and load the account. */
  completeSignIn: (session: SessionToken, next: string) => Promise<void>
  signOut: () => Promise<void>
}

export const AppContext = createContext<AppContextValue | null>(null)

export function useApp(): AppContextValue {
  const value = useContext(AppContext)
  if (!value) throw new Error('useApp() outside <AppContext.Provider>')
  return value
}
