/**
 * The oldest Node.js SF Link runs on. Older ones fail far from the cause (Node 20 dies inside
 * undici's zstd support while loading), so the entry points check first and say what to do.
 * This module imports nothing, so it loads on any Node.
 */
export const MINIMUM_NODE = '22.19'

/** The message to print when `version` (e.g. process.versions.node) is too old, else null. */
export function unsupportedNodeMessage(version: string): string | null {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  const [needMajor = 0, needMinor = 0] = MINIMUM_NODE.split('.').map(Number)
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return null
  return (
    `SF Link needs Node ≥ ${MINIMUM_NODE}; this is Node ${version}. ` +
    'Install Node 24 LTS (the version in .nvmrc), e.g. `nvm install`, then run the command again.'
  )
}

/** Exits with the message when this Node is too old. */
export function exitUnlessSupportedNode(): void {
  const message = unsupportedNodeMessage(process.versions.node)
  if (message === null) return
  console.error(message)
  process.exit(1)
}
