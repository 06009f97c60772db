/**
 * The load generators: several worker processes (bench/load/worker.ts), each under the open-file
 * limit and each with its share of the source addresses 127.0.0.2-127.0.0.254, so neither the
 * limit nor the ephemeral port range caps the number of client sockets, nor slows their binds.
 */
import { join } from 'node:path';
import { buildChildren, buildDir, rootDir } from './build.js';
import { Child } from './children.js';
import { cpuSeconds } from './proc.js';

/**
 * Loopback source addresses for client sockets (all of 127/8 routes to lo on Linux): 253 of them,
 * so that 100,000 sockets put about 400 on each. A socket is bound to its source address with
 * port 0 before it connects, and libuv sets SO_REUSEADDR on it; for such a bind Linux searches
 * only the odd ports of the lower half of the ephemeral range first (7,058 of 32768-60999), and
 * once an address holds that many sockets every further bind walks all of them, in the kernel,
 * with the generator's event loop stopped: 1-3 ms per bind instead of about 25 µs (measured,
 * docs/benchmarks.md "2026-12-07, night"). With 8 addresses the storm crossed that line at about
 * 50,000 user agents and slowed to a quarter or a third of its rate.
 */
export const SOURCE_ADDRESSES = Array.from({ length: 253 }, (_, i) => `127.0.0.${i + 2}`);

export interface WorkerCounters {
  connected: number;
  connectFailed: number;
  lost: number;
  received: number;
  sent: number;
  ok: number;
  failed: number;
  dropped: number;
  inflight: number;
  queued: number;
  uas: number;
  /** Wall-clock ms of the latest notification (the maximum over the workers). */
  lastReceiptAt: number;
  statuses: Record<string, number>;
}

/** 127.0.0.2-127.0.0.20: the two-senders scenario's addresses (its 1,000 user agents are far below the bind limit). */
export const WIDE_SOURCE_ADDRESSES = Array.from({ length: 19 }, (_, i) => `127.0.0.${i + 2}`);

export class Workers {
  private constructor(
    readonly list: Child[],
    private readonly addresses: readonly string[],
  ) {}

  /**
   * Start `n` worker processes named `<name>-<i>`; `firstId` keeps their user-agent ids apart from
   * another group's, and `addresses` are the source addresses shared out among them.
   */
  static async start(n: number, opts: { name?: string; firstId?: number; addresses?: readonly string[] } = {}): Promise<Workers> {
    buildChildren();
    const { name = 'worker', firstId = 0, addresses = SOURCE_ADDRESSES } = opts;
    const list = Array.from(
      { length: n },
      (_, i) =>
        new Child(`${name}-${i}`, process.execPath, [join(buildDir, 'load/worker.js')], {
          cwd: rootDir,
          env: { ...process.env, BENCH_WORKER_ID: String(firstId + i) },
        }),
    );
    await Promise.all(list.map((w) => w.ready(30_000)));
    return new Workers(list, addresses);
  }

  get size(): number {
    return this.list.length;
  }

  /** The source addresses worker `i` uses (a disjoint share when there are enough). */
  sources(i: number): string[] {
    const n = this.list.length;
    const all = this.addresses;
    if (n >= all.length) return [all[i % all.length]!];
    return all.filter((_, k) => k % n === i);
  }

  /** Run `op` on every worker; `args(i)` gives each its arguments. */
  all<T>(op: string, args: (i: number) => Record<string, unknown> = () => ({}), timeoutMs = 60_000): Promise<T[]> {
    return Promise.all(this.list.map((w, i) => w.call<T>(op, args(i), timeoutMs)));
  }

  /** Counters summed over the workers. */
  async counters(): Promise<WorkerCounters> {
    const each = await this.all<WorkerCounters>('counters', () => ({}), 10_000);
    const sum: WorkerCounters = { connected: 0, connectFailed: 0, lost: 0, received: 0, sent: 0, ok: 0, failed: 0, dropped: 0, inflight: 0, queued: 0, uas: 0, lastReceiptAt: 0, statuses: {} };
    for (const c of each) {
      for (const k of ['connected', 'connectFailed', 'lost', 'received', 'sent', 'ok', 'failed', 'dropped', 'inflight', 'queued', 'uas'] as const) sum[k] += c[k];
      sum.lastReceiptAt = Math.max(sum.lastReceiptAt, c.lastReceiptAt);
      for (const [s, n] of Object.entries(c.statuses)) sum.statuses[s] = (sum.statuses[s] ?? 0) + n;
    }
    return sum;
  }

  /** CPU seconds used by all workers so far. */
  cpu(): number {
    return this.list.reduce((t, w) => t + cpuSeconds(w.pid), 0);
  }

  /** Split `total` over the workers as evenly as possible. */
  share(total: number, i: number): number {
    const n = this.list.length;
    return Math.floor(total / n) + (i < total % n ? 1 : 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.list.map((w) => w.stop(15_000)));
  }
}
