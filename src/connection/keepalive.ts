/**
 * WebSocket-level liveness (spec/autopush.md §2 "Framing", §2.6): after `intervalMs` without
 * traffic from the UA the server sends a ping frame; without a pong within `timeoutMs` the
 * session ends with PongTimeout. A pong, or any frame while no ping is outstanding, restarts
 * the idle timer. The server never sends app-level pings.
 *
 * `sendInstead` is asked first on each tick: when it sends something else (a Megaphone
 * `broadcast` frame, §2.8), no pong is awaited and the idle timer starts again, as autopush's
 * ping manager does.
 */

export class Keepalive {
  #idle: NodeJS.Timeout | undefined;
  #deadline: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly sendPing: () => void,
    private readonly onTimeout: () => void,
    private readonly sendInstead: () => boolean = () => false,
  ) {
    this.#armIdle();
  }

  /** The UA sent a frame: it is alive, unless a ping is outstanding (only a pong answers that). */
  activity(): void {
    if (this.#deadline === undefined) this.#armIdle();
  }

  pong(): void {
    clearTimeout(this.#deadline);
    this.#deadline = undefined;
    this.#armIdle();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#idle);
    clearTimeout(this.#deadline);
  }

  #armIdle(): void {
    if (this.#stopped) return;
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => {
      this.#idle = undefined;
      if (this.sendInstead()) return this.#armIdle();
      this.sendPing();
      this.#deadline = setTimeout(() => {
        this.#deadline = undefined;
        if (!this.#stopped) this.onTimeout();
      }, this.timeoutMs);
    }, this.intervalMs);
  }
}
