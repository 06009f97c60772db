/**
 * The message ids a user agent has already handled, so a redelivered message (the server may
 * send a message again until it sees the ack) reaches the application once. Firefox keeps the
 * last 100 (`recentMessageIDs`); so do we.
 */

export class RecentVersions {
  readonly #limit: number;
  /** version → channelID, in insertion order (oldest first). */
  readonly #seen = new Map<string, string>();

  constructor(limit = 100) {
    this.#limit = limit;
  }

  /** Whether `version` was handled recently. */
  has(version: string): boolean {
    return this.#seen.has(version);
  }

  /** The channel of a recently handled version, or undefined. */
  channelOf(version: string): string | undefined {
    return this.#seen.get(version);
  }

  /** Remember a version, forgetting the oldest beyond the limit. */
  add(version: string, channelID: string): void {
    this.#seen.delete(version);
    this.#seen.set(version, channelID);
    while (this.#seen.size > this.#limit) {
      const oldest = this.#seen.keys().next();
      if (oldest.done) break;
      this.#seen.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#seen.size;
  }
}
