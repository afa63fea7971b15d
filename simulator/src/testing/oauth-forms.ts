// Drives the simulator's OAuth login and consent pages with plain HTTP form posts,
// the way a browser would, and returns where Salesforce redirects to.

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

/** Opens the authorize URL, logs in, answers the consent page; returns the redirect URL. */
export async function authorizeWithForms(authorizeUrl: string, login: FormLogin): Promise<URL> {
  const origin = new URL(authorizeUrl).origin
  const loginPage = await fetch(authorizeUrl, { redirect: 'manual' })
  if (loginPage.status !== 200) throw new Error(`authorize answered ${loginPage.status}: ${await loginPage.text()}`)
  const consent = await postForm(`${origin}/services/oauth2/authorize/login`, {
    flow: hiddenFlow(await loginPage.text()),
    username: login.username,
    password: login.password,
  })
  const consentHtml = await consent.text()
  if (!consentHtml.includes('Allow Access?'))
    throw new Error(`login failed: ${/id="error">([^<]*)/.exec(consentHtml)?.[1] ?? consentHtml.slice(0, 200)}`)
  const done = await postForm(`${origin}/services/oauth2/authorize/consent`, {
    flow: hiddenFlow(consentHtml),
    decision: login.decision ?? 'allow',
  })
  const location = done.headers.get('location')
  if (done.status !== 302 || !location) throw new Error(`consent answered ${done.status}`)
  return new URL(location)
}
