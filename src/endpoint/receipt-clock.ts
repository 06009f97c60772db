/**
 * Receipt times of pushes. Message ids of topic-less messages embed the receipt time, so two
 * pushes to one channel in the same millisecond must still get different ids: the clock counts
 * in microseconds and never repeats or goes back, even if the wall clock does (DESIGN.md,
 * "message ids that never collide").
 */

export interface WallClock {
  nowMs(): number;
}

export const systemClock: WallClock = { nowMs: () => Date.now() };

export interface Receipt {
  /** Epoch seconds, for `Notification.timestamp`. */
  seconds: number;
  /** Strictly increasing epoch microseconds, for the message id. */
  micros: number;
}

export class ReceiptClock {
  #last = 0;
  constructor(private readonly wall: WallClock = systemClock) {}

  /** The time of a receipt now: wall-clock seconds and a unique, increasing microsecond stamp. */
  next(): Receipt {
    const ms = this.wall.nowMs();
    this.#last = Math.max(Math.floor(ms * 1000), this.#last + 1);
    return { seconds: Math.floor(ms / 1000), micros: this.#last };
  }
}
