import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { type ApiError, createApiClient, fetchDemoInfo, isAbortError, toApiError } from './api.js'
import { AppContext, type AppContextValue, type LinkState, type Runtime } from './app-context.js'
import type { DemoInfo, Me, SessionToken } from './types.js'
import { matchPath, navigate, type Route, useRoute } from './router.js'
import { authFor } from './runtime.js'
import { ErrorAlert, Notice } from './components/alerts.js'
import { AuthFrame } from './components/auth-frame.js'
import { ErrorBoundary } from './components/error-boundary.js'
import { Layout } from './components/layout.js'
import { Spinner } from './components/spinner.js'
import { useToast } from './components/toasts.js'
import { ApiKeysPage } from './pages/api-keys.js'
import { ConnectionEditorPage } from './pages/connection-editor.js'
import { ConnectionPreviewPage } from './pages/connection-preview.js'
import { ConnectionsPage } from './pages/connections.js'
import { LinkAccountsPage } from './pages/link-accounts.js'
import { NotFoundPage } from './pages/not-found.js'
import { SignInPage } from './pages/sign-in.js'
import { SignUpPage } from './pages/sign-up.js'
import { SyncPage } from './pages/sync.js'
import { SyncHealthPage } from './pages/sync-health.js'
import { WelcomePage } from './pages/welcome.js'

type AuthState =
  | { status: 'loading' }
  | { status: 'signed-out' }
  | { status: 'pending-link' }
  | { status: 'signed-in'; me: Me }
  | { status: 'session-lost' }
  | { status: 'error'; error: ApiError }

const HOME = '/connections'
const PUBLIC_PATHS = new Set(['/signin', '/signup'])

export function App({ runtime }: { runtime: Runtime }) {
  const toast = useToast()
  const route = useRoute()
  const [auth, setAuth] = useState<AuthState>(() =>
    runtime.mode === 'canvas' && !runtime.bootstrap.linked ? { status: 'pending-link' } : { status: 'loading' },
  )
  const [link, setLink] = useState<LinkState>({ status: 'loading' })
  const [linkVersion, setLinkVersion] = useState(0)
  const [demo, setDemo] = useState<DemoInfo | null>(null)
  const [bootVersion, setBootVersion] = useState(0)
  const returnTo = useRef<string | null>(null)

  const reloadLink = useCallback(() => setLinkVersion((v) => v + 1), [])

  // The API client calls back into the current render's state through this ref.
  const handlers = useRef({
    sessionLost: () => undefined as void,
    error: (_e: ApiError, _path: string) => undefined as void,
  })
  const [api] = useState(() =>
    createApiClient({
      auth: authFor(runtime),
      onSessionLost: () => handlers.current.sessionLost(),
      onError: (e, path) => handlers.current.error(e, path),
    }),
  )
  const linkRefresh = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  handlers.current = {
    sessionLost: () => {
      if (auth.status !== 'signed-in') return
      if (runtime.mode === 'canvas') {
        setAuth({ status: 'session-lost' })
      } else {
        setAuth({ status: 'signed-out' })
        navigate('/signin?error=SESSION_EXPIRED', { replace: true })
      }
    },
    error: (e, path) => {
      // A Salesforce error may have changed the credential status: refresh the banner.
      if (e.code.startsWith('SF_') && !path.startsWith('/api/salesforce/link')) {
        clearTimeout(linkRefresh.current)
        linkRefresh.current = setTimeout(reloadLink, 300)
      }
    },
  }

  // Who is signed in?
  useEffect(() => {
    if (runtime.mode === 'canvas' && !runtime.bootstrap.linked && bootVersion === 0) return
    const controller = new AbortController()
    api.me(controller.signal).then(
      (me) => setAuth({ status: 'signed-in', me }),
      (e: unknown) => {
        if (isAbortError(e)) return
        const error = toApiError(e)
        if (error.status === 401)
          setAuth(runtime.mode === 'canvas' ? { status: 'session-lost' } : { status: 'signed-out' })
        else setAuth({ status: 'error', error })
      },
    )
    return () => controller.abort()
  }, [bootVersion])

  useEffect(() => {
    void fetchDemoInfo().then(setDemo)
  }, [])

  // The Salesforce link and credential status, shared by the banner and several pages.
  // A reload keeps showing the previous answer until the new one arrives.
  const signedIn = auth.status === 'signed-in'
  useEffect(() => {
    if (!signedIn) return
    const controller = new AbortController()
    api.link(controller.signal).then(
      (value) => setLink({ status: 'ready', link: value }),
      (e: unknown) => {
        if (isAbortError(e)) return
        const error = toApiError(e)
        if (error.code === 'LINK_NOT_FOUND') setLink({ status: 'missing' })
        else setLink((previous) => (previous.status === 'ready' ? previous : { status: 'error', error }))
      },
    )
    return () => controller.abort()
  }, [signedIn, linkVersion])

  // Credential status changes in the background (sync, other tabs): refresh it on every page change.
  const firstPath = useRef(true)
  useEffect(() => {
    if (firstPath.current) {
      firstPath.current = false
      return
    }
    if (signedIn) reloadLink()
  }, [route.path])

  const completeSignIn = useCallback(
    async (session: SessionToken, next: string) => {
      if (runtime.mode === 'canvas') runtime.session.replace(session)
      const me = await api.me()
      setLink({ status: 'loading' })
      setAuth({ status: 'signed-in', me })
      reloadLink()
      navigate(returnTo.current ?? next, { replace: true })
      returnTo.current = null
    },
    [api, runtime, reloadLink],
  )

  const signOut = useCallback(async () => {
    try {
      await api.logout()
    } catch (e) {
      toast({ tone: 'error', title: 'Could not sign out', detail: toApiError(e).message })
      return
    }
    setAuth({ status: 'signed-out' })
    setLink({ status: 'loading' })
    navigate('/signin', { replace: true })
  }, [api, toast])

  const context = useMemo<AppContextValue>(
    () => ({
      api,
      runtime,
      me: auth.status === 'signed-in' ? auth.me : null,
      link,
      reloadLink,
      demo,
      completeSignIn,
      signOut,
    }),
    [api, runtime, auth, link, reloadLink, demo, completeSignIn, signOut],
  )

  return (
    <AppContext.Provider value={context}>
      <Screen
        auth={auth}
        route={route}
        returnTo={returnTo}
        onRetry={() => {
          setAuth({ status: 'loading' })
          setBootVersion((v) => v + 1)
        }}
        onReload={() => (runtime.mode === 'canvas' ? runtime.bridge.repost() : window.location.reload())}
      />
    </AppContext.Provider>
  )
}

