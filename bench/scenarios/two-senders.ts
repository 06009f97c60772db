/**
 * Two senders (issue 12, "second load pattern"): the load comes from sender processes apart from
 * the processes that hold the user agents, as it does in production. Each sender process has its
 * own VAPID key (so its own JWT) and its own keep-alive sockets, and POSTs open loop at a fixed
 * rate to every user agent, held by the client processes; client sockets of both kinds bind to
 * 127.0.0.2-127.0.0.20. Every sender prepares its requests and sockets first; all share one start
 * time and send on 1 ms ticks, so with `--order same` their requests reach the server in
 * near-simultaneous pairs to the same user agent.
 *
 * Latency is from a request's scheduled send time (on the sender's clock) to the notification's
 * receipt (on the client's clock; both are the machine's wall clock at sub-millisecond
 * resolution), so a stalled server cannot hide its tail (no coordinated omission). The bare relay
 * (HTTP in, WebSocket out, nothing else) takes the same load in the same run, runs interleaved.
 */
import { BODY_BYTES, rate, vapidAuthorization, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import type { ServerHandle } from '../lib/servers.js';
import type { LoopStats } from '../servers/loop-stats.js';
import { median, sleep, summariseLatency, type LatencySummary } from '../lib/stats.js';
import { barChart } from '../lib/svg.js';
import type { Cell } from '../lib/table.js';
import { WIDE_SOURCE_ADDRESSES, Workers } from '../lib/workers.js';
import { loadShape, saturate, startRelay, type RelayTarget } from './throughput.js';

const LOADS = [25, 50];
const TARGET_P99_MS = 12;
/** Sender ids start here, apart from the clients' user-agent ids. */
const SENDER_ID_BASE = 100;

interface Run {
  target: RelayTarget;
  loadPct: number;
  run: number;
  rate: number;
  achieved: number;
  serverCpuPct: number;
  /** Share of the time the server's event loop was runnable but had no CPU (a busy machine). */
  serverWaitPct: number;
  errors: number;
  /** Scheduled send time to receipt at the user agent. */
  receipt: LatencySummary;
  /** Scheduled send time to the 201 at the sender. */
  response: LatencySummary;
  /** The server's event-loop delay and GC pauses over the recorded window (servers/loop-stats.ts). */
  loop: LoopStats | null;
}

interface Target {
  name: RelayTarget;
  server: ServerHandle;
  /** One endpoint list per sender, in the order it walks them. */
  orders: string[][];
  /** One VAPID header per sender: a key of its own. */
  authorizations: string[];
}

function shuffled<T>(list: readonly T[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The server's endpoints, alternating between the client processes. */
async function endpointsOf(clients: Workers, server: ServerHandle): Promise<string[]> {
  const each = await clients.all<{ endpoints: string[] }>('endpoints', () => ({ prefix: `http://127.0.0.1:${server.port}/` }));
  const out: string[] = [];
  for (let k = 0; k < Math.max(...each.map((e) => e.endpoints.length)); k++) for (const e of each) if (k < e.endpoints.length) out.push(e.endpoints[k]!);
  return out;
}

async function prepareTarget(ctx: ScenarioContext, clients: Workers, senders: Workers, name: RelayTarget, server: ServerHandle): Promise<Target> {
  const endpoints = await endpointsOf(clients, server);
  const orders = senders.list.map(() => (ctx.opts.order === 'same' ? endpoints : shuffled(endpoints)));
  const authorizations = senders.list.map(() => vapidAuthorization(`http://127.0.0.1:${server.port}`));
  return { name, server, orders, authorizations };
}

export const twoSenders: Scenario = async (ctx) => {
  const { smoke } = ctx.opts;
  const shape = loadShape(ctx);
  const senderCount = ctx.opts.senders ?? 2;
  const sockets = ctx.opts.sockets ?? (smoke ? 2 : 8);
  const repeats = ctx.opts.repeats ?? (smoke ? 1 : 3);
  const warmup = ctx.opts.warmup ?? (smoke ? 0.2 : 2);
  const duration = ctx.opts.duration ?? (smoke ? 0.6 : 10);
  const ttl = ctx.opts.ttl ?? 60;
  const startDelayMs = smoke ? 300 : 1000;
  const clients = await Workers.start(shape.workers, { name: 'client', addresses: WIDE_SOURCE_ADDRESSES });
  const runs: Run[] = [];
  let saturation = ctx.opts.saturation ?? 0;
  const saturationMeasured = saturation === 0;
  try {
    const senders = await Workers.start(senderCount, { name: 'sender', firstId: SENDER_ID_BASE, addresses: WIDE_SOURCE_ADDRESSES });
    const targets: Target[] = [];
    try {
      const herald = await startRelay(ctx, clients, 'herald', shape.uas);
      targets.push(await prepareTarget(ctx, clients, senders, 'herald', herald));
      if (!saturation) {
        // Closed loop from the client processes, as the latency scenario measures it.
        const probe = await saturate(ctx, clients, herald, { ...shape, sockets: smoke ? 4 : 32, duration: smoke ? 0.7 : 6, warmup: smoke ? 0.3 : 3 }, 'saturation probe', 0, 'herald');
        saturation = probe.msgsPerSec;
        ctx.log(`saturation: ${Math.round(saturation).toLocaleString('en-US')} msg/s`);
        await sleep(1000);
      }
      const bare = await startRelay(ctx, clients, 'bare-relay', shape.uas);
      targets.push(await prepareTarget(ctx, clients, senders, 'bare-relay', bare));

      const params = (loadPct: number, run: number): RunParams => ({ loadPct, run, total: (saturation * loadPct) / 100, sockets, ttl, warmup, duration, startDelayMs });
      if (!saturationMeasured) {
        // A freshly started Herald runs its push path unoptimised for its first seconds of traffic
        // and falls behind even 25% of saturation (measured: p99 0.4-0.9 s on a cold server,
        // 15-50 ms on the same server a minute later); the probe warms it, else this unrecorded run.
        for (const t of targets) await oneRun(ctx, clients, senders, t, params(LOADS[0]!, 0));
      }
      for (const loadPct of LOADS) {
        for (let run = 1; run <= repeats; run++) {
          // Interleaved, so drift on a shared machine hits both alike.
          for (const t of targets) runs.push(await oneRun(ctx, clients, senders, t, params(loadPct, run)));
        }
      }
    } finally {
      await clients.all('disconnect', () => ({ forget: true }), 60_000);
      for (const t of targets) await t.server.stop();
      await senders.stop();
    }
  } finally {
    await clients.stop();
  }
  return report(ctx, { saturation, saturationMeasured, shape, senderCount, sockets, repeats, warmup, duration, ttl, runs });
};

interface RunParams {
  loadPct: number;
  run: number;
  total: number;
  sockets: number;
  ttl: number;
  warmup: number;
  duration: number;
  startDelayMs: number;
}

async function oneRun(ctx: ScenarioContext, clients: Workers, senders: Workers, t: Target, p: RunParams): Promise<Run> {
  const label = `${t.name} ${p.loadPct}% #${p.run} (${Math.round(p.total).toLocaleString('en-US')} msg/s)`;
  const startAt = Date.now() + p.startDelayMs;
  await senders.all('send', (i) => ({
    mode: 'open',
    rate: p.total / senders.size,
    sources: senders.sources(i),
    sockets: p.sockets,
    ttl: p.ttl,
    bodyBytes: BODY_BYTES,
    authorization: t.authorizations[i],
    targets: t.orders[i],
    startAt,
  }));
  let window: { seconds: number; received: number; ok: number; errors: number; cpu: number; wait: number };
  let loop: LoopStats | null = null;
  try {
    await sleep(Math.max(0, startAt - Date.now()) + p.warmup * 1000);
    await clients.all('record', () => ({ receipts: true }));
    await senders.all('record', () => ({ responses: true }));
    await t.server.call?.('loop-start');
    window = await progress(ctx, clients, senders, t.server, p.duration, label);
    loop = (await t.server.call?.<LoopStats>('loop-stop')) ?? null;
  } finally {
    await senders.all('stop-send', () => ({}), 30_000);
  }
  await sleep(200); // notifications of the last answered POSTs
  const receipts = await clients.all<{ receipts: number[] }>('samples', () => ({}), 60_000);
  const responses = await senders.all<{ responses: number[] }>('samples', () => ({}), 60_000);
  await sleep(ctx.opts.smoke ? 100 : 1000);
  return {
    target: t.name,
    loadPct: p.loadPct,
    run: p.run,
    rate: p.total,
    achieved: window.received / window.seconds,
    serverCpuPct: (window.cpu / window.seconds) * 100,
    serverWaitPct: (window.wait / window.seconds) * 100,
    errors: window.errors,
    receipt: summariseLatency(receipts.flatMap((s) => s.receipts)),
    response: summariseLatency(responses.flatMap((s) => s.responses)),
    loop,
  };
}

/** Count over `seconds`, one progress line a second: received, 201s, errors, backlog, server CPU. */
async function progress(ctx: ScenarioContext, clients: Workers, senders: Workers, server: ServerHandle, seconds: number, label: string) {
  const read = async () => ({ c: await clients.counters(), s: await senders.counters(), cpu: server.cpu(), wait: server.cpuWait(), t: performance.now() });
  const first = await read();
  let last = first;
  const end = first.t + seconds * 1000;
  while (performance.now() < end) {
    await sleep(Math.min(1000, Math.max(0, end - performance.now())));
    const now = await read();
    const secs = (now.t - last.t) / 1000;
    ctx.log(
      `${label}: ${rate(now.c.received - last.c.received, secs)} msg/s received, ${rate(now.s.ok - last.s.ok, secs)} POST/s answered, ` +
        `${now.s.failed + now.s.dropped - last.s.failed - last.s.dropped} errors, ${now.s.queued} queued, server CPU ${Math.round(((now.cpu - last.cpu) / secs) * 100)}%, ` +
        `waiting for a CPU ${Math.round(((now.wait - last.wait) / secs) * 100)}%`,
    );
    last = now;
  }
  return {
    seconds: (last.t - first.t) / 1000,
    received: last.c.received - first.c.received,
    ok: last.s.ok - first.s.ok,
    errors: last.s.failed + last.s.dropped - first.s.failed - first.s.dropped + last.c.lost - first.c.lost,
    cpu: last.cpu - first.cpu,
    wait: last.wait - first.wait,
  };
}

interface ReportInput {
  saturation: number;
  saturationMeasured: boolean;
  shape: ReturnType<typeof loadShape>;
  senderCount: number;
  sockets: number;
  repeats: number;
  warmup: number;
  duration: number;
  ttl: number;
  runs: Run[];
}

function report(ctx: ScenarioContext, r: ReportInput) {
  const name = (t: RelayTarget) => (t === 'herald' ? 'Herald' : 'bare relay');
  const rows: Cell[][] = [];
  const summaries = LOADS.flatMap((loadPct) =>
    (['herald', 'bare-relay'] as const).map((target) => {
      const rs = r.runs.filter((x) => x.loadPct === loadPct && x.target === target);
      const m = (f: (x: Run) => number) => median(rs.map(f));
      const s = {
        target,
        loadPct,
        rate: rs[0]?.rate ?? NaN,
        achieved: m((x) => x.achieved),
        samples: rs.reduce((t, x) => t + x.receipt.count, 0),
        p50: m((x) => x.receipt.p50),
        p90: m((x) => x.receipt.p90),
        p99: m((x) => x.receipt.p99),
        max: Math.max(...rs.map((x) => x.receipt.max)),
        responseP99: m((x) => x.response.p99),
        serverCpuPct: m((x) => x.serverCpuPct),
        serverWaitPct: m((x) => x.serverWaitPct),
        loopP99: m((x) => x.loop?.delayP99Ms ?? NaN),
        loopMax: Math.max(...rs.map((x) => x.loop?.delayMaxMs ?? NaN)),
        gcMax: Math.max(...rs.map((x) => x.loop?.gcMaxMs ?? NaN)),
        gcMaxKind: rs.reduce((a, x) => ((x.loop?.gcMaxMs ?? -1) > a.ms ? { ms: x.loop!.gcMaxMs, kind: x.loop!.gcMaxKind } : a), { ms: -1, kind: '' }).kind,
        gcShare: m((x) => (x.loop ? x.loop.gcTotalMs / (r.duration * 10) : NaN)),
        errors: rs.reduce((t, x) => t + x.errors, 0),
      };
      rows.push([name(target), `${loadPct}%`, s.rate, s.achieved, s.samples, s.p50, s.p90, s.p99, s.max, s.responseP99, s.serverCpuPct, s.serverWaitPct, s.loopP99, s.loopMax, s.gcMax, s.gcMaxKind, s.gcShare, s.errors]);
      return s;
    }),
  );
  const at50 = summaries.find((s) => s.loadPct === 50 && s.target === 'herald');
  const notes = [
    `Saturation (100%): ${Math.round(r.saturation).toLocaleString('en-US')} msg/s, ${r.saturationMeasured ? 'measured at the start of this run (closed loop from the client processes)' : 'given with --saturation'}.`,
    `Load: ${r.senderCount} sender processes × ${r.sockets} keep-alive sockets, a VAPID key each, open loop on shared 1 ms ticks from one start time, targets in ${ctx.opts.order === 'same' ? 'the same order for every sender' : 'a shuffled order per sender'}; ${r.shape.uas} user agents in ${r.shape.workers} client processes; source addresses 127.0.0.2-127.0.0.20; ${BODY_BYTES}-byte bodies, TTL ${r.ttl}; ${r.warmup} s warm-up, ${r.duration} s recorded, ${r.repeats} run(s) per load and server, interleaved.`,
    'Latency is from the scheduled send time to the receipt at the user agent (percentiles: medians over the runs; max: the maximum); "201 p99" is from the scheduled send time to the answer at the sender. "CPU wait" is the share of time the server\'s event loop was runnable but had no CPU: above a few % the machine is busy and the tail is partly the scheduler\'s. Measured inside the server over the recorded window: "loop p99/max" is its event-loop delay (1 ms resolution), "GC max" its longest garbage-collection pause and "GC %" the share of the window spent in GC pauses.',
    at50 ? `Target: p99 under ${TARGET_P99_MS} ms at 50% of saturation. Herald measured p99 ${at50.p99.toFixed(1)} ms (${at50.p99 < TARGET_P99_MS ? 'met' : 'not met'}).` : '',
  ].filter(Boolean);
  const plot = barChart({
    title: 'Two senders: POST-to-receipt latency, open loop',
    subtitle: `${r.senderCount} sender processes × ${r.sockets} sockets; 100% = ${Math.round(r.saturation).toLocaleString('en-US')} msg/s`,
    yLabel: 'milliseconds',
    categories: summaries.map((s) => `${name(s.target)} ${s.loadPct}%`),
    series: [
      { name: 'p50', values: summaries.map((s) => s.p50) },
      { name: 'p90', values: summaries.map((s) => s.p90) },
      { name: 'p99', values: summaries.map((s) => s.p99) },
    ],
    target: { value: TARGET_P99_MS, label: `target: p99 < ${TARGET_P99_MS} ms at 50%` },
  });
  return {
    title: `Two senders: POST-to-receipt latency from ${r.senderCount} sender processes, Herald and the bare relay`,
    table: { columns: ['server', 'load', 'rate msg/s', 'achieved msg/s', 'samples', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', '201 p99 ms', 'server CPU %', 'CPU wait %', 'loop p99 ms', 'loop max ms', 'GC max ms', 'GC max kind', 'GC %', 'errors'], rows },
    notes,
    data: { ...r, order: ctx.opts.order, summaries },
    plot,
  };
}
