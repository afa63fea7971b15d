/**
 * Which hosts count as Salesforce. The server only ever logs in to these, so a user-typed
 * environment URL cannot point it at an internal host (SSRF).
 */
const SALESFORCE_SUFFIXES = ['.my.salesforce.com', '.salesforce.com', '.force.com', '.sandbox.my.salesforce.com']
const LOGIN_HOSTS = ['login.salesforce.com', 'test.salesforce.com']

/** `host` may carry a port (URL.host). `extraHosts` are exact host:port entries (the simulator in demo mode). */
export function isSalesforceHost(host: string, extraHosts: readonly string[] = []): boolean {
  const h = host.toLowerCase()
  if (extraHosts.map((e) => e.toLowerCase()).includes(h)) return true
  if (h.includes(':')) return false
  if (LOGIN_HOSTS.includes(h)) return true
  return SALESFORCE_SUFFIXES.some((s) => h.endsWith(s) && /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(h.slice(0, -s.length)))
}

/**
 * May a Salesforce access token be sent to this instance URL? Only to Salesforce hosts over
 * https (or to the configured extra hosts, the simulator, over http or https), with no
 * credentials in the URL. Every instance URL Salesforce hands back (login, token and canvas
 * responses) passes here before a token goes to it.
 */
export function isAllowedInstanceUrl(value: unknown, extraHosts: readonly string[] = []): boolean {
  if (typeof value !== 'string' || value.length === 0) return false
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return false
  }
  if (url.username !== '' || url.password !== '') return false
  const extra = extraHosts.map((h) => h.toLowerCase()).includes(url.host.toLowerCase())
  if (extra) return url.protocol === 'http:' || url.protocol === 'https:'
  return url.protocol === 'https:' && isSalesforceHost(url.host)
}

/**
 * The next page of a query, from the `nextRecordsUrl` Salesforce answered: its query locator,
 * to be asked for on the connection's own instance. Salesforce sends a relative URL
 * (`/services/data/v64.0/query/01g…-2000`); one naming any other origin, or not shaped like a
 * query locator, is refused (null), so the bearer token is never sent where it points.
 */
export function queryLocatorOf(
  nextRecordsUrl: unknown,
  instanceUrl: string,
): { endpoint: 'query' | 'queryAll'; locator: string } | null {
  if (typeof nextRecordsUrl !== 'string' || nextRecordsUrl.length === 0) return null
  let base: URL
  let url: URL
  try {
    base = new URL(instanceUrl)
    url = new URL(nextRecordsUrl, base)
  } catch {
    return null
  }
  if (url.origin !== base.origin || url.username || url.password || url.search || url.hash) return null
  const m = /^\/services\/data\/v\d+\.\d+\/(query|queryAll)\/([A-Za-z0-9_-]{1,200})$/.exec(url.pathname)
  return m ? { endpoint: m[1] as 'query' | 'queryAll', locator: m[2]! } : null
}

export type Environment = 'production' | 'sandbox' | string

/**
 * Turns the environment the person chose into a login URL: production and sandbox are
 * Salesforce's login hosts; a URL must be https on a My Domain host (or the simulator).
 * Returns null when it isn't allowed.
 */
export function loginUrlFor(
  environment: Environment,
  opts: { productionLoginUrl: string; extraHosts: readonly string[] },
): string | null {
  if (environment === 'production') return opts.productionLoginUrl
  if (environment === 'sandbox') {
    // In demo mode production and sandbox both mean the simulator.
    const prod = new URL(opts.productionLoginUrl)
    return opts.extraHosts.includes(prod.host) ? opts.productionLoginUrl : 'https://test.salesforce.com'
  }
  let url: URL
  try {
    url = new URL(environment)
  } catch {
    return null
  }
  if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash)
    return null
  const extra = opts.extraHosts.includes(url.host)
  if (!extra && url.protocol !== 'https:') return null
  if (!extra && !(url.hostname.endsWith('.my.salesforce.com') || LOGIN_HOSTS.includes(url.hostname))) return null
  if (!isSalesforceHost(url.host, opts.extraHosts)) return null
  return url.origin
}