interface ScreenProps {
  auth: AuthState
  route: Route
  returnTo: { current: string | null }
  onRetry: () => void
  onReload: () => void
}

function Screen({ auth, route, returnTo, onRetry, onReload }: ScreenProps) {
  const { path, query } = route
  switch (auth.status) {
    case 'loading':
      return (
        <div class="sfl-boot">
          <Spinner label="Starting SF Link" />
        </div>
      )
    case 'error':
      return (
        <AuthFrame>
          <ErrorAlert error={auth.error} title="SF Link could not start" onRetry={onRetry} hideFixLink />
        </AuthFrame>
      )
    case 'session-lost':
      return (
        <AuthFrame>
          <Notice
            tone="warning"
            title="Your Salesforce session for SF Link has ended"
            role="alert"
            testId="session-lost"
          >
            <p>Salesforce needs to open SF Link again. Nothing you saved is lost.</p>
            <p class="slds-m-top_x-small">
              <button type="button" class="slds-button slds-button_brand" onClick={onReload}>
                Reload SF Link
              </button>
            </p>
          </Notice>
        </AuthFrame>
      )
    case 'pending-link':
      if (path === '/signin') return <SignInPage query={query} />
      if (path === '/signup') return <SignUpPage />
      return <WelcomePage />
    case 'signed-out':
      if (path === '/signup') return <SignUpPage />
      if (path !== '/signin') {
        if (path !== '/') returnTo.current = path
        return <Redirect to="/signin" />
      }
      return <SignInPage query={query} />
    case 'signed-in':
      if (path === '/' || PUBLIC_PATHS.has(path)) return <Redirect to={HOME} />
      if (path === '/settings') return <Redirect to="/settings/link-accounts" />
      return (
        <Layout path={path}>
          <ErrorBoundary key={path}>
            <SignedInPage route={route} />
          </ErrorBoundary>
        </Layout>
      )
  }
}

function SignedInPage({ route }: { route: Route }) {
  const { path, query } = route
  usePageFocus(path)
  if (path === '/connections') return <ConnectionsPage />
  if (path === '/connections/new') return <ConnectionEditorPage connectionId={null} />
  const preview = matchPath('/connections/:id/preview', path)
  if (preview) return <ConnectionPreviewPage connectionId={preview.id} />
  const edit = matchPath('/connections/:id', path)
  if (edit) return <ConnectionEditorPage connectionId={edit.id} />
  if (path === '/sync') return <SyncPage />
  if (path === '/sync/health') return <SyncHealthPage />
  if (path === '/settings/link-accounts') return <LinkAccountsPage query={query} />
  if (path === '/settings/api-keys') return <ApiKeysPage />
  return <NotFoundPage path={path} />
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to])
  return null
}

const TITLES: [RegExp, string][] = [
  [/^\/connections\/new$/, 'New connection'],
  [/^\/connections\/[^/]+\/preview$/, 'Connect'],
  [/^\/connections\/[^/]+$/, 'Edit connection'],
  [/^\/connections$/, 'Connections'],
  [/^\/sync$/, 'Sync'],
  [/^\/sync\/health$/, 'Sync health'],
  [/^\/settings\/link-accounts$/, 'Link Accounts'],
  [/^\/settings\/api-keys$/, 'API keys'],
]

/** After moving to another page: title the document and put keyboard focus on the new heading. */
function usePageFocus(path: string) {
  const first = useRef(true)
  useEffect(() => {
    const title = TITLES.find(([re]) => re.test(path))?.[1]
    document.title = title ? `${title} · SF Link` : 'SF Link'
    if (first.current) {
      first.current = false
      return
    }
    window.scrollTo(0, 0)
    // The page renders its header in this same commit, or soon after loading.
    const timer = setTimeout(() => document.getElementById('page-title')?.focus({ preventScroll: true }), 0)
    return () => clearTimeout(timer)
  }, [path])
}
