/**
 * Where a server's latency tail comes from, measured in the server: the event loop's delay
 * (`monitorEventLoopDelay`, 1 ms resolution) and garbage collection pauses (`gc` performance
 * entries), over a window the orchestrator opens with `loop-start` and closes with `loop-stop`.
 */
import { PerformanceObserver, monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface LoopStats {
  /** Event-loop delay percentiles and maximum, ms. */
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
}

let histogram: IntervalHistogram | null = null;
let observer: PerformanceObserver | null = null;
let pauses: number[] = [];

export function loopStart(): null {
  loopStopQuietly();
  pauses = [];
  histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push(e.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  return null;
}

export function loopStop(): LoopStats {
  if (histogram === null) throw new Error('loop-stop without loop-start');
  const h = histogram;
  loopStopQuietly();
  const ms = (ns: number) => ns / 1e6;
  return {
    delayP50Ms: ms(h.percentile(50)),
    delayP99Ms: ms(h.percentile(99)),
    delayMaxMs: ms(h.max),
    gcCount: pauses.length,
    gcTotalMs: pauses.reduce((a, b) => a + b, 0),
    gcMaxMs: pauses.reduce((a, b) => Math.max(a, b), 0),
  };
}

function loopStopQuietly(): void {
  histogram?.disable();
  observer?.disconnect();
  histogram = null;
  observer = null;
}
