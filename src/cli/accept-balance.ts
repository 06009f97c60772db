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

/** What the primary knows of one worker. */
interface WorkerState {
  open: number;
  /** What it was last told (true until told otherwise, as a worker starts accepting). */
  ordered: boolean;
  /** What it said it does since its last order (undefined: not said yet). */
  reported: boolean | undefined;
  /** The last order's number. */
  seq: number;
  /** When it last reported. */
  seen: number;
}

/** The primary's side: remembers reports and tells a worker when its part changes. */
export class AcceptBalancer {
  readonly #workers = new Map<number, WorkerState>();
  readonly #tell: (index: number, order: AcceptOrder) => void;
  readonly #now: () => number;

  constructor(tell: (index: number, order: AcceptOrder) => void, now: () => number = Date.now) {
    this.#tell = tell;
    this.#now = now;
  }

  report(load: WorkerLoad): void {
    let w = this.#workers.get(load.index);
    if (w === undefined) this.#workers.set(load.index, (w = { open: 0, ordered: true, reported: undefined, seq: 0, seen: 0 }));
    w.open = load.open;
    w.seen = this.#now();
    // A report sent before the last order reached the worker says nothing of what it does now.
    if (load.seq === w.seq) w.reported = load.accepting;
    const open = new Map([...this.#workers].map(([i, x]) => [i, x.open]));
    const ordered = new Map([...this.#workers].map(([i, x]) => [i, x.ordered]));
    this.#apply(decideAccepting(open, ordered));
  }

  /** A worker left: forget it and let every other accept again. */
  forget(index: number): void {
    this.#workers.delete(index);
    this.#apply(new Map([...this.#workers.keys()].map((i) => [i, true])));
  }

  #apply(decided: ReadonlyMap<number, boolean>): void {
    // Resumes first: a stop may wait for one of them to be under way. A stopped worker resumes
    // too when no other live worker accepts.
    for (const [index, accepting] of decided) {
      if (!this.#workers.get(index)!.ordered && (accepting || !this.#anotherAccepts(index))) this.#order(index, true);
    }
    for (const [index, accepting] of decided) {
      if (!accepting && this.#workers.get(index)!.ordered && this.#anotherAccepts(index)) this.#order(index, false);
    }
  }

  /** Some other live worker says it accepts and is not being told to stop. */
  #anotherAccepts(index: number): boolean {
    const now = this.#now();
    for (const [other, w] of this.#workers) {
      if (other !== index && w.reported === true && w.ordered && now - w.seen < STALE_MS) return true;
    }
    return false;
  }

  #order(index: number, accepting: boolean): void {
    const w = this.#workers.get(index)!;
    w.ordered = accepting;
    // Until it reports having carried this order out, what it said before no longer holds: a
    // worker told to resume may not listen yet, and counting it could leave the socket with none.
    w.reported = undefined;
    w.seq++;
    this.#tell(index, { type: 'herald-accept', accepting, seq: w.seq });
  }
}
