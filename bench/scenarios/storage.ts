/**
 * Storage: N user agents register and go offline, M messages are stored for each (VAPID POSTs),
 * then all of them reconnect at once and drain their messages (Herald sends stored messages in
 * batches of 10, the next batch after every message of the last is acked). Reported: stored
 * messages drained (delivered and acked) per second, from the first reconnect to the last
 * receipt. `--db` picks the backend: a DSN, or `postgres` / `redis` for a throw-away server; a
 * fresh SQLite file per run by default. `--profile` profiles the last run's drain (from the first
 * reconnect to the last receipt, not the fill: V8's profiler over the bench IPC) and summarises it.
 */
import { BODY_BYTES, connectAll, vapidAuthorization, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { benchDatabase } from '../lib/databases.js';
import { startHerald } from '../lib/servers.js';
import { median, sleep } from '../lib/stats.js';
import { lineChart } from '../lib/svg.js';
import type { Cell } from '../lib/table.js';
import { Workers } from '../lib/workers.js';
import { summariseProfile, type ProfileSummary } from '../lib/cpuprofile.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { profileTables } from './throughput.js';
import { rootDir } from '../lib/build.js';


interface StorageRun {
  run: number;
  uas: number;
  stored: number;
  fillSeconds: number;
  fillPerSec: number;
  fillErrors: number;
  connectSeconds: number;
  drained: number;
  drainSeconds: number;
  drainedPerSec: number;
  /** Herald's CPU time (user + system) from the first reconnect to the last receipt, per message drained. */
  cpuUsPerMsg: number;
  lost: number;
  timeline: Array<[number, number]>;
}

async function waitFor(ctx: ScenarioContext, workers: Workers, done: (c: Awaited<ReturnType<Workers['counters']>>) => boolean, timeoutMs: number, every: number, tick: (c: Awaited<ReturnType<Workers['counters']>>) => void) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await workers.counters();
    tick(c);
    if (done(c)) return c;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s`);
    await sleep(every);
  }
}

export const storage: Scenario = async (ctx) => {
  const { smoke } = ctx.opts;
  const n = ctx.opts.n?.[0] ?? (smoke ? 50 : 1000);
  const m = ctx.opts.m ?? (smoke ? 5 : 20);
  const repeats = ctx.opts.repeats ?? (smoke ? 1 : 3);
  const sockets = ctx.opts.sockets ?? (smoke ? 4 : 32);
  const database = await benchDatabase(ctx.opts.db, ctx.log);
  const workers = await Workers.start(ctx.opts.workers ?? 2);
  // msg-limit is off by default (docs/operations.md), so M stored messages per UA never reset it.
  const settings: Record<string, number> = {};
  const runs: StorageRun[] = [];
  let profile: ProfileSummary | null = null;
  let profilePath: string | null = null;
  const profileDir = ctx.opts.out;
  try {
    for (let run = 1; run <= repeats; run++) {
      const profiling = ctx.opts.profile && run === repeats;
      const server = await startHerald(ctx.servers, { db: database.dsn, settings });
      try {
        const c = await connectAll(ctx, workers, { url: server.wsUrl, mode: 'push', total: n, concurrency: smoke ? 8 : 50, label: `#${run} register` });
        if (c.connected < n) throw new Error(`only ${c.connected} of ${n} registered: ${c.lastError}`);
        await workers.all('disconnect', () => ({}), 60_000);
        await sleep(smoke ? 200 : 1000); // let the server record the disconnects

        // Fill: exactly m messages for every (offline) subscription.
        const total = n * m;
        const authorization = vapidAuthorization(`http://127.0.0.1:${server.port}`);
        const f0 = await workers.counters();
        const tFill = performance.now();
        await workers.all('send', (i) => ({ mode: 'closed', perTarget: m, sources: workers.sources(i), sockets, ttl: 3600, bodyBytes: BODY_BYTES, authorization }));
        let lastLog = 0;
        const f1 = await waitFor(ctx, workers, (c) => c.ok + c.failed - f0.ok - f0.failed >= total, 600_000, 250, (c) => {
          if (performance.now() - lastLog < 1000) return;
          lastLog = performance.now();
          ctx.log(`#${run} fill: ${(c.ok - f0.ok).toLocaleString('en-US')} / ${total.toLocaleString('en-US')} stored`);
        });
        const fillSeconds = (performance.now() - tFill) / 1000;
        await workers.all('stop-send', () => ({}), 30_000);
        const stored = f1.ok - f0.ok;

        // Reconnect storm: everyone at once, acking every notification.
        if (profiling) await server.call!('profile-start');
        const d0 = await workers.counters();
        const cpu0 = server.cpu();
        const tStorm = Date.now();
        const timeline: Array<[number, number]> = [[0, 0]];
        let prev = { t: 0, got: 0 };
        // On a busy machine a few handshakes may pass the generator's 30 s timeout: those user
        // agents reconnect again (up to twice), or their messages would never drain.
        const reconnect = (label: string) => connectAll(ctx, workers, { url: server.wsUrl, mode: 'push', reconnect: true, concurrency: smoke ? 8 : 100, label });
        const connecting = (async () => {
          let c = await reconnect(`#${run} reconnect storm`);
          for (let retry = 1; retry <= 2 && c.failed > 0; retry++) {
            ctx.log(`#${run} reconnect storm: ${c.failed} handshakes failed (${c.lastError}); reconnecting them`);
            c = await reconnect(`#${run} reconnect retry ${retry}`);
          }
          return c;
        })();
        const d1 = await waitFor(ctx, workers, (c) => c.received - d0.received >= stored, smoke ? 60_000 : 300_000, 250, (c) => {
          const t = (Date.now() - tStorm) / 1000;
          const got = c.received - d0.received;
          if (t - prev.t >= 0.5) {
            timeline.push([t, (got - prev.got) / (t - prev.t)]);
            if (Math.floor(t) !== Math.floor(prev.t)) ctx.log(`#${run} drain: ${got.toLocaleString('en-US')} / ${stored.toLocaleString('en-US')} delivered and acked`);
            prev = { t, got };
          }
        });
        const cpu1 = server.cpu();
        const storm = await connecting;
        if (profiling) {
          mkdirSync(profileDir, { recursive: true });
          profilePath = join(profileDir, `storage-drain-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
          await server.call!('profile-stop', { path: profilePath }, 60_000);
          profile = summariseProfile(profilePath, rootDir);
        }
        const drained = d1.received - d0.received;
        const drainSeconds = (d1.lastReceiptAt - tStorm) / 1000;
        runs.push({
          run,
          uas: n,
          stored,
          fillSeconds,
          fillPerSec: stored / fillSeconds,
          fillErrors: f1.failed - f0.failed,
          connectSeconds: storm.seconds,
          drained,
          drainSeconds,
          drainedPerSec: drained / drainSeconds,
          cpuUsPerMsg: ((cpu1 - cpu0) * 1e6) / Math.max(1, drained),
          lost: d1.lost - d0.lost,
          timeline,
        });
        ctx.log(`#${run}: ${drained.toLocaleString('en-US')} drained in ${drainSeconds.toFixed(2)} s = ${Math.round(drained / drainSeconds).toLocaleString('en-US')} msg/s`);
      } finally {
        await workers.all('disconnect', () => ({ forget: true }), 60_000);
        await server.stop();
      }
    }
  } finally {
    await workers.stop();
    await database.stop();
  }

  const rows: Cell[][] = runs.map((r) => [`#${r.run}`, r.uas, r.stored, r.fillPerSec, r.fillErrors, r.connectSeconds, r.drainSeconds, r.drainedPerSec, r.cpuUsPerMsg, r.lost]);
  const med = median(runs.map((r) => r.drainedPerSec));
  rows.push(['median', n, median(runs.map((r) => r.stored)), median(runs.map((r) => r.fillPerSec)), null, median(runs.map((r) => r.connectSeconds)), median(runs.map((r) => r.drainSeconds)), med, median(runs.map((r) => r.cpuUsPerMsg)), null]);
  const backend = database.dsn === undefined ? 'SQLite (a fresh file per run)' : ctx.opts.db === database.dsn ? database.dsn : `${database.backend} (a throw-away server, one database for all runs)`;
  const notes = [
    `Backend: ${backend}. ${n.toLocaleString('en-US')} user agents × ${m} messages of ${BODY_BYTES} bytes (TTL 3600), stored through VAPID POSTs while offline, then all reconnect at once (${workers.size} generator processes); ${repeats} run(s).`,
    'Drain time runs from the first reconnect to the last notification received; every notification is acked individually, as Firefox does.',
    "Herald CPU µs/msg: Herald's CPU time (user + system, /proc) over the drain, per message drained; it depends less on what else the machine runs than msg/s does.",
    `Target: at least 20,000 stored messages drained per second on SQLite. Median ${Math.round(med).toLocaleString('en-US')} msg/s = ${((med / 20000) * 100).toFixed(0)}% of it.`,
    ctx.opts.db !== undefined && ctx.opts.db === database.dsn ? 'With an explicit --db DSN the database is reused across runs; start from an empty one.' : '',
  ].filter(Boolean);
  const plot = lineChart({
    title: `Storage (${database.backend}): drain rate during a reconnect storm`,
    subtitle: `${n.toLocaleString('en-US')} UAs × ${m} stored messages; median ${Math.round(med).toLocaleString('en-US')} msg/s`,
    xLabel: 'seconds since the storm began',
    yLabel: 'messages drained / s',
    series: runs.map((r) => ({ name: `run ${r.run}`, points: r.timeline })),
    target: { value: 20000, label: 'target: 20,000 msg/s' },
  });
  return {
    title: 'Storage: stored messages drained per second in a reconnect storm',
    table: { columns: ['run', 'UAs', 'stored', 'fill POST/s', 'fill errors', 'reconnect s', 'drain s', 'drained msg/s', 'Herald CPU µs/msg', 'lost'], rows },
    extraTables: profile ? profileTables(profile) : [],
    notes,
    data: { backend, n, m, repeats, runs, profile, profilePath },
    plot,
  };
};
