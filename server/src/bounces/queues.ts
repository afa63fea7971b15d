/** pg-boss queue of the bounce push (data: `{ linkId }`; singletonKey: the link ID); handled in ../unsubscribes/jobs.ts. */
export const BOUNCE_PUSH_QUEUE = 'bounces-push'
