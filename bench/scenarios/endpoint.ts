/**
 * Endpoint only: VAPID-signed POSTs to offline subscriptions, so every request takes the storage
 * path (token, VAPID, router record, channel check, insert). Closed loop; requests per second,
 * server CPU per request and response time. Runs reuse one server, so later runs see a larger
 * message table.
 */
import { BODY_BYTES, connectAll, measure, rate, vapidAuthorization, warmUp, type Scenario } from '../lib/scenario.js';
import { benchDatabase } from '../lib/databases.js';
import { startHerald } from '../lib/servers.js';
import { median, sleep, summariseLatency, type LatencySummary } from '../lib/stats.js';
import { barChart } from '../lib/svg.js';
import type { Cell } from '../lib/table.js';
import { Workers } from '../lib/workers.js';

interface EndpointRun {
  run: number;
  reqPerSec: number;
  serverCpuPct: number;
  cpuUsPerReq: number;
  genCpuPct: number;
  errors: number;
  statuses: Record<string, number>;
  response: LatencySummary;
}

export const endpoint: Scenario = async (ctx) => {
  const { smoke } = ctx.opts;
  const n = ctx.opts.n?.[0] ?? (smoke ? 50 : 1000);
  const repeats = ctx.opts.repeats ?? (smoke ? 1 : 3);
  const sockets = ctx.opts.sockets ?? (smoke ? 4 : 32);
  const warmup = ctx.opts.warmup ?? (smoke ? 0.3 : 2);
  const duration = ctx.opts.duration ?? (smoke ? 1 : 10);
  const database = await benchDatabase(ctx.opts.db, ctx.log);
  const workers = await Workers.start(ctx.opts.workers ?? 2);
  const runs: EndpointRun[] = [];
  try {
    const server = await startHerald(ctx.servers, { db: database.dsn });
    try {
      const c = await connectAll(ctx, workers, { url: server.wsUrl, mode: 'push', total: n, concurrency: smoke ? 8 : 50, label: 'register' });
      if (c.connected < n) throw new Error(`only ${c.connected} of ${n} registered: ${c.lastError}`);
      await workers.all('disconnect', () => ({}), 60_000);
      await sleep(smoke ? 200 : 1000);
      const authorization = vapidAuthorization(`http://127.0.0.1:${server.port}`);
      for (let run = 1; run <= repeats; run++) {
        await workers.all('send', (i) => ({ mode: 'closed', sources: workers.sources(i), sockets, ttl: 3600, bodyBytes: BODY_BYTES, authorization }));
        try {
          await warmUp(ctx, server, workers, warmup, `#${run}`);
          await workers.all('record', () => ({ responses: true }));
          const w = await measure(ctx, server, workers, duration, (w) => `#${run}: ${rate(w.delta.ok, w.seconds)} stored POST/s, server CPU ${Math.round((w.serverCpu / w.seconds) * 100)}%`);
          const samples = await workers.all<{ responses: number[] }>('samples', () => ({}), 60_000);
          runs.push({
            run,
            reqPerSec: w.delta.ok / w.seconds,
            serverCpuPct: (w.serverCpu / w.seconds) * 100,
            cpuUsPerReq: w.delta.ok > 0 ? (w.serverCpu / w.delta.ok) * 1e6 : NaN,
            genCpuPct: (w.genCpu / w.seconds) * 100,
            errors: w.delta.failed,
            statuses: w.delta.statuses,
            response: summariseLatency(samples.flatMap((s) => s.responses)),
          });
        } finally {
          await workers.all('stop-send', () => ({}), 30_000);
        }
      }
    } finally {
      await workers.all('disconnect', () => ({ forget: true }), 60_000);
      await server.stop();
    }
  } finally {
    await workers.stop();
    await database.stop();
  }
  const rows: Cell[][] = runs.map((r) => [`#${r.run}`, r.reqPerSec, r.serverCpuPct, r.cpuUsPerReq, r.genCpuPct, r.errors, r.response.p50, r.response.p99]);
  const m = (f: (r: EndpointRun) => number) => median(runs.map(f));
  const med = m((r) => r.reqPerSec);
  rows.push(['median', med, m((r) => r.serverCpuPct), m((r) => r.cpuUsPerReq), m((r) => r.genCpuPct), null, m((r) => r.response.p50), m((r) => r.response.p99)]);
  const notes = [
    `${n.toLocaleString('en-US')} offline subscriptions, ${workers.size} generators × ${sockets} keep-alive sockets (closed loop), ${BODY_BYTES}-byte bodies with VAPID, TTL 3600; ${warmup} s warm-up and ${duration} s measured per run, ${repeats} run(s) on one server (${database.backend}${database.dsn === undefined ? ', a fresh file' : ''}).`,
    'Every 201 here is a stored message (the user agents are offline). Response times are per request, in ms, under saturation.',
    'No target in the issue; compare with the throughput scenario (direct delivery) and the storage fill rate.',
  ];
  const plot = barChart({
    title: 'Endpoint: VAPID POSTs to offline subscriptions (stored)',
    subtitle: `closed loop, ${workers.size * sockets} in flight; median ${Math.round(med).toLocaleString('en-US')} requests/s`,
    yLabel: 'requests / s',
    categories: [...runs.map((r) => `run ${r.run}`), 'median'],
    series: [{ name: 'Herald, stored', values: [...runs.map((r) => r.reqPerSec), med] }],
  });
  return {
    title: 'Endpoint only: VAPID POSTs to offline subscriptions',
    table: { columns: ['run', 'req/s', 'server CPU %', 'CPU µs/req', 'gen CPU %', 'errors', 'p50 ms', 'p99 ms'], rows },
    notes,
    data: { n, sockets, warmup, duration, repeats, runs },
    plot,
  };
};
