/**
 * Runs once before the suite: builds the canvas UI when what it is made of changed since the
 * last build (canvas-ui/build-hash.ts), so browser tests always exercise the current UI.
 */
import { buildUiIfChanged } from '../canvas-ui/build-if-changed.js'

export default async function setup(): Promise<void> {
  await buildUiIfChanged((message) => console.log(`[global-setup] ${message}`))
}
