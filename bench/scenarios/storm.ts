/**
 * Reconnect storm: N user agents (hello + one register each) on `herald serve --workers K`, all
 * disconnected, then all reconnecting at once with their uaids, as after a load balancer restart.
 * Reported: hellos answered per second over the whole storm and over its last tenth ("to the last
 * one": a rate that falls as the store fills shows there), and the time the first registration
 * took. K is one worker per 16,000 user agents (a process holds at most ~19,900 sockets).
 * `--db` picks the backend: a DSN, or `postgres` / `redis` for a throw-away server; SQLite by default.
 * `--profile` runs the last run's Herald under `--cpu-prof` (registration and storm); with workers
 * every process writes a profile and the busiest worker's is summarised. Also reported: RSS per
 * held user agent, all Herald processes added up, after the storm less before registration; the
 * CPU per hello of Herald and of the generators during the storm, and how busy the whole machine
 * was (on a shared 2-core machine the rate is often the machine's, not Herald's).
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { rootDir } from '../lib/build.js';
import { watchForProfile, type ProfileSummary } from '../lib/cpuprofile.js';
import { benchDatabase } from '../lib/databases.js';
import { fdLimit, machineBusySeconds } from '../lib/proc.js';
import { type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { startHerald, startHeraldWorkers, type ServerHandle } from '../lib/servers.js';
import { median, sleep } from '../lib/stats.js';
import { lineChart } from '../lib/svg.js';
import type { Cell } from '../lib/table.js';
import { Workers } from '../lib/workers.js';
import { profileTables } from './throughput.js';

const PER_WORKER = 16_000;
const PER_GENERATOR = 16_000;

interface StormRun {
  run: number;
  n: number;
  processes: number;
  registerSeconds: number;
  stormSeconds: number;
  reconnected: number;
  failed: number;
  hellosPerSec: number;
  /** Hellos per second over the last tenth of the user agents. */
  lastTenthPerSec: number;
  /** Server RSS (all processes) before registration and with everyone held after the storm, KiB. */
  baseRssKib: number;
  heldRssKib: number;
  /** (held - base) / reconnected, KiB: memory per idle user agent after a storm. */
  rssPerUaKib: number;
  /** CPU (user + system) per hello during the storm: all Herald processes, all generators. */
  heraldCpuUsPerHello: number;
  generatorCpuUsPerHello: number;
  /** The machine's busy share during the storm, all cores and processes (others' work included), %. */
  machineBusyPct: number;
  timeline: Array<[number, number]>;
}

/** Connect (or reconnect) everyone; sample the connected count every 250 ms. */
async function connectTimed(ctx: ScenarioContext, workers: Workers, url: string, n: number, reconnect: boolean, label: string) {
  const t0 = Date.now();
  const done = workers.all<{ connected: number; failed: number; lastError: string }>(
    'connect',
    (i) => ({ url, mode: 'push', count: reconnect ? 0 : workers.share(n, i), reconnect, sources: workers.sources(i), concurrency: ctx.opts.smoke ? 8 : 200, timeoutMs: 60_000 }),
    1_200_000,
  );
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => {});
  const samples: Array<[number, number]> = [[0, 0]];
  let lastLog = 0;
  while (!finished) {
    await Promise.race([done.catch(() => {}), sleep(250)]);
    const c = await workers.counters();
    const t = (Date.now() - t0) / 1000;
    samples.push([t, c.connected]);
    if (t - lastLog >= 2) {
      lastLog = t;
      ctx.log(`${label}: ${c.connected.toLocaleString('en-US')} / ${n.toLocaleString('en-US')} connected${c.connectFailed ? `, ${c.connectFailed} failed` : ''}`);
    }
  }
  const each = await done;
  const seconds = (Date.now() - t0) / 1000;
  samples.push([seconds, each.reduce((s, e) => s + e.connected, 0)]);
  return { seconds, samples, connected: each.reduce((s, e) => s + e.connected, 0), failed: each.reduce((s, e) => s + e.failed, 0), lastError: each.map((e) => e.lastError).find((e) => e) ?? '' };
}

