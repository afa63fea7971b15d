/**
 * The Bulk API 2.0 query, for big pulls: one job runs the SOQL at Salesforce, and its results
 * come back as CSV pages of up to `maxRecords` rows each (`Sforce-Locator` names the next page),
 * so a million records cost about fifteen API calls instead of 500 REST pages.
 *
 * The job's small JSON calls (create, poll, abort, delete) go through jsforce's
 * `conn.request`, which refreshes an expired session. Results are read with `fetch` instead:
 * jsforce buffers a whole response (and its `bulk2.query()` breaks on the second page), while
 * a page here is handed on chunk by chunk as the socket delivers it, and not read further while
 * the caller is busy, so memory stays flat and a slow client holds Salesforce back. The token
 * only goes to the connection's instance URL, checked like every other (salesforce/hosts.ts),
 * with redirects refused.
 */
import type { Connection } from 'jsforce'
import { AppError } from '../errors.js'
import { isAllowedInstanceUrl } from '../salesforce/hosts.js'

/** Salesforce IDs of jobs (`750…`), and the opaque locators it hands out, as they may go into a URL. */
const JOB_ID = /^[A-Za-z0-9]{15,18}$/
const LOCATOR = /^[A-Za-z0-9+/=_.-]{1,200}$/

/** Waits between polls of a running job: quick at first (small jobs finish in a second), then every 5 s. */
const POLL_DELAYS_MS = [100, 250, 500, 1000, 2000, 5000]

export interface BulkJobFailure extends Error {
  errorCode: string
}

function failure(errorCode: string, message: string): BulkJobFailure {
  return Object.assign(new Error(message), { errorCode })
}

function jobsPath(conn: Connection): string {
  return `/services/data/v${conn.version}/jobs/query`
}

/** Creates the query job (CSV, comma, LF); resolves to its ID. Salesforce checks the SOQL here. */
export async function createQueryJob(conn: Connection, soql: string): Promise<string> {
  const job = await conn.request<{ id?: unknown }>({
    method: 'POST',
    url: jobsPath(conn),
    body: JSON.stringify({
      operation: 'query',
      query: soql,
      contentType: 'CSV',
      columnDelimiter: 'COMMA',
      lineEnding: 'LF',
    }),
    headers: { 'content-type': 'application/json' },
  })
  if (typeof job?.id !== 'string' || !JOB_ID.test(job.id))
    throw failure('BULK_JOB_INVALID', 'Salesforce answered a query job without a usable ID')
  return job.id
}

/**
 * Polls the job until it is complete. Resolves 'closed' as soon as `closed()` turns true (the
 * client left: the caller aborts the job); rejects when the job failed, was aborted, or is still
 * running after `maxWaitMs`.
 */
export async function waitForJob(
  conn: Connection,
  id: string,
  opts: { closed: () => boolean; maxWaitMs: number },
): Promise<'complete' | 'closed'> {
  const started = Date.now()
  for (let attempt = 0; ; attempt++) {
    const delay = POLL_DELAYS_MS[Math.min(attempt, POLL_DELAYS_MS.length - 1)]!
    // Sleeps in short steps, so a client that leaves is noticed within a tenth of a second.
    for (const until = Date.now() + delay; Date.now() < until;) {
      if (opts.closed()) return 'closed'
      await new Promise((r) => setTimeout(r, Math.min(100, until - Date.now())))
    }
    if (opts.closed()) return 'closed'
    const info = await conn.request<{ state?: unknown; errorMessage?: unknown }>(`${jobsPath(conn)}/${id}`)
    if (info.state === 'JobComplete') return 'complete'
    if (info.state === 'Failed' || info.state === 'Aborted') {
      const why = typeof info.errorMessage === 'string' ? `: ${info.errorMessage.slice(0, 300)}` : ''
      throw failure('BULK_JOB_FAILED', `The Bulk API query job ended ${String(info.state)}${why}`)
    }
    if (Date.now() - started > opts.maxWaitMs)
      throw failure('BULK_JOB_TIMEOUT', `The Bulk API query job was still running after ${opts.maxWaitMs} ms`)
  }
}

