/**
 * `npm start`'s first step: stop with a clear message on a Node that is too old, before the
 * UI build or the server get to fail in their own ways (see node-version.ts).
 */
import { exitUnlessSupportedNode } from './node-version.js'

exitUnlessSupportedNode()
