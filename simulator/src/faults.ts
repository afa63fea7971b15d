// Fault injection: the next N matching requests get a chosen status/body, or are delayed.
import { randomUUID } from 'node:crypto'
import type { Fault, FaultSpec, SimulatorState } from './state.js'

export function addFault(state: SimulatorState, spec: FaultSpec): Fault {
  if (!spec.pathPrefix && !spec.pattern) throw new Error('a fault needs pathPrefix or pattern')
  if (spec.status === undefined && !spec.delayMs) throw new Error('a fault needs status or delayMs')
  const fault: Fault = {
    ...spec,
    id: randomUUID(),
    remaining: spec.count ?? 1,
    regex: spec.pattern ? new RegExp(spec.pattern) : null,
  }
  state.faults.push(fault)
  return fault
}

/** The fault for this request, if any, using one of its remaining counts. */
export function takeFault(state: SimulatorState, method: string, url: string, subrequest = false): Fault | undefined {
  const path = url.split('?')[0]
  const fault = state.faults.find(
    (f) =>
      f.remaining !== 0 &&
      (f.subrequests === true) === subrequest &&
      (!f.method || f.method.toUpperCase() === method.toUpperCase()) &&
      (f.pathPrefix === undefined || path.startsWith(f.pathPrefix)) &&
      (f.regex === null || f.regex.test(url)),
  )
  if (!fault) return undefined
  if (fault.remaining > 0) fault.remaining--
  state.faults = state.faults.filter((f) => f.remaining !== 0)
  return fault
}

const SERVICE_UNAVAILABLE_HTML =
  '<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.</p></body></html>'

/** What a fault answers when the test gave no body: Salesforce's usual body for that status. */
export function defaultFaultBody(status: number): { body: string; contentType: string } {
  const json = (errorCode: string, message: string) => ({
    body: JSON.stringify([{ message, errorCode }]),
    contentType: 'application/json;charset=UTF-8',
  })
  switch (status) {
    case 401:
      return json('INVALID_SESSION_ID', 'Session expired or invalid')
    case 403:
      return json('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.')
    case 404:
      return json('NOT_FOUND', 'The requested resource does not exist')
    case 500:
      return json(
        'UNKNOWN_EXCEPTION',
        'An unexpected error occurred. Please include this ErrorId if you contact support: 1361108387-52127 (-1288547553)',
      )
    case 502:
    case 503:
    case 504:
      return { body: SERVICE_UNAVAILABLE_HTML, contentType: 'text/html' }
    default:
      return json('SIMULATED_FAULT', `Simulated fault (HTTP ${status})`)
  }
}
