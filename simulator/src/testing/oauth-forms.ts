// Drives the simulator's OAuth login and approval pages with plain HTTP requests, the way a
// browser would (authorize → login page → approval page → callback), and returns where
// Salesforce redirects to.

export interface FormLogin {
  username: string
  password: string
  decision?: 'allow' | 'deny'
}

function hiddenFlow(html: string): string {
  const m = /name="flow" value="([^"]+)"/.exec(html)
  if (!m) throw new Error(`no login form in page: ${html.slice(0, 300)}`)
  return m[1]
}

async function postForm(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  })
}

function redirectTarget(res: Response, base: string): URL | undefined {
  const location = res.headers.get('location')
  return res.status >= 300 && res.status < 400 && location ? new URL(location, base) : undefined
}

/**
 * Opens the authorize URL, logs in, answers the approval page; returns the redirect URL (a code in
 * its query, or a token in its fragment for the user-agent flow). An authorize request the
 * simulator refuses at once (bad scope, ...) returns that redirect, with its `error`.
 */
export async function authorizeWithForms(authorizeUrl: string, login: FormLogin): Promise<URL> {
  const origin = new URL(authorizeUrl).origin
  const start = await fetch(authorizeUrl, { redirect: 'manual' })
  const toLogin = redirectTarget(start, authorizeUrl)
  if (!toLogin) throw new Error(`authorize answered ${start.status}: ${await start.text()}`)
  if (toLogin.origin !== origin || toLogin.pathname !== '/') return toLogin

  const loginPage = await fetch(toLogin, { redirect: 'manual' })
  const afterLogin = await postForm(`${origin}/services/oauth2/authorize/login`, {
    flow: hiddenFlow(await loginPage.text()),
    username: login.username,
    password: login.password,
  })
  const toConsent = redirectTarget(afterLogin, origin)
  if (!toConsent) {
    const html = await afterLogin.text()
    throw new Error(`login failed: ${/id="error">([^<]*)/.exec(html)?.[1] ?? html.slice(0, 200)}`)
  }
  const consentHtml = await (await fetch(toConsent, { redirect: 'manual' })).text()
  if (!consentHtml.includes('Allow Access?')) throw new Error(`no approval page: ${consentHtml.slice(0, 200)}`)
  const done = await postForm(`${origin}/services/oauth2/authorize/consent`, {
    flow: hiddenFlow(consentHtml),
    decision: login.decision ?? 'allow',
  })
  const back = redirectTarget(done, origin)
  if (!back) throw new Error(`approval answered ${done.status}`)
  return back
}
