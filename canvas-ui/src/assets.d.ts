// Vite's `?url` imports (see canvas-sdk.ts). Declared here rather than pulling in all
// of `vite/client`, which would leak browser-bundle globals into the server typecheck.
declare module '*?url' {
  const url: string
  export default url
}
