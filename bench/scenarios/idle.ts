/**
 * Idle: hold N user agents (hello + one register each) and measure what each costs the server:
 * RSS from /proc, V8 heap after GC, and the kernel's slab growth. The same N is held by a bare
 * `ws` server (the floor of this runtime) and by mosquitto over websockets, in the same run.
 *
 * One process holds at most (open-file limit − a few) sockets. Beyond that Herald runs as
 * `herald serve --workers K` (its RSS summed over all processes), and the single-process
 * baselines are compared at the largest N one process can hold.
 */
import { barChart } from '../lib/svg.js';
import { fdLimit, slabKb } from '../lib/proc.js';
import { connectAll, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { startBareWs, startHerald, startHeraldWorkers, startMosquitto, type ServerHandle } from '../lib/servers.js';
import { median, sleep } from '../lib/stats.js';
import type { Cell } from '../lib/table.js';
import { Workers } from '../lib/workers.js';

type Target = 'herald' | 'bare-ws' | 'mosquitto';
const MODES = { herald: 'push', 'bare-ws': 'floor', mosquitto: 'mqtt' } as const;
const LABELS: Record<Target, string> = { herald: 'Herald', 'bare-ws': 'bare ws', mosquitto: 'mosquitto' };
/** File descriptors a server needs besides its sockets (stdio, SQLite, epoll, pipes…). */
const FD_HEADROOM = 100;
/** Connections planned per Herald worker: below its cap (open files − 512), so none refuses. */
const PER_WORKER = 16_000;

/** One process, or `herald serve --workers K` when N is more than one process can hold. */
function heraldWorkersFor(n: number, maxOneProcess: number): number {
  return n <= maxOneProcess ? 1 : Math.ceil(n / PER_WORKER);
}

interface Measurement {
  n: number;
  run: number;
  target: Target;
  held: number;
  failed: number;
  connectSeconds: number;
  baseRssKb: number;
  rssKb: number;
  baseHeapKb: number | null;
  heapKb: number | null;
  slabDeltaKb: number;
  /** Marginal server RSS per connection in kB (1000 bytes). */
  rssPerConnKB: number;
  heapPerConnKB: number | null;
  /** Herald worker processes (1: a single process). */
  processes: number;
  /** Kernel slab growth per connection (both ends of the loopback connection), kB. */
  kernelPerConnKB: number;
}

const kB = (kib: number) => (kib * 1024) / 1000;

async function hold(ctx: ScenarioContext, workers: Workers, target: Target, n: number, run: number): Promise<Measurement | null> {
  const { smoke } = ctx.opts;
  const heraldWorkers = heraldWorkersFor(n, fdLimit().soft - FD_HEADROOM);
  const server: ServerHandle | null =
    target === 'bare-ws'
      ? await startBareWs()
      : target === 'mosquitto'
        ? await startMosquitto(ctx.servers)
        : heraldWorkers > 1
          ? await startHeraldWorkers(ctx.servers, heraldWorkers)
          : await startHerald(ctx.servers, { db: ctx.opts.db });
  if (server === null) return null;
  try {
    await sleep(smoke ? 200 : 1000);
    const base = await server.memory(true);
    const slab0 = slabKb();
    const label = `${server.name} n=${n.toLocaleString('en-US')} #${run}`;
    const c = await connectAll(ctx, workers, { url: server.wsUrl, mode: MODES[target], total: n, concurrency: smoke ? 8 : 50, label });
    if (c.failed > 0) ctx.log(`${label}: ${c.failed} handshakes failed (last: ${c.lastError})`);
    ctx.log(`${label}: ${c.connected.toLocaleString('en-US')} held after ${c.seconds.toFixed(1)} s; settling`);
    await sleep(smoke ? 300 : 2000);
    const samples = [];
    for (let i = 0; i < (smoke ? 1 : 3); i++) {
      samples.push(await server.memory(true));
      if (i < 2 && !smoke) await sleep(1000);
    }
    const slab1 = slabKb();
    const counters = await workers.counters();
    const held = counters.connected;
    const rss = median(samples.map((s) => s.rssKb));
    const heap = base.heapUsedKb === undefined ? null : median(samples.map((s) => s.heapUsedKb ?? 0));
    const per = (v: number) => (held > 0 ? v / held : NaN);
    const m: Measurement = {
      n,
      run,
      target,
      held,
      failed: c.failed,
      connectSeconds: c.seconds,
      baseRssKb: base.rssKb,
      rssKb: rss,
      baseHeapKb: base.heapUsedKb ?? null,
      heapKb: heap,
      slabDeltaKb: slab1 - slab0,
      rssPerConnKB: per(kB(rss - base.rssKb)),
      heapPerConnKB: heap === null || base.heapUsedKb === undefined ? null : per(kB(heap - base.heapUsedKb)),
      kernelPerConnKB: per(kB(slab1 - slab0)),
      processes: target === 'herald' ? heraldWorkers : 1,
    };
    ctx.log(`${label}: RSS ${(rss / 1024).toFixed(0)} MiB, ${m.rssPerConnKB.toFixed(2)} kB/conn`);
    return m;
  } finally {
    await workers.all('disconnect', () => ({ forget: true }), 60_000);
    await server.stop();
  }
}

export const idle: Scenario = async (ctx) => {
  const { smoke } = ctx.opts;
  const requested = ctx.opts.n ?? (smoke ? [50] : [10_000, 19_000, 50_000, 100_000]);
  const limit = fdLimit();
  const maxOneProcess = limit.soft - FD_HEADROOM;
  const repeats = ctx.opts.repeats ?? 1;
  // Each generator process is bound by the same open-file limit as a server.
  const generators = Math.max(smoke ? 2 : 4, Math.ceil(Math.max(...requested) / (maxOneProcess - 1000)));
  const workers = await Workers.start(ctx.opts.workers ?? generators);
  const notes: string[] = [];
  const all: Measurement[] = [];
  let mosquittoMissing = false;
  try {
    for (const n of requested) {
      if (n > workers.size * maxOneProcess) throw new Error(`--n ${n} needs more generator processes (--workers)`);
      // The baselines are single processes: beyond one process's sockets only Herald runs.
      const targets = n <= maxOneProcess ? (['herald', 'bare-ws', 'mosquitto'] as const) : (['herald'] as const);
      for (let run = 1; run <= repeats; run++) {
        for (const target of targets) {
          const m = await hold(ctx, workers, target, n, run);
          if (m === null) mosquittoMissing = true;
          else all.push(m);
        }
      }
    }
  } finally {
    await workers.stop();
  }

  // One row per (N, server): the median of its runs.
  const results: Measurement[] = [];
  for (const n of new Set(all.map((r) => r.n))) {
    for (const target of ['herald', 'bare-ws', 'mosquitto'] as const) {
      const rs = all.filter((r) => r.n === n && r.target === target);
      if (rs.length === 0) continue;
      const med = (f: (r: Measurement) => number | null) => (f(rs[0]!) === null ? null : median(rs.map((r) => f(r) ?? 0)));
      results.push({
        ...rs[0]!,
        run: 0,
        held: Math.min(...rs.map((r) => r.held)),
        rssKb: med((r) => r.rssKb)!,
        heapKb: med((r) => r.heapKb),
        rssPerConnKB: med((r) => r.rssPerConnKB)!,
        heapPerConnKB: med((r) => r.heapPerConnKB),
        kernelPerConnKB: med((r) => r.kernelPerConnKB)!,
      });
    }
  }
  const find = (n: number, t: Target) => results.find((r) => r.n === n && r.target === t);
  /** A baseline at N, or at the largest N one process held when N needed several. */
  const baseline = (n: number, t: Target) => find(n, t) ?? find(Math.max(0, ...results.filter((r) => r.target === t && r.n <= n).map((r) => r.n)), t);
  /** Herald/baseline per connection; "(vs 19,000)" when the baseline could only hold a smaller N. */
  const ratio = (r: Measurement, t: Target): Cell => {
    const b = baseline(r.n, t);
    if (b === undefined || b.rssPerConnKB <= 0) return null;
    const x = `${(r.rssPerConnKB / b.rssPerConnKB).toFixed(2)}x`;
    return b.n === r.n ? x : `${x} (vs ${b.n.toLocaleString('en-US')})`;
  };
  const rows: Cell[][] = [];
  for (const r of results) {
    const isHerald = r.target === 'herald';
    rows.push([
      r.n,
      isHerald && r.processes > 1 ? `Herald ×${r.processes} workers` : LABELS[r.target],
      r.held,
      Math.round(r.rssKb / 1024),
      r.rssPerConnKB,
      r.heapPerConnKB,
      r.kernelPerConnKB,
      isHerald ? ratio(r, 'bare-ws') : null,
      isHerald ? ratio(r, 'mosquitto') : null,
    ]);
    // The single-process baselines cannot hold more sockets than one process's open-file limit.
    if (isHerald && r.n > maxOneProcess) {
      for (const t of ['bare-ws', 'mosquitto'] as const) {
        if (t === 'mosquitto' && mosquittoMissing) continue;
        rows.push([r.n, LABELS[t], `not possible (1 process, ${limit.soft.toLocaleString('en-US')} open files)`, null, null, null, null, null, null]);
      }
    }
  }

  notes.push(
    `RSS and heap per connection are marginal: (value with N held − value before connecting) / N, in kB of 1000 bytes; heap is V8 heapUsed after a forced GC. Each server is started fresh for each N; ${repeats} run(s) per N, medians shown.`,
  );
  notes.push('Kernel kB/conn is the growth of /proc/meminfo Slab per connection, both ends of the loopback connection included; it is machine-wide and noisy.');
  notes.push(`Open-file limit of one process: ${limit.soft} (hard ${limit.hard}); so one process holds at most ~${maxOneProcess.toLocaleString('en-US')} sockets.`);
  if (results.some((r) => r.processes > 1)) {
    notes.push(
      `Beyond one process's sockets Herald runs as \`herald serve --workers K\` (${PER_WORKER.toLocaleString('en-US')} connections planned per worker; RSS summed over the primary and every worker, heap not read). bare ws and mosquitto are single processes and cannot hold those N ("not possible"): Herald's ratios there are against them at the largest N one process held, named in the ratio.`,
    );
  }
  if (mosquittoMissing) notes.push('mosquitto is not installed (apt-get install -y mosquitto): its column is empty.');
  const heraldRows = results.filter((r) => r.target === 'herald');
  const at50k = find(50_000, 'herald');
  const most = heraldRows.reduce<Measurement | undefined>((a, r) => (a === undefined || r.held > a.held ? r : a), undefined);
  if (most) {
    const within = (r: Measurement) => (r.rssPerConnKB <= 10 ? 'within the target' : `${(r.rssPerConnKB / 10).toFixed(2)}x the target`);
    notes.push(
      `Target: at most 10 kB of server RSS per user agent at 50k, and more than 100k held. ` +
        (at50k ? `At 50,000: ${at50k.rssPerConnKB.toFixed(2)} kB/conn (${within(at50k)}). ` : 'N = 50,000 was not measured in this run. ') +
        `Most held: ${most.held.toLocaleString('en-US')} (${most.processes} process${most.processes > 1 ? 'es' : ''}), ${most.rssPerConnKB.toFixed(2)} kB/conn.`,
    );
  }

  const ns = [...new Set(results.map((r) => r.n))];
  const series = (t: Target, field: 'rssPerConnKB' | 'heapPerConnKB', name: string) => ({
    name,
    values: ns.map((n) => find(n, t)?.[field] ?? null),
  });
  const plot = barChart({
    title: 'Idle: server memory per held connection',
    subtitle: 'marginal RSS (and Herald V8 heap) per user agent; lower is better',
    yLabel: 'kB per connection',
    categories: ns.map((n) => `N = ${n.toLocaleString('en-US')}`),
    series: [series('herald', 'rssPerConnKB', 'Herald RSS'), series('herald', 'heapPerConnKB', 'Herald heap'), series('bare-ws', 'rssPerConnKB', 'bare ws RSS'), series('mosquitto', 'rssPerConnKB', 'mosquitto RSS')],
    target: { value: 10, label: 'target: 10 kB' },
  });

  return {
    title: 'Idle connections: memory per user agent',
    table: {
      columns: ['N', 'server', 'held', 'RSS MiB', 'RSS kB/conn', 'heap kB/conn', 'kernel kB/conn', 'vs bare ws', 'vs mosquitto'],
      rows,
    },
    notes,
    data: { repeats, results, runs: all, fdLimit: limit },
    plot,
  };
};
