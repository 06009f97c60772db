/** Command-line options shared by every scenario; each scenario picks the ones it uses. */
import { parseArgs } from 'node:util';
import type { HeraldFrom } from './servers.js';

export interface BenchOptions {
  scenario: string;
  /** Tiny version: seconds, a few dozen clients, no speed expectations. */
  smoke: boolean;
  /** idle: connection counts; storage/endpoint: the number of user agents (first value). */
  n?: number[];
  /** storage: messages stored per user agent. */
  m?: number;
  /** Seconds measured per run. */
  duration?: number;
  /** Seconds of warm-up before measuring. */
  warmup?: number;
  repeats?: number;
  workers?: number;
  /** throughput/latency: connected user agents. */
  uas?: number;
  /** HTTP keep-alive sockets per worker (and requests in flight, in closed-loop runs). */
  sockets?: number;
  /** Storage DSN for Herald; default a fresh SQLite file per server start. */
  db?: string;
  herald: HeraldFrom;
  /** Directory for the JSON and SVG results. */
  out: string;
  /** throughput: add a profiled Herald run; storage: profile the last run's drain; storm: the last run (with workers: the busiest worker). */
  profile: boolean;
  /** latency, two-senders: skip the saturation probe and use this many messages/s as 100 %. */
  saturation?: number;
  /** two-senders: sender processes (each with its own VAPID key and keep-alive sockets). */
  senders?: number;
  /** two-senders: every sender walks the endpoints in the same order, or each in its own shuffle. */
  order: 'same' | 'shuffled';
  /** two-senders: the TTL header of every push. */
  ttl?: number;
  /** Whole-run time limit in seconds; everything is killed after it. */
  timeout: number;
}

export const USAGE = `usage: npm run bench -- <idle|throughput|latency|two-senders|storage|endpoint|storm> [options]
  --smoke               tiny run (seconds), for CI
  --n 10000,19000       idle: connections per step; storage/endpoint/storm: user agents
  --m 50                storage: messages per user agent
  --duration 10         seconds measured per run      --warmup 3   seconds before measuring
  --repeats 3           runs per measurement (medians are reported)
  --workers 2           load-generator processes      --uas 1000   connected user agents
  --sockets 32          HTTP sockets per worker (closed loop: requests in flight per worker)
  --db DSN|postgres|redis|redis-cluster  Herald's storage: a DSN, or a throw-away PostgreSQL/Redis server or Redis Cluster
                        (default: a fresh SQLite file per run)
  --herald dist|src     run Herald compiled (default; rebuilt when stale) or from src via tsx
  --saturation N        latency, two-senders: msgs/s taken as 100 % instead of measuring it
  --senders 2           two-senders: sender processes (--sockets each, a VAPID key each)
  --order same|shuffled two-senders: target order of the senders (default same)
  --ttl 60              two-senders: TTL of every push
  --profile             throughput: one extra Herald and bare relay run each under --cpu-prof, summarised;
                        storage: the last run's drain only (V8 profiler over IPC);
                        storm: the last run's Herald under --cpu-prof (workers: the busiest one)
  --out DIR             where results go (default bench/results)
  --timeout 900         give up (and kill everything) after this many seconds`;

const num = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, not ${JSON.stringify(v)}`);
  return n;
};

export function parseOptions(argv: string[], defaultOut: string): BenchOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      smoke: { type: 'boolean', default: false },
      n: { type: 'string' },
      m: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      repeats: { type: 'string' },
      workers: { type: 'string' },
      uas: { type: 'string' },
      sockets: { type: 'string' },
      db: { type: 'string' },
      herald: { type: 'string', default: 'dist' },
      out: { type: 'string' },
      profile: { type: 'boolean', default: false },
      saturation: { type: 'string' },
      senders: { type: 'string' },
      order: { type: 'string', default: 'same' },
      ttl: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length !== 1) throw new Error(USAGE);
  if (values.herald !== 'dist' && values.herald !== 'src') throw new Error('--herald must be dist or src');
  if (values.order !== 'same' && values.order !== 'shuffled') throw new Error('--order must be same or shuffled');
  const smoke = values.smoke ?? false;
  return {
    scenario: positionals[0]!,
    smoke,
    n: values.n?.split(',').map((s) => num(s.trim(), 'n')!),
    m: num(values.m, 'm'),
    duration: num(values.duration, 'duration'),
    warmup: num(values.warmup, 'warmup'),
    repeats: num(values.repeats, 'repeats'),
    workers: num(values.workers, 'workers'),
    uas: num(values.uas, 'uas'),
    sockets: num(values.sockets, 'sockets'),
    db: values.db,
    herald: values.herald,
    out: values.out ?? defaultOut,
    profile: values.profile ?? false,
    saturation: num(values.saturation, 'saturation'),
    senders: num(values.senders, 'senders'),
    order: values.order,
    ttl: num(values.ttl, 'ttl'),
    timeout: num(values.timeout, 'timeout') ?? (smoke ? 120 : 900),
  };
}
