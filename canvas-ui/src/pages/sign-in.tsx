import { useState } from 'preact/hooks'
import { useApp } from '../app-context.js'
import { useAction } from '../hooks.js'
import { href } from '../router.js'
import { ErrorAlert, Notice } from '../components/alerts.js'
import { AuthFrame, WelcomeHeading } from '../components/auth-frame.js'
import { TextField } from '../components/form.js'
import { ButtonIcon } from '../components/icon.js'
import { Spinner } from '../components/spinner.js'

const SIGN_IN_ERRORS: Record<string, string> = {
  SF_NOT_LINKED:
    'No SF Link account is linked to that Salesforce user. Open SF Link inside Salesforce once, or sign in with your email.',
  SESSION_EXPIRED: 'Your session has ended. Sign in again.',
  SF_OAUTH_OTHER_BROWSER:
    'This Sign in with Salesforce was started in another browser or window, so it was not completed here. Start it again from this page.',
  RATE_LIMITED: 'Too many sign-in attempts from your network. Wait a minute and try again.',
  SF_OAUTH_DENIED:
    'You declined access on Salesforce’s page, so you are not signed in. To sign in with Salesforce, start again and select Allow, or sign in with your email.',
}

export function SignInPage({ query }: { query: URLSearchParams }) {
  const { api, runtime, completeSignIn } = useApp()
  // Inside Salesforce this page is only reachable before linking: signing in links the user.
  const linking = runtime.mode === 'canvas'
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [touched, setTouched] = useState(false)
  const submit = useAction(async () => {
    const session = await api.login({ email: email.trim(), password })
    await completeSignIn(session, linking ? '/settings/link-accounts' : '/connections')
  })
  const redirectError = query.get('error')

  const emailError = touched && !email.trim() ? 'Enter your email.' : undefined
  const passwordError = touched && !password ? 'Enter your password.' : undefined

  return (
    <AuthFrame>
      {linking && <WelcomeHeading as="p" />}
      <article class="slds-card sfl-auth__card" aria-labelledby="page-title">
        <div class="slds-card__body slds-card__body_inner">
          <h1 id="page-title" class="slds-text-heading_medium slds-m-bottom_small" tabIndex={-1}>
            Sign in to SF Link
          </h1>
          {linking && (
            <p class="slds-m-bottom_small">
              Sign in with your SF Link account; this Salesforce user is linked to it from then on.
            </p>
          )}
          {redirectError && (
            <Notice tone="error" testId="signin-redirect-error">
              <p>{SIGN_IN_ERRORS[redirectError] ?? `Sign-in did not complete (${redirectError}).`}</p>
            </Notice>
          )}
          {submit.error && <ErrorAlert error={submit.error} hideFixLink />}
          <form
            class="sfl-stack"
            noValidate
            onSubmit={(e) => {
              e.preventDefault()
              setTouched(true)
              if (email.trim() && password) void submit.run()
            }}
          >
            <TextField
              id="signin-email"
              label="Email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onValue={setEmail}
              error={emailError}
            />
            <TextField
              id="signin-password"
              label="Password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onValue={setPassword}
              error={passwordError}
            />
            <button type="submit" class="slds-button slds-button_brand slds-button_stretch" disabled={submit.busy}>
              Sign in
            </button>
            {submit.busy && <Spinner variant="inline" label="Signing in" />}
          </form>
          {!linking && (
            <>
              <div class="sfl-or" aria-hidden="true">
                or
              </div>
              <a
                class="slds-button slds-button_neutral slds-button_stretch"
                href="/oauth/salesforce/start?intent=signin"
              >
                <ButtonIcon name="salesforce1" left />
                Sign in with Salesforce
              </a>
            </>
          )}
          <p class="slds-m-top_medium slds-text-align_center">
            New to SF Link? <a href={href('/signup')}>Create an account</a>
            {linking && (
              <>
                {' · '}
                <a href={href('/')}>Back</a>
              </>
            )}
          </p>
        </div>
      </article>
    </AuthFrame>
  )
}
