/**
 * At most one log line per interval for one kind of event, so a flood of bad requests cannot
 * flood the log (or the disk) with one line each. Lines skipped in between are counted and
 * reported with the next one written.
 */
export class LogThrottle {
  #nextAt = Number.NEGATIVE_INFINITY;
  #skipped = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** One event: `write` runs now, with the number skipped since the last line, or is skipped. */
  event(write: (skipped: number) => void): void {
    const t = this.now();
    if (t < this.#nextAt) {
      this.#skipped++;
      return;
    }
    this.#nextAt = t + this.intervalMs;
    const skipped = this.#skipped;
    this.#skipped = 0;
    write(skipped);
  }
}
