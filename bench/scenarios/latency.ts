/**
 * Latency: POST-to-receipt at fixed rates of 25, 50 and 75 % of the saturation measured at the
 * start of the same run (or given with --saturation). Open loop: each generator schedules its
 * k-th POST at t0 + k/rate whatever the server does, and latency counts from that scheduled
 * moment to the receipt of the notification, on the same process's clock.
 */
import { BODY_BYTES, measure, rate, vapidAuthorization, type Scenario } from '../lib/scenario.js';
import { median, sleep, summariseLatency, type LatencySummary } from '../lib/stats.js';
import { barChart } from '../lib/svg.js';
import type { Cell } from '../lib/table.js';
import { Workers } from '../lib/workers.js';
import { loadShape, saturate, startRelay } from './throughput.js';

const LOADS = [25, 50, 75];

interface LatencyRun {
  loadPct: number;
  run: number;
  rate: number;
  achieved: number;
  serverCpuPct: number;
  errors: number;
  dropped: number;
  latency: LatencySummary;
}

export const latency: Scenario = async (ctx) => {
  const { smoke } = ctx.opts;
  const shape = loadShape(ctx);
  const repeats = ctx.opts.repeats ?? (smoke ? 1 : 3);
  const openSockets = ctx.opts.sockets ?? (smoke ? 4 : 64);
  const warmup = ctx.opts.warmup ?? (smoke ? 0.2 : 2);
  const duration = ctx.opts.duration ?? (smoke ? 0.8 : 10);
  const workers = await Workers.start(shape.workers);
  const runs: LatencyRun[] = [];
  let saturation = ctx.opts.saturation ?? 0;
  let saturationMeasured = false;
  try {
    const server = await startRelay(ctx, workers, 'herald', shape.uas);
    try {
      if (!saturation) {
        const probe = await saturate(ctx, workers, server, { ...shape, duration: smoke ? 0.7 : 6, warmup: smoke ? 0.3 : 3 }, 'saturation probe', 0, 'herald');
        saturation = probe.msgsPerSec;
        saturationMeasured = true;
        ctx.log(`saturation: ${Math.round(saturation).toLocaleString('en-US')} msg/s`);
        await sleep(1000);
      }
      const authorization = vapidAuthorization(`http://127.0.0.1:${server.port}`);
      for (const loadPct of LOADS) {
        for (let run = 1; run <= repeats; run++) {
          const total = (saturation * loadPct) / 100;
          const label = `${loadPct}% #${run} (${Math.round(total).toLocaleString('en-US')} msg/s)`;
          await workers.all('send', (i) => ({
            mode: 'open',
            rate: total / workers.size,
            sources: workers.sources(i),
            sockets: openSockets,
            ttl: 60,
            bodyBytes: BODY_BYTES,
            authorization,
          }));
          try {
            await sleep(warmup * 1000);
            await workers.all('record', () => ({ receipts: true }));
            const w = await measure(ctx, server, workers, duration, (w) => `${label}: ${rate(w.delta.received, w.seconds)} msg/s received, server CPU ${Math.round((w.serverCpu / w.seconds) * 100)}%`);
            const samples = await workers.all<{ receipts: number[] }>('samples', () => ({}), 60_000);
            runs.push({
              loadPct,
              run,
              rate: total,
              achieved: w.delta.received / w.seconds,
              serverCpuPct: (w.serverCpu / w.seconds) * 100,
              errors: w.delta.failed + w.delta.lost,
              dropped: w.delta.dropped,
              latency: summariseLatency(samples.flatMap((s) => s.receipts)),
            });
          } finally {
            await workers.all('stop-send', () => ({}), 30_000);
          }
          await sleep(smoke ? 100 : 1000); // let the tail drain before the next rate
        }
      }
    } finally {
      await workers.all('disconnect', () => ({ forget: true }), 60_000);
      await server.stop();
    }
  } finally {
    await workers.stop();
  }

  const rows: Cell[][] = [];
  const byLoad = LOADS.map((loadPct) => {
    const rs = runs.filter((r) => r.loadPct === loadPct);
    const m = (f: (r: LatencyRun) => number) => median(rs.map(f));
    const summary = {
      loadPct,
      rate: rs[0]?.rate ?? NaN,
      achieved: m((r) => r.achieved),
      samples: rs.reduce((t, r) => t + r.latency.count, 0),
      p50: m((r) => r.latency.p50),
      p99: m((r) => r.latency.p99),
      p999: m((r) => r.latency.p999),
      max: Math.max(...rs.map((r) => r.latency.max)),
      serverCpuPct: m((r) => r.serverCpuPct),
      errors: rs.reduce((t, r) => t + r.errors + r.dropped, 0),
    };
    rows.push([`${loadPct}%`, summary.rate, summary.achieved, summary.samples, summary.p50, summary.p99, summary.p999, summary.max, summary.serverCpuPct, summary.errors]);
    return summary;
  });
  const at50 = byLoad.find((b) => b.loadPct === 50);
  const notes = [
    `Saturation (100%): ${Math.round(saturation).toLocaleString('en-US')} msg/s, ${saturationMeasured ? 'measured at the start of this run (closed loop, as in the throughput scenario)' : 'given with --saturation'}.`,
    `Open loop from ${shape.workers} generators × ${openSockets} keep-alive sockets, ${shape.uas} user agents, ${BODY_BYTES}-byte bodies with VAPID; ${warmup} s warm-up then ${duration} s recorded per run, ${repeats} run(s) per load; percentiles are medians over the runs, max is the maximum.`,
    'Latency is from the scheduled send time to the receipt of the notification by the user agent (includes up to ~1 ms of generator timer tick).',
    at50 ? `Target: p99 under 20 ms at 50% of saturation. Measured p99 ${at50.p99.toFixed(1)} ms (${at50.p99 < 20 ? 'met' : 'not met'}).` : '',
  ].filter(Boolean);
  const plot = barChart({
    title: 'Latency: POST to receipt at fixed rates',
    subtitle: `open loop; 100% = ${Math.round(saturation).toLocaleString('en-US')} msg/s`,
    yLabel: 'milliseconds',
    categories: byLoad.map((b) => `${b.loadPct}% (${Math.round(b.rate).toLocaleString('en-US')}/s)`),
    series: [
      { name: 'p50', values: byLoad.map((b) => b.p50) },
      { name: 'p99', values: byLoad.map((b) => b.p99) },
      { name: 'p99.9', values: byLoad.map((b) => b.p999) },
    ],
    target: { value: 20, label: 'target: p99 < 20 ms at 50%' },
  });
  return {
    title: 'Latency: POST-to-receipt at 25/50/75% of saturation',
    table: { columns: ['load', 'rate msg/s', 'achieved msg/s', 'samples', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'server CPU %', 'errors'], rows },
    notes,
    data: { saturation, saturationMeasured, shape, openSockets, warmup, duration, repeats, runs, byLoad },
    plot,
  };
};
