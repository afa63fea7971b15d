/**
 * The entry point (`node dist/server/src/server.js`, `tsx server/src/server.ts`): checks the
 * Node version, then loads and runs main.ts. The check comes before any other import is even
 * resolved: on an old Node, loading the server's dependencies fails with an error that says
 * nothing about the version.
 */
import { exitUnlessSupportedNode } from './node-version.js'

exitUnlessSupportedNode()
await import('./main.js')
