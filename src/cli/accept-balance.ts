/**
 * Spreading connections over `serve --workers` (docs/operations.md "Several workers on one host").
 * Each worker accepts from the one shared listening socket itself (node:cluster's SCHED_NONE):
 * handing every socket from the primary to a worker over IPC, node:cluster's default, cost half
 * of a hello's CPU in a reconnect storm. Linux then wakes whichever worker is idle first, so the
 * counts drift apart (by a third and more when a crowd reconnects). The workers report how many
 * sockets they hold; one that holds clearly more than the mean stops accepting (closes its copy of
 * the listening socket; the queue stays with the others) until the rest catch up. The worker with
 * the fewest never stops, so someone always accepts.
 */

/** How often a worker reports its open sockets, ms. */
export const LOAD_REPORT_MS = 250;

/** A worker's report to the primary. */
export interface WorkerLoad {
  type: 'herald-load';
  index: number;
  open: number;
}

/** The primary's word to a worker. */
export interface AcceptOrder {
  type: 'herald-accept';
  accepting: boolean;
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
  readonly #accepting = new Map<number, boolean>();
  readonly #tell: (index: number, order: AcceptOrder) => void;

  constructor(tell: (index: number, order: AcceptOrder) => void) {
    this.#tell = tell;
  }

  report(load: WorkerLoad): void {
    this.#open.set(load.index, load.open);
    this.#apply(decideAccepting(this.#open, this.#accepting));
  }

  /**
   * A worker left: forget it and let every other accept again, so the listening socket is never
   * without a worker (the primary closes it when none holds it, dropping what waits in its queue).
   */
  forget(index: number): void {
    this.#open.delete(index);
    this.#accepting.delete(index);
    this.#apply(new Map([...this.#open.keys()].map((i) => [i, true])));
  }

  #apply(decided: ReadonlyMap<number, boolean>): void {
    for (const [index, accepting] of decided) {
      if ((this.#accepting.get(index) ?? true) === accepting) continue;
      this.#accepting.set(index, accepting);
      this.#tell(index, { type: 'herald-accept', accepting });
    }
  }
}
