import { useState } from 'preact/hooks'
import { useApp } from '../app-context.js'
import { useAction } from '../hooks.js'
import { href } from '../router.js'
import { ErrorAlert } from '../components/alerts.js'
import { AuthFrame, WelcomeHeading } from '../components/auth-frame.js'
import { TextField } from '../components/form.js'
import { Spinner } from '../components/spinner.js'

export const MIN_PASSWORD_LENGTH = 12

export function SignUpPage() {
  const { api, runtime, completeSignIn } = useApp()
  const linking = runtime.mode === 'canvas'
  const suggested = runtime.mode === 'canvas' ? runtime.bootstrap.user : undefined
  const [email, setEmail] = useState(suggested?.email ?? '')
  const [name, setName] = useState(suggested?.fullName ?? '')
  const [password, setPassword] = useState('')
  const [touched, setTouched] = useState(false)
  const submit = useAction(async () => {
    const session = await api.signup({ email: email.trim(), password, name: name.trim() || undefined })
    await completeSignIn(session, linking ? '/settings/link-accounts' : '/connections')
  })

  const emailError = touched && !/^\S+@\S+\.\S+$/.test(email.trim()) ? 'Enter a valid email address.' : undefined
  const passwordError =
    touched && password.length < MIN_PASSWORD_LENGTH
      ? `Use at least ${MIN_PASSWORD_LENGTH} characters (${password.length} so far).`
      : undefined

  return (
    <AuthFrame>
      {linking && <WelcomeHeading as="p" />}
      <article class="slds-card sfl-auth__card" aria-labelledby="page-title">
        <div class="slds-card__body slds-card__body_inner">
          <h1 id="page-title" class="slds-text-heading_medium slds-m-bottom_small" tabIndex={-1}>
            Create your SF Link account
          </h1>
          {linking && (
            <p class="slds-m-bottom_small">
              Your Salesforce user is linked to the new account as soon as it is created.
            </p>
          )}
          {submit.error && <ErrorAlert error={submit.error} hideFixLink />}
          <form
            class="sfl-stack"
            noValidate
            onSubmit={(e) => {
              e.preventDefault()
              setTouched(true)
              if (/^\S+@\S+\.\S+$/.test(email.trim()) && password.length >= MIN_PASSWORD_LENGTH) void submit.run()
            }}
          >
            <TextField
              id="signup-email"
              label="Email"
              type="email"
              autoComplete="email"
              required
              value={email}
              onValue={setEmail}
              error={emailError}
            />
            <TextField id="signup-name" label="Name" autoComplete="name" value={name} onValue={setName} />
            <TextField
              id="signup-password"
              label="Password"
              type="password"
              autoComplete="new-password"
              required
              minLength={MIN_PASSWORD_LENGTH}
              value={password}
              onValue={setPassword}
              help={`At least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words make a strong, memorable password.`}
              error={passwordError}
            />
            <button type="submit" class="slds-button slds-button_brand slds-button_stretch" disabled={submit.busy}>
              Create account
            </button>
            {submit.busy && <Spinner variant="inline" label="Creating your account" />}
          </form>
          <p class="slds-m-top_medium slds-text-align_center">
            Already have an account? <a href={href('/signin')}>Sign in</a>
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
