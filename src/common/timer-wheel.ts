/**
 * Many coarse deadlines on one timer: entries are kept in slots of `tickMs`, and a single
 * `setTimeout` is armed for the earliest slot. An idle WebSocket session needs a deadline for its
 * whole life (hello, ping, pong); one `Timeout` object and closure each would cost every session
 * about 200 bytes and a timer re-arm per frame (docs/benchmarks.md, idle memory).
 *
 * An entry fires at or after its time, at most one tick late. Entries remember their slot
 * themselves, so moving one costs two Set operations and no allocation.
 */

export interface WheelEntry {
  /** The slot the entry is in; -1 when it is in none. Owned by the wheel. */
  wheelSlot: number;
  /** Called once the entry's time has come (`nowMs` from `TimerWheel.now()`); it may schedule again. */
  onTimer(nowMs: number): void;
}

export class TimerWheel {
  readonly #tickMs: number;
  readonly #slots = new Map<number, Set<WheelEntry>>();
  #timer: NodeJS.Timeout | undefined;
  #armedSlot = Infinity;

  constructor(tickMs: number) {
    if (!(tickMs > 0)) throw new RangeError('tickMs must be above 0');
    this.#tickMs = tickMs;
  }

  /** The wheel's clock: monotonic milliseconds. */
  now(): number {
    return performance.now();
  }

  /** Run `entry.onTimer` at `atMs` (the wheel's clock) or up to one tick later; moves it if scheduled. */
  schedule(entry: WheelEntry, atMs: number): void {
    const slot = Math.ceil(atMs / this.#tickMs);
    if (entry.wheelSlot === slot) return;
    this.cancel(entry);
    let set = this.#slots.get(slot);
    if (set === undefined) this.#slots.set(slot, (set = new Set()));
    set.add(entry);
    entry.wheelSlot = slot;
    if (slot < this.#armedSlot) this.#arm(slot);
  }

  cancel(entry: WheelEntry): void {
    if (entry.wheelSlot === -1) return;
    const set = this.#slots.get(entry.wheelSlot);
    if (set !== undefined) {
      set.delete(entry);
      if (set.size === 0) this.#slots.delete(entry.wheelSlot);
    }
    entry.wheelSlot = -1;
    // The armed timer is left alone: firing with nothing due only re-arms.
  }

  /** Entries scheduled. */
  get size(): number {
    let n = 0;
    for (const set of this.#slots.values()) n += set.size;
    return n;
  }

  /** Stop the timer; scheduled entries never fire. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedSlot = Infinity;
    for (const set of this.#slots.values()) for (const entry of set) entry.wheelSlot = -1;
    this.#slots.clear();
  }

  #arm(slot: number): void {
    clearTimeout(this.#timer);
    this.#armedSlot = slot;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, slot * this.#tickMs - this.now()));
    // The sockets keep the process alive, not their deadlines.
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedSlot = Infinity;
    const now = this.now();
    const nowSlot = Math.floor(now / this.#tickMs);
    const due: WheelEntry[] = [];
    let next = Infinity;
    for (const [slot, set] of this.#slots) {
      if (slot <= nowSlot) {
        for (const entry of set) {
          entry.wheelSlot = -1;
          due.push(entry);
        }
        this.#slots.delete(slot);
      } else if (slot < next) next = slot;
    }
    if (next !== Infinity) this.#arm(next);
    for (const entry of due) entry.onTimer(now);
  }
}
