/** pg-boss queue names of the unsubscribe and bounce sync (data: `{ linkId }`; singletonKey: the link ID). */
export const PUSH_QUEUE = 'unsubscribes-push'
export const PULL_QUEUE = 'unsubscribes-pull'
export const SWEEP_QUEUE = 'unsubscribes-sweep'
export const BOUNCE_PUSH_QUEUE = 'bounces-push'
