/** What services need to queue background work; `jobs/start.ts` implements it on pg-boss. */
export interface JobSender {
  send(queue: string, data: object, options?: { singletonKey?: string; startAfter?: number }): Promise<string | null>
}