/** Aborts a job still running (the client left while Salesforce was preparing it). Best effort. */
export async function abortJob(conn: Connection, id: string): Promise<void> {
  await conn
    .request({
      method: 'PATCH',
      url: `${jobsPath(conn)}/${id}`,
      body: JSON.stringify({ state: 'Aborted' }),
      headers: { 'content-type': 'application/json' },
    })
    .then(
      () => undefined,
      () => undefined,
    )
}

/** Deletes a finished job and its results at Salesforce (they would otherwise stay there for days). Best effort. */
export async function deleteJob(conn: Connection, id: string): Promise<void> {
  await conn.request({ method: 'DELETE', url: `${jobsPath(conn)}/${id}` }).then(
    () => undefined,
    () => undefined,
  )
}

/** Salesforce's error body (`[{errorCode, message}]`) as an error the translators know. */
async function errorOf(res: Response): Promise<Error> {
  const text = await res.text().catch(() => '')
  let errorCode = `ERROR_HTTP_${res.status}`
  let message = text.slice(0, 300)
  try {
    const body = JSON.parse(text) as unknown
    const first = (Array.isArray(body) ? body[0] : body) as { errorCode?: unknown; message?: unknown } | undefined
    if (typeof first?.errorCode === 'string') errorCode = first.errorCode
    if (typeof first?.message === 'string') message = first.message
  } catch {
    // Not JSON (an outage page): the status says enough.
  }
  return Object.assign(new Error(message || `HTTP ${res.status}`), { errorCode, statusCode: res.status })
}

/**
 * Reads one page of results, handing its text on chunk by chunk (`onText` resolves false to stop
 * reading: the response is cancelled). Resolves to the next page's locator (null after the last)
 * and whether it stopped early.
 */
export async function readResultsPage(
  conn: Connection,
  id: string,
  opts: {
    locator: string | null
    maxRecords: number
    extraHosts: readonly string[]
    onText: (text: string) => Promise<boolean>
  },
): Promise<{ next: string | null; stopped: boolean }> {
  if (!JOB_ID.test(id)) throw failure('BULK_JOB_INVALID', 'Not a query job ID')
  // Aborting is what closes the connection to Salesforce at once; cancelling the body alone may leave it open.
  const abort = new AbortController()
  const fetchPage = async (): Promise<Response> => {
    // Checked at every page: a refreshed session may have moved the instance.
    if (!isAllowedInstanceUrl(conn.instanceUrl, opts.extraHosts)) throw new AppError('SF_UNTRUSTED_URL')
    const url = new URL(`${jobsPath(conn)}/${id}/results`, conn.instanceUrl)
    url.searchParams.set('maxRecords', String(opts.maxRecords))
    if (opts.locator) url.searchParams.set('locator', opts.locator)
    return fetch(url, {
      headers: { authorization: `Bearer ${conn.accessToken}`, accept: 'text/csv' },
      redirect: 'error',
      signal: abort.signal,
    })
  }
  let res = await fetchPage()
  if (res.status === 401) {
    // The session expired: a jsforce call refreshes it (its refreshFn), then the page is asked again.
    await res.body?.cancel()
    await conn.request(`${jobsPath(conn)}/${id}`)
    res = await fetchPage()
  }
  if (!res.ok || !res.body) throw await errorOf(res)
  const header = res.headers.get('sforce-locator')
  let next: string | null = null
  if (header && header !== 'null') {
    if (!LOCATOR.test(header)) {
      abort.abort()
      throw failure('BULK_JOB_INVALID', 'Salesforce answered a results locator that is not one')
    }
    next = header
  }
  const decoder = new TextDecoder('utf-8', { fatal: false })
  const reader = res.body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      const text = decoder.decode(value, { stream: true })
      if (text.length > 0 && !(await opts.onText(text))) {
        abort.abort()
        await reader.cancel().catch(() => {})
        return { next, stopped: true }
      }
    }
  } catch (err) {
    abort.abort()
    await reader.cancel().catch(() => {})
    throw err
  }
  const tail = decoder.decode()
  if (tail.length > 0 && !(await opts.onText(tail))) return { next, stopped: true }
  return { next, stopped: false }
}
