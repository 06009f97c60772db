/**
 * Throughput: connected user agents, senders POSTing 4 KB aes128gcm bodies with VAPID over
 * keep-alive sockets (closed loop: a fixed number of requests in flight), every notification
 * acked. Reported: delivered-and-acked messages/s, server CPU per message, and the same for the
 * bare relay (HTTP in, WebSocket out, nothing else) in the same run, runs interleaved.
 *
 * `--profile` adds one more Herald run and one more bare relay run under `--cpu-prof` (not counted
 * in the medians).
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { rootDir } from '../lib/build.js';
import { summariseProfile, type ProfileSummary } from '../lib/cpuprofile.js';
import { BODY_BYTES, connectAll, measure, rate, vapidAuthorization, warmUp, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { startBareRelay, startHerald, type ServerHandle } from '../lib/servers.js';
import { median, sleep, summariseLatency, type LatencySummary } from '../lib/stats.js';
import { barChart } from '../lib/svg.js';
import type { Cell, Table } from '../lib/table.js';
import { Workers } from '../lib/workers.js';

export type RelayTarget = 'herald' | 'bare-relay';

export interface ThroughputRun {
  target: RelayTarget;
  run: number;
  seconds: number;
  /** Notifications received and acked by the user agents, per second. */
  msgsPerSec: number;
  postsPerSec: number;
  serverCpuPct: number;
  cpuUsPerMsg: number;
  genCpuPct: number;
  errors: number;
  statuses: Record<string, number>;
  lost: number;
  /** POST-to-receipt latency at saturation. */
  latency: LatencySummary;
}

export interface LoadShape {
  uas: number;
  sockets: number;
  workers: number;
  warmup: number;
  duration: number;
}

export function loadShape(ctx: ScenarioContext): LoadShape {
  const { smoke } = ctx.opts;
  return {
    uas: ctx.opts.uas ?? (smoke ? 50 : 1000),
    sockets: ctx.opts.sockets ?? (smoke ? 4 : 32),
    workers: ctx.opts.workers ?? 2,
    warmup: ctx.opts.warmup ?? (smoke ? 0.3 : 3),
    duration: ctx.opts.duration ?? (smoke ? 1 : 10),
  };
}

