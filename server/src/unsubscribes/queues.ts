/** pg-boss queue names of the unsubscribe sync (data: `{ linkId }`; singletonKey: the link ID). */
export const PUSH_QUEUE = 'unsubscribes-push'
export const PULL_QUEUE = 'unsubscribes-pull'
export const SWEEP_QUEUE = 'unsubscribes-sweep'
