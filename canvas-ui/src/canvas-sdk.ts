// The Salesforce Canvas JS SDK (`Sfdc.canvas.client`), used for frame resizing and
// signed-request renewal.
//
// How it is loaded, and why: the SDK is a pre-module script. Its IIFEs assign
// `window.Sfdc` and then read `Sfdc` as a free global, and it was never written for
// strict mode or bundler scope hoisting. Bundling it as an ES module would be fragile,
// so Vite is asked for its *URL* (`?url`): the build copies the file unchanged to
// `/assets/canvas-all-<hash>.js` (cache-busted, served by the same static handler as the
// rest of the UI) and we add it as a classic `<script>`, exactly how Salesforce documents
// using it. It is only loaded inside Salesforce; standalone visitors never download it.
import sdkUrl from '@salesforce/canvas-js-sdk/js/canvas-all.js?url'
import type { CanvasClient } from './types.js'

interface RefreshResponse {
  status?: number
  payload?: { response?: unknown } | string
}

interface SfdcCanvasClient {
  resize(client: CanvasClient, size?: { height?: string; width?: string }): void
  autogrow(client: CanvasClient, enabled?: boolean, intervalMs?: number): void
  refreshSignedRequest(callback: (data: RefreshResponse) => void): void
  repost(refresh?: boolean): void
}

declare global {
  interface Window {
    Sfdc?: { canvas?: { client?: SfdcCanvasClient } }
  }
}

let loading: Promise<SfdcCanvasClient> | null = null

export function loadCanvasSdk(): Promise<SfdcCanvasClient> {
  if (loading) return loading
  loading = new Promise<SfdcCanvasClient>((resolve, reject) => {
    const ready = window.Sfdc?.canvas?.client
    if (ready) return resolve(ready)
    const script = document.createElement('script')
    script.src = sdkUrl
    script.async = true
    script.onload = () => {
      const client = window.Sfdc?.canvas?.client
      if (client) resolve(client)
      else reject(new Error('The Canvas SDK loaded without Sfdc.canvas.client.'))
    }
    script.onerror = () => reject(new Error('The Canvas SDK could not be loaded.'))
    document.head.appendChild(script)
  })
  loading.catch(() => {
    loading = null // let a later call try again
  })
  return loading
}

export interface CanvasBridge {
  /** Keeps the Salesforce iframe as tall as the content. */
  startAutogrow(): void
  /** Asks Salesforce for a fresh signed request (`refreshSignedRequest`). */
  refreshSignedRequest(timeoutMs?: number): Promise<string>
  /** Asks Salesforce to POST the app again with a new signed request (reloads the frame). */
  repost(): void
}

const FRAME_NAME_PREFIX = 'canvas-frame-'

export function createCanvasBridge(bootstrapClient: CanvasClient | undefined): CanvasBridge {
  // The SDK addresses the parent with `client.targetOrigin` and `client.instanceId`
  // (the signed request's `client`). If the server did not pass them on, fall back to
  // what the SDK itself uses for refresh/repost: the frame name and any origin.
  const frameId = window.name.startsWith(FRAME_NAME_PREFIX) ? window.name.slice(FRAME_NAME_PREFIX.length) : window.name
  const client: CanvasClient = {
    ...bootstrapClient,
    instanceId: bootstrapClient?.instanceId || frameId,
    targetOrigin: bootstrapClient?.targetOrigin || '*',
  }
  const framed = window.parent !== window

  return {
    startAutogrow() {
      if (!framed) return
      loadCanvasSdk()
        .then((sdk) => {
          sdk.resize(client)
          sdk.autogrow(client, true, 250)
        })
        .catch((error: unknown) => console.warn('SF Link: frame autogrow unavailable', error))
    },

    async refreshSignedRequest(timeoutMs = 15_000) {
      if (!framed) throw new Error('Not inside Salesforce: there is no Canvas parent to ask.')
      const sdk = await loadCanvasSdk()
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('Salesforce did not answer the signed-request refresh.')),
          timeoutMs,
        )
        try {
          sdk.refreshSignedRequest((data) => {
            clearTimeout(timer)
            const signedRequest = signedRequestFrom(data)
            if (data?.status === 200 && signedRequest) resolve(signedRequest)
            else reject(new Error(`Salesforce refused to refresh the signed request (status ${String(data?.status)}).`))
          })
        } catch (error) {
          clearTimeout(timer)
          reject(error instanceof Error ? error : new Error(String(error)))
        }
      })
    },

    repost() {
      if (!framed) return
      loadCanvasSdk()
        .then((sdk) => sdk.repost(true))
        .catch((error: unknown) => console.warn('SF Link: repost unavailable', error))
    },
  }
}

function signedRequestFrom(data: RefreshResponse | undefined): string | null {
  const payload = data?.payload
  if (typeof payload === 'string') return payload
  const response = payload?.response
  return typeof response === 'string' && response.includes('.') ? response : null
}