/** Seconds at which the connected count first reached `count` (linear between samples). */
function timeToReach(samples: Array<[number, number]>, count: number): number {
  for (let i = 1; i < samples.length; i++) {
    const [t1, c1] = samples[i]!;
    const [t0, c0] = samples[i - 1]!;
    if (c1 >= count) return c1 === c0 ? t1 : t0 + ((count - c0) / (c1 - c0)) * (t1 - t0);
  }
  return samples.at(-1)![0];
}

export const storm: Scenario = async (ctx) => {
  const { smoke } = ctx.opts;
  const n = ctx.opts.n?.[0] ?? (smoke ? 60 : 100_000);
  const repeats = ctx.opts.repeats ?? 1;
  const maxOneProcess = fdLimit().soft - 100;
  const processes = n <= maxOneProcess ? 1 : Math.ceil(n / PER_WORKER);
  const workers = await Workers.start(ctx.opts.workers ?? Math.max(2, Math.ceil(n / PER_GENERATOR)));
  const database = await benchDatabase(ctx.opts.db, ctx.log);
  const runs: StormRun[] = [];
  const profiling = ctx.opts.profile === true;
  const profileDir = ctx.opts.out;
  // With workers every process writes a profile; the busiest worker's is summarised.
  const profileOut = processes > 1 ? join(profileDir, `storm-profiles-${Date.now()}`) : profileDir;
  const watch = profiling ? watchForProfile(profileOut, rootDir) : null;
  let profile: ProfileSummary | null = null;
  let profilePath: string | null = null;
  try {
    for (let run = 1; run <= repeats; run++) {
      const cpuProfileDir = profiling && run === repeats ? profileOut : undefined;
      const server: ServerHandle = processes > 1 ? await startHeraldWorkers(ctx.servers, processes, { db: database.dsn, cpuProfileDir }) : await startHerald(ctx.servers, { db: database.dsn, cpuProfileDir });
      try {
        await sleep(smoke ? 200 : 1000);
        const base = await server.memory(false);
        const reg = await connectTimed(ctx, workers, server.wsUrl, n, false, `#${run} register`);
        // A busy machine may time out a few handshakes (30 s): go on with the rest, unless many failed.
        if (reg.connected < n * 0.99) throw new Error(`only ${reg.connected} of ${n} registered: ${reg.lastError}`);
        if (reg.connected < n) ctx.log(`#${run} register: ${n - reg.connected} failed (${reg.lastError}); the storm reconnects the ${reg.connected} registered`);
        const m = reg.connected;
        await workers.all('disconnect', () => ({}), 120_000);
        await sleep(smoke ? 300 : 3000); // the server records the disconnects
        const cpu0 = { herald: server.cpu(), generators: workers.cpu(), machine: machineBusySeconds() };
        const storm = await connectTimed(ctx, workers, server.wsUrl, m, true, `#${run} storm`);
        const cpu1 = { herald: server.cpu(), generators: workers.cpu(), machine: machineBusySeconds() };
        if (storm.failed > 0) {
          ctx.log(`#${run} storm: ${storm.failed} hellos failed (last: ${storm.lastError})`);
          // What Herald said about them (it logs warnings and errors only in the bench).
          const said = server.output().trim().split('\n').slice(-20).join('\n');
          if (said) ctx.log(`#${run} Herald's last output lines:\n${said}`);
        }
        await sleep(smoke ? 300 : 3000); // settle: every session idle
        const held = await server.memory(false);
        const ninety = timeToReach(storm.samples, Math.floor(m * 0.9));
        const rates: Array<[number, number]> = [];
        for (let i = 1; i < storm.samples.length; i++) {
          const [t1, c1] = storm.samples[i]!;
          const [t0, c0] = storm.samples[i - 1]!;
          if (t1 > t0) rates.push([t1, (c1 - c0) / (t1 - t0)]);
        }
        runs.push({
          run,
          n,
          processes,
          registerSeconds: reg.seconds,
          stormSeconds: storm.seconds,
          reconnected: storm.connected,
          failed: storm.failed,
          hellosPerSec: storm.connected / storm.seconds,
          lastTenthPerSec: (storm.connected - Math.floor(m * 0.9)) / Math.max(0.001, storm.seconds - ninety),
          baseRssKib: base.rssKb,
          heldRssKib: held.rssKb,
          rssPerUaKib: (held.rssKb - base.rssKb) / Math.max(1, storm.connected),
          heraldCpuUsPerHello: ((cpu1.herald - cpu0.herald) * 1e6) / Math.max(1, storm.connected),
          generatorCpuUsPerHello: ((cpu1.generators - cpu0.generators) * 1e6) / Math.max(1, storm.connected),
          machineBusyPct: (100 * (cpu1.machine - cpu0.machine)) / (storm.seconds * cpus().length),
          timeline: rates,
        });
        ctx.log(`#${run}: ${storm.connected.toLocaleString('en-US')} hellos in ${storm.seconds.toFixed(1)} s`);
      } finally {
        await workers.all('disconnect', () => ({ forget: true }), 120_000);
        await server.stop();
      }
    }
    const found = await watch?.collect(ctx.log);
    if (found) ({ profile, path: profilePath } = found);
  } finally {
    await workers.stop();
    await database.stop();
  }

  const rows: Cell[][] = runs.map((r) => [`#${r.run}`, r.n, r.processes, r.registerSeconds, r.stormSeconds, r.reconnected, r.failed, r.hellosPerSec, r.lastTenthPerSec, r.rssPerUaKib, r.heraldCpuUsPerHello, r.generatorCpuUsPerHello, r.machineBusyPct]);
  const med = (f: (r: StormRun) => number) => median(runs.map(f));
  rows.push(['median', n, processes, med((r) => r.registerSeconds), med((r) => r.stormSeconds), null, null, med((r) => r.hellosPerSec), med((r) => r.lastTenthPerSec), med((r) => r.rssPerUaKib), med((r) => r.heraldCpuUsPerHello), med((r) => r.generatorCpuUsPerHello), med((r) => r.machineBusyPct)]);
  const target = database.backend === 'SQLite' ? 1000 : 2000;
  return {
    title: 'Reconnect storm: hellos answered per second when every user agent reconnects at once',
    table: { columns: ['run', 'UAs', 'Herald processes', 'register s', 'storm s', 'reconnected', 'failed', 'hellos/s', 'last 10% hellos/s', 'RSS KiB/UA', 'Herald CPU µs/hello', 'generators CPU µs/hello', 'machine busy %'], rows },
    extraTables: profile ? profileTables(profile) : [],
    notes: [
      `Backend: ${database.backend}. ${n.toLocaleString('en-US')} user agents with one channel each on ${processes} Herald process(es), ${workers.size} generator processes; each reconnects with its uaid (hello, stored-message check, no messages waiting); ${repeats} run(s).`,
      'CPU µs/hello: user + system CPU during the storm over the hellos answered, of every Herald process (primary and workers) and of every generator; machine busy %: all cores during the storm, whatever ran (the database server and other work on the machine included). Where it nears 100 % the rate is the machine\'s, not Herald\'s.',
      'RSS KiB/UA: the RSS of every Herald process added up, with everyone held idle 3 s after the storm, less the RSS before registration, over the user agents held (target: at most 8 KiB).',
      `Target: at least ${target.toLocaleString('en-US')} hellos/s to the last one on ${database.backend}. Last tenth: median ${Math.round(med((r) => r.lastTenthPerSec)).toLocaleString('en-US')}/s.`,
    ],
    data: { backend: database.backend, n, processes, repeats, runs, profile, profilePath },
    plot: lineChart({
      title: `Reconnect storm (${database.backend}): hellos answered per second`,
      subtitle: `${n.toLocaleString('en-US')} UAs on ${processes} process(es)`,
      xLabel: 'seconds since the storm began',
      yLabel: 'hellos / s',
      series: runs.map((r) => ({ name: `run ${r.run}`, points: r.timeline })),
      target: { value: target, label: `target: ${target.toLocaleString('en-US')}/s` },
    }),
  };
};
