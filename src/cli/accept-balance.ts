/**
 * Spreading connections over `serve --workers` (docs/operations.md "Several workers on one host").
 * Each worker accepts from the one shared listening socket itself (node:cluster's SCHED_NONE):
 * handing every socket from the primary to a worker over IPC, node:cluster's default, cost half
 * of a hello's CPU in a reconnect storm. Linux then wakes whichever worker is idle first, so the
 * counts drift apart (by a third and more when a crowd reconnects). The workers report how many
 * sockets they hold; one that holds clearly more than the mean stops accepting (closes its copy of
 * the listening socket; the queue stays with the others) until the rest catch up. The worker with
 * the fewest never stops, and a worker is told to stop only while another live one says it
 * accepts (one that has not reported for a second may hang: the queue must not wait for it); a
 * stopped worker is told to resume when none does. The primary closes the shared socket when no
 * worker holds it, and the connections queued on it would be reset.
 */

/** How often a worker reports its open sockets, ms. */
export const LOAD_REPORT_MS = 250;
/** A worker that has not reported for this long may hang: it does not count as accepting. */
export const STALE_MS = 1000;

/** A worker's report to the primary. */
export interface WorkerLoad {
  type: 'herald-load';
  index: number;
  open: number;
  /** Whether it accepts now (an order takes effect after a round trip to the primary). */
  accepting: boolean;
  /** The `seq` of the last order it carried out (0: none yet). */
  seq: number;
}

/** The primary's word to a worker. */
export interface AcceptOrder {
  type: 'herald-accept';
  accepting: boolean;
  /** Counts the orders to one worker, so a report sent before an order is known for old. */
  seq: number;
}

/** Sockets over the mean a worker may hold before it stops accepting: 10 %, at least 64. */
export function stopAbove(mean: number): number {
  return mean + Math.max(64, mean * 0.1);
}

/** At or under this it accepts again (below `stopAbove`, so a worker does not flap). */
export function resumeAtOrBelow(mean: number): number {
  return mean + Math.max(32, mean * 0.05);
}

/**
 * Which workers accept, given each one's open sockets and whether it accepts now. Workers not in
 * `open` (not reported yet) are left out.
 */
export function decideAccepting(open: ReadonlyMap<number, number>, accepting: ReadonlyMap<number, boolean>): Map<number, boolean> {
  const out = new Map<number, boolean>();
  if (open.size === 0) return out;
  let sum = 0;
  let least: number | null = null;
  for (const [index, n] of open) {
    sum += n;
    if (least === null || n < open.get(least)!) least = index;
  }
  const mean = sum / open.size;
  for (const [index, n] of open) {
    const now = accepting.get(index) ?? true;
    out.set(index, index === least || (now ? n <= stopAbove(mean) : n <= resumeAtOrBelow(mean)));
  }
  return out;
}

/** The primary's side: remembers reports and tells a worker when its part changes. */
export class AcceptBalancer {
  readonly #open = new Map<number, number>();
  /** What each worker was last told (absent: accept, as a worker starts). */
  readonly #ordered = new Map<number, boolean>();
  /** What each worker said it does since its last order (absent: not said yet). */
  readonly #reported = new Map<number, boolean>();
  /** The last order's number, per worker. */
  readonly #seq = new Map<number, number>();
  /** When each worker last reported. */
  readonly #seen = new Map<number, number>();
  readonly #tell: (index: number, order: AcceptOrder) => void;
  readonly #now: () => number;

  constructor(tell: (index: number, order: AcceptOrder) => void, now: () => number = Date.now) {
    this.#tell = tell;
    this.#now = now;
  }

  report(load: WorkerLoad): void {
    this.#open.set(load.index, load.open);
    this.#seen.set(load.index, this.#now());
    // A report sent before the last order reached the worker says nothing of what it does now.
    if (load.seq === (this.#seq.get(load.index) ?? 0)) this.#reported.set(load.index, load.accepting);
    this.#apply(decideAccepting(this.#open, this.#ordered));
  }

  /** A worker left: forget it and let every other accept again. */
  forget(index: number): void {
    this.#open.delete(index);
    this.#ordered.delete(index);
    this.#reported.delete(index);
    this.#seq.delete(index);
    this.#seen.delete(index);
    this.#apply(new Map([...this.#open.keys()].map((i) => [i, true])));
  }

  #apply(decided: ReadonlyMap<number, boolean>): void {
    // Resumes first: a stop may wait for one of them to be under way. A stopped worker resumes
    // too when no other live worker accepts.
    for (const [index, accepting] of decided) {
      if (this.#ordered.get(index) === false && (accepting || !this.#anotherAccepts(index))) this.#order(index, true);
    }
    for (const [index, accepting] of decided) {
      if (!accepting && this.#ordered.get(index) !== false && this.#anotherAccepts(index)) this.#order(index, false);
    }
  }

  /** Some other live worker says it accepts and is not being told to stop. */
  #anotherAccepts(index: number): boolean {
    const now = this.#now();
    for (const [other, accepting] of this.#reported) {
      if (other === index || !accepting || this.#ordered.get(other) === false) continue;
      if (now - (this.#seen.get(other) ?? -Infinity) < STALE_MS) return true;
    }
    return false;
  }

  #order(index: number, accepting: boolean): void {
    this.#ordered.set(index, accepting);
    // Until it reports having carried this order out, what it said before no longer holds: a
    // worker told to resume may not listen yet, and counting it could leave the socket with none.
    this.#reported.delete(index);
    const seq = (this.#seq.get(index) ?? 0) + 1;
    this.#seq.set(index, seq);
    this.#tell(index, { type: 'herald-accept', accepting, seq });
  }
}
