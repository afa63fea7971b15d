import type { SimulatorState } from './state.js'

/** What the routes share: the state and a few settings of this simulator. */
export interface SimulatorContext {
  state: SimulatorState
  /** API version of signed-request links and SOAP URLs in pages. */
  apiVersion: string
}
