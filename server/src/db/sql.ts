/**
 * Numbered parameters for statements put together from fragments. Each owning repository
 * writes its fragment with `p.add(value)`, so a combined statement (server/src/canvas/repository.ts)
 * numbers `$1, $2, …` across fragments without any fragment knowing the others.
 */
export class SqlParams {
  readonly values: unknown[] = []

  /** Adds a value and answers its placeholder (`$n`). */
  add(value: unknown): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}
