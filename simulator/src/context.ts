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
}
