// Who the page is: the Canvas bootstrap (inside Salesforce) and the in-memory bearer
// session with its renewal schedule. Standalone pages have no state here: their session
// is the HttpOnly cookie, invisible to JavaScript by design.
import type { CanvasBootstrap, SessionToken } from './types.js'

export const BOOTSTRAP_ELEMENT_ID = 'canvas-bootstrap'

/**
 * Reads (and removes) `<script type="application/json" id="canvas-bootstrap">` that
 * `POST /canvas` puts in place of `<!--canvas-bootstrap-->`. Null when the page was
 * opened standalone (no element, or the literal `null`).
 */
export function readCanvasBootstrap(doc: Document = document): CanvasBootstrap | null {
  const element = doc.getElementById(BOOTSTRAP_ELEMENT_ID)
  if (!element) return null
  const text = element.textContent ?? ''
  // The token lives in memory only from here on; do not leave it in the DOM.
  element.remove()
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (!value || typeof value !== 'object') return null
  const bootstrap = value as Partial<CanvasBootstrap>
  if (typeof bootstrap.token !== 'string' || !bootstrap.token) return null
  return {
    token: bootstrap.token,
    expiresAt:
      typeof bootstrap.expiresAt === 'string' ? bootstrap.expiresAt : new Date(Date.now() + 10 * 60_000).toISOString(),
    linked: bootstrap.linked === true,
    salesforceUserId: String(bootstrap.salesforceUserId ?? ''),
    organizationId: String(bootstrap.organizationId ?? ''),
    user: bootstrap.user && typeof bootstrap.user === 'object' ? bootstrap.user : undefined,
    client: bootstrap.client && typeof bootstrap.client === 'object' ? bootstrap.client : undefined,
  }
}

export interface BearerSessionOptions {
  initial: SessionToken
  /** Obtains a new token (refreshSignedRequest → POST /canvas/session). */
  renew: () => Promise<SessionToken>
  /** Renewal failed: the caller falls back to a full repost by Salesforce. */
  onRenewalFailed: (error: unknown) => void
  now?: () => number
}

// Renew this long before expiry, so a request never leaves with a token about to die.
const RENEW_AHEAD_MS = 2 * 60_000
const MIN_DELAY_MS = 5_000
// Never renew more often than this, even if the client clock is so far ahead of the
// server's that every token looks expired on arrival.
const MIN_INTERVAL_AFTER_RENEWAL_MS = 60_000
const MAX_TIMER_MS = 2_147_483_647

/** The canvas session token, kept in memory and renewed before it expires. */
export class BearerSession {
  private current: SessionToken
  private timer: ReturnType<typeof setTimeout> | undefined
  private inflight: Promise<boolean> | null = null
  private readonly now: () => number
  private readonly onVisible = () => {
    if (document.visibilityState === 'visible' && this.msLeft() < RENEW_AHEAD_MS) void this.renew()
  }

  constructor(private readonly options: BearerSessionOptions) {
    this.current = options.initial
    this.now = options.now ?? Date.now
    this.schedule()
    // Timers are throttled in background tabs: check again when the person comes back.
    document.addEventListener('visibilitychange', this.onVisible)
  }

  token(): string {
    return this.current.token
  }

  /** Adopt a token the server handed out (e.g. after linking a pending-link session). */
  replace(next: SessionToken): void {
    this.current = next
    this.schedule(MIN_INTERVAL_AFTER_RENEWAL_MS)
  }

  /** Renews now; concurrent callers share one renewal. Resolves false when it failed. */
  renew(): Promise<boolean> {
    this.inflight ??= this.options
      .renew()
      .then((next) => {
        this.replace(next)
        return true
      })
      .catch((error: unknown) => {
        this.options.onRenewalFailed(error)
        return false
      })
      .finally(() => {
        this.inflight = null
      })
    return this.inflight
  }

  dispose(): void {
    clearTimeout(this.timer)
    document.removeEventListener('visibilitychange', this.onVisible)
  }

  private msLeft(): number {
    const expires = Date.parse(this.current.expiresAt)
    return Number.isFinite(expires) ? expires - this.now() : 0
  }

  private schedule(floorMs = MIN_DELAY_MS): void {
    clearTimeout(this.timer)
    const left = this.msLeft()
    // Short-lived tokens: renew at half-life; otherwise a couple of minutes ahead.
    const delay = left > 2 * RENEW_AHEAD_MS ? left - RENEW_AHEAD_MS : left / 2
    this.timer = setTimeout(() => void this.renew(), Math.min(MAX_TIMER_MS, Math.max(floorMs, delay)))
  }
}
