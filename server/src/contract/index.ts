/**
 * The HTTP contract: the TypeBox schemas the routes declare (and `/docs` publishes) and
 * their `Static<>` types, which the services return and the canvas UI imports with
 * `import type` (canvas-ui/src/types.ts). See README.md beside this file.
 */
export * from './common.js'
export * from './accounts.js'
export * from './salesforce.js'
export * from './connections.js'
export * from './unsubscribes.js'
export * from './api-keys.js'
export * from './canvas.js'
export * from './demo.js'
export * from './notifications.js'
export * from './bounces.js'
export * from './sync-health.js'