/** Start the server, connect the user agents, and hand back both (the caller stops them). */
export async function startRelay(ctx: ScenarioContext, workers: Workers, target: RelayTarget, uas: number, cpuProfileDir?: string) {
  const server: ServerHandle = target === 'herald' ? await startHerald(ctx.servers, { db: ctx.opts.db, cpuProfileDir }) : await startBareRelay(cpuProfileDir);
  try {
    const c = await connectAll(ctx, workers, { url: server.wsUrl, mode: 'push', total: uas, concurrency: ctx.opts.smoke ? 8 : 50, label: `${target} connect` });
    if (c.connected < uas) throw new Error(`only ${c.connected} of ${uas} user agents connected (last error: ${c.lastError})`);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/** One closed-loop saturation run against a started server with connected user agents. */
export async function saturate(ctx: ScenarioContext, workers: Workers, server: ServerHandle, shape: LoadShape, label: string, run: number, target: RelayTarget): Promise<ThroughputRun> {
  const authorization = vapidAuthorization(`http://127.0.0.1:${server.port}`);
  await workers.all('send', (i) => ({ mode: 'closed', sources: workers.sources(i), sockets: shape.sockets, ttl: 60, bodyBytes: BODY_BYTES, authorization }));
  try {
    await warmUp(ctx, server, workers, shape.warmup, label);
    await workers.all('record', () => ({ receipts: true }));
    const w = await measure(
      ctx,
      server,
      workers,
      shape.duration,
      (w) => `${label}: ${rate(w.delta.received, w.seconds)} msg/s acked, ${rate(w.delta.ok, w.seconds)} POST/s, server CPU ${Math.round((w.serverCpu / w.seconds) * 100)}%, generators ${Math.round((w.genCpu / w.seconds) * 100)}%`,
    );
    const samples = await workers.all<{ receipts: number[] }>('samples', () => ({}), 60_000);
    const d = w.delta;
    return {
      target,
      run,
      seconds: w.seconds,
      msgsPerSec: d.received / w.seconds,
      postsPerSec: d.ok / w.seconds,
      serverCpuPct: (w.serverCpu / w.seconds) * 100,
      cpuUsPerMsg: d.received > 0 ? (w.serverCpu / d.received) * 1e6 : NaN,
      genCpuPct: (w.genCpu / w.seconds) * 100,
      errors: d.failed,
      statuses: d.statuses,
      lost: d.lost,
      latency: summariseLatency(samples.flatMap((s) => s.receipts)),
    };
  } finally {
    await workers.all('stop-send', () => ({}), 30_000);
  }
}

/** The baseline's self time, to set beside Herald's: what both pay is not Herald's to save. */
function relayProfileTable(p: ProfileSummary): { title: string; table: Table } {
  return {
    title: `CPU profile of the bare relay (${p.totalMs} ms sampled): top functions by self time`,
    table: { columns: ['function (file:line name)', 'ms', '%'], rows: p.self.slice(0, 15).map((e) => [e.name, e.ms, e.pct]) },
  };
}

async function oneRun(ctx: ScenarioContext, workers: Workers, shape: LoadShape, target: RelayTarget, run: number, cpuProfileDir?: string): Promise<ThroughputRun> {
  const server = await startRelay(ctx, workers, target, shape.uas, cpuProfileDir);
  try {
    return await saturate(ctx, workers, server, shape, `${target} #${run}`, run, target);
  } finally {
    await workers.all('disconnect', () => ({ forget: true }), 60_000);
    await server.stop();
  }
}

export function profileTables(p: ProfileSummary): Array<{ title: string; table: Table }> {
  const t = (rows: typeof p.self, what: string): Table => ({ columns: [what, 'ms', '%'], rows: rows.map((e) => [e.name, e.ms, e.pct]) });
  return [
    { title: `CPU profile of Herald (${p.totalMs} ms sampled): self time by area`, table: t(p.byArea.slice(0, 15), 'area') },
    { title: 'CPU profile: top functions by self time', table: t(p.self.slice(0, 25), 'function (file:line name)') },
    { title: "CPU profile: Herald's own functions by inclusive time", table: t(p.inclusive.slice(0, 25), 'function (file:line name)') },
  ];
}

export const throughput: Scenario = async (ctx) => {
  const shape = loadShape(ctx);
  const repeats = ctx.opts.repeats ?? (ctx.opts.smoke ? 1 : 3);
  const workers = await Workers.start(shape.workers);
  const runs: ThroughputRun[] = [];
  let profile: ProfileSummary | null = null;
  let profilePath: string | null = null;
  let relayProfile: ProfileSummary | null = null;
  let relayProfilePath: string | null = null;
  try {
    for (let r = 1; r <= repeats; r++) {
      // Interleaved, so drift (thermal, page cache) hits both alike.
      for (const target of ['herald', 'bare-relay'] as const) runs.push(await oneRun(ctx, workers, shape, target, r));
    }
    if (ctx.opts.profile) {
      // Kept beside the results (git-ignored): open them in Chrome DevTools or speedscope. The
      // relay's profile shows what any HTTP-in/WebSocket-out server pays (syscalls, HTTP parsing).
      const dir = ctx.opts.out;
      mkdirSync(dir, { recursive: true });
      for (const target of ['herald', 'bare-relay'] as const) {
        const before = new Set(readdirSync(dir));
        await oneRun(ctx, workers, shape, target, 0, dir);
        await sleep(500);
        const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && !before.has(f));
        if (!file) {
          ctx.log(`no .cpuprofile was written for ${target}`);
          continue;
        }
        if (target === 'herald') {
          profilePath = join(dir, file);
          profile = summariseProfile(profilePath, rootDir);
        } else {
          relayProfilePath = join(dir, file);
          relayProfile = summariseProfile(relayProfilePath, rootDir);
        }
      }
    }
  } finally {
    await workers.stop();
  }

  const med = (t: RelayTarget, f: (r: ThroughputRun) => number) => median(runs.filter((r) => r.target === t).map(f));
  const row = (r: ThroughputRun, name: string): Cell[] => [
    r.target === 'herald' ? 'Herald' : 'bare relay',
    name,
    r.msgsPerSec,
    r.postsPerSec,
    r.serverCpuPct,
    r.cpuUsPerMsg,
    r.genCpuPct,
    r.errors + r.lost,
    r.latency.p50,
    r.latency.p99,
  ];
  const rows: Cell[][] = runs.map((r) => row(r, `#${r.run}`));
  const medians: Record<RelayTarget, number> = { herald: med('herald', (r) => r.msgsPerSec), 'bare-relay': med('bare-relay', (r) => r.msgsPerSec) };
  for (const t of ['herald', 'bare-relay'] as const) {
    rows.push([t === 'herald' ? 'Herald' : 'bare relay', 'median', medians[t], med(t, (r) => r.postsPerSec), med(t, (r) => r.serverCpuPct), med(t, (r) => r.cpuUsPerMsg), med(t, (r) => r.genCpuPct), null, med(t, (r) => r.latency.p50), med(t, (r) => r.latency.p99)]);
  }
  const ratio = medians.herald / medians['bare-relay'];
  const notes = [
    `Load: ${shape.uas} user agents, ${shape.workers} generator processes × ${shape.sockets} keep-alive sockets (closed loop, ${shape.workers * shape.sockets} POSTs in flight), ${BODY_BYTES}-byte bodies, VAPID on every request, every notification acked; ${shape.warmup} s warm-up, ${shape.duration} s measured, ${repeats} runs per server.`,
    `Herald / bare relay (median msg/s): ${ratio.toFixed(2)} (target at least 0.5).`,
    `Target: at least 15,000 delivered msg/s. Median ${Math.round(medians.herald).toLocaleString('en-US')} msg/s = ${((medians.herald / 15000) * 100).toFixed(0)}% of it.`,
    'Server, generators and kernel share the machine: generator CPU is shown so a saturated generator is visible. Latency columns are POST-to-receipt at saturation (ms).',
  ];
  const extraTables = [
    ...(profile ? profileTables(profile) : []),
    ...(relayProfile ? [relayProfileTable(relayProfile)] : []),
  ];
  const plotCats = [...Array.from({ length: repeats }, (_, i) => `run ${i + 1}`), 'median'];
  const values = (t: RelayTarget) => [...runs.filter((r) => r.target === t).map((r) => r.msgsPerSec), medians[t]];
  const plot = barChart({
    title: 'Throughput: delivered and acked messages per second',
    subtitle: `4 KB bodies, VAPID, ${shape.uas} UAs, closed loop with ${shape.workers * shape.sockets} in flight; Herald/bare = ${ratio.toFixed(2)}`,
    yLabel: 'messages / s',
    categories: plotCats,
    series: [
      { name: 'Herald', values: values('herald') },
      { name: 'bare relay', values: values('bare-relay') },
    ],
    target: { value: 15000, label: 'target: 15,000 msg/s' },
  });
  return {
    title: 'Throughput: delivered-and-acked messages per second at saturation',
    table: { columns: ['server', 'run', 'msg/s', 'POST/s', 'server CPU %', 'CPU µs/msg', 'gen CPU %', 'errors', 'p50 ms', 'p99 ms'], rows },
    extraTables,
    notes,
    data: { shape, repeats, runs, medians, ratio, profile, profilePath, relayProfile, relayProfilePath },
    plot,
  };
};
