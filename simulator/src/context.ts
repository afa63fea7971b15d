import type { SimulatorState } from './state.js'

/** How /composite runs its subrequests through the ordinary routes (routes/composite.ts). */
export interface CompositeGate {
  /** Marks a request as a subrequest (header x-sim-subrequest); unguessable, made at start. */
  token: string
  /** Undo steps per running composite request with allOrNone (header x-sim-journal). */
  journals: Map<string, (() => void)[]>
}

/** What the routes share: the state and a few settings of this simulator. */
export interface SimulatorContext {
  state: SimulatorState
  /** API version of signed-request links and SOAP URLs in pages. */
  apiVersion: string
  /** Set when the app is built. */
  composite?: CompositeGate
  /** The simulated Bulk API 2.0 (routes/bulk2.ts); defaults when not set. */
  bulk?: BulkSettings
}

export interface BulkSettings {
  /** Milliseconds a query job stays InProgress before JobComplete (wall clock). */
  processingMs: number
  /** Records per results page when the client sends no maxRecords. */
  resultsPageSize: number
  /**
   * 0 (default): query jobs run normally. N > 0: a query job created meanwhile fails at its Nth
   * status poll (state Failed, with an errorMessage), if it is still running then.
   */
  failAfterPolls: number
}

/** Query jobs finish at once, results come in pages of 100,000, and none fails. */
export const DEFAULT_BULK_SETTINGS: BulkSettings = { processingMs: 0, resultsPageSize: 100_000, failAfterPolls: 0 }
