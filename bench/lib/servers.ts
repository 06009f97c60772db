/**
 * The servers under test, behind one handle: Herald (compiled dist/ by default), the bare `ws`
 * floor, the bare relay, and mosquitto. Memory comes from /proc (RSS) and, for the Node ones,
 * from `process.memoryUsage()` after a forced GC, asked over IPC.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kebab } from '../../src/config/load-settings.js';
import { buildChildren, buildDir, rootDir } from './build.js';
import { Child } from './children.js';
import { childPids, cpuSeconds, rssKb, runQueueWaitSeconds } from './proc.js';

export interface MemoryReading {
  rssKb: number;
  /** V8 heap in use after GC (Node servers only). */
  heapUsedKb?: number;
  externalKb?: number;
}

export interface ServerHandle {
  name: string;
  pid: number;
  port: number;
  /** `ws://127.0.0.1:PORT/` */
  wsUrl: string;
  memory(gc: boolean): Promise<MemoryReading>;
  /** CPU seconds (user + system) used so far. */
  cpu(): number;
  /** Seconds its main thread has waited for a CPU so far (0 where unknown). */
  cpuWait(): number;
  stop(): Promise<void>;
  output(): string;
  /** A request over the bench IPC (one-process Herald only: `profile-start`, `profile-stop`). */
  call?<T = unknown>(op: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
}

export type HeraldFrom = 'dist' | 'src';

export interface ServerContext {
  heraldFrom: HeraldFrom;
  /** Temporary directory of this run. */
  tmp: string;
}

const NODE_FLAGS = ['--expose-gc'];

function nodeHandle(name: string, child: Child, port: number): ServerHandle {
  return {
    name,
    pid: child.pid,
    port,
    wsUrl: `ws://127.0.0.1:${port}/`,
    async memory(gc) {
      const m = await child.call<Record<string, number>>('stats', { gc }, 30_000);
      return { rssKb: rssKb(child.pid), heapUsedKb: (m.heapUsed ?? 0) / 1024, externalKb: (m.external ?? 0) / 1024 };
    },
    cpu: () => cpuSeconds(child.pid),
    cpuWait: () => runQueueWaitSeconds(child.pid),
    stop: () => child.stop(),
    output: () => child.output(),
    call: (op, args, timeoutMs) => child.call(op, args, timeoutMs),
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const f of readdirSync(dir, { recursive: true })) {
    const p = join(dir, String(f));
    const s = statSync(p);
    if (s.isFile() && s.mtimeMs > newest) newest = s.mtimeMs;
  }
  return newest;
}

/** Make sure dist/ is compiled from the current src/ (runs `npm run build` when it is stale). */
export function ensureDist(log: (line: string) => void): void {
  const dist = join(rootDir, 'dist');
  const stale = !existsSync(join(dist, 'cli/serve.js')) || newestMtime(join(rootDir, 'src')) > newestMtime(dist);
  if (!stale) return;
  log('dist/ is missing or older than src/: npm run build');
  const r = spawnSync('npm', ['run', 'build'], { cwd: rootDir, stdio: 'inherit', timeout: 300_000 });
  if (r.status !== 0 && !existsSync(join(dist, 'cli/serve.js'))) throw new Error('npm run build failed and there is no dist/');
}

export interface HeraldOptions {
  /** Storage DSN; default a fresh SQLite file in the run's temp directory. */
  db?: string;
  /** Extra settings (keys as in Settings), e.g. { msgLimit: 200 }. */
  settings?: Record<string, string | number>;
  /** Write a V8 CPU profile into this directory when the server exits. */
  cpuProfileDir?: string;
}

/**
 * The bench measures the push path, not the abuse controls: every rate limit and the penalty box
 * are off (one generator IP sends thousands of pushes a second to a few subscriptions). The
 * retention maximums keep their defaults. A scenario's own `settings` still win.
 */
const BENCH_SETTINGS: Record<string, string | number> = {
  limitPushPerSubscription: '0',
  limitPushPerVapidKey: '0',
  limitPushPerIp: '0',
  limitConnectPerIp: '0',
  limitRegisterPerUaid: '0',
  penaltyThreshold: 0,
  // Generators open thousands of sockets from a few loopback addresses at once.
  maxHttpConnectionsPerIp: 0,
};

export async function startHerald(ctx: ServerContext, opts: HeraldOptions = {}): Promise<ServerHandle> {
  buildChildren();
  const dir = mkdtempSync(join(ctx.tmp, 'herald-'));
  const base = join(rootDir, ctx.heraldFrom);
  // BENCH_HERALD_NODE_FLAGS: extra V8/Node flags for Herald only, for experiments (e.g. `--max-semi-space-size=64`).
  const flags = [...NODE_FLAGS, ...(process.env.BENCH_HERALD_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)];
  if (ctx.heraldFrom === 'src') flags.push('--import', 'tsx');
  if (opts.cpuProfileDir) flags.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`);
  const child = new Child('herald', process.execPath, [...flags, join(buildDir, 'servers/herald.js')], {
    cwd: rootDir,
    env: {
      ...process.env,
      HERALD_BENCH_BASE: base,
      HERALD_BENCH_DB: opts.db ?? `sqlite:${join(dir, 'herald.db')}`,
      HERALD_BENCH_KEYS: join(dir, 'herald-keys.json'),
      HERALD_BENCH_SETTINGS: JSON.stringify({ ...BENCH_SETTINGS, ...opts.settings }),
    },
  });
  const { port } = await child.ready<{ port: number }>(60_000);
  return nodeHandle('herald', child, port);
}

/**
 * `herald serve --workers K` from dist/, as an operator runs it: K worker processes share the
 * port (node:cluster), each holding up to its open-file limit of sockets. Memory is the RSS of
 * the primary and every worker added up; V8 heap is not read (no IPC into the workers).
 */
export async function startHeraldWorkers(ctx: ServerContext, workers: number, opts: { db?: string; cpuProfileDir?: string } = {}): Promise<ServerHandle> {
  const dir = mkdtempSync(join(ctx.tmp, 'herald-workers-'));
  const port = await freePort();
  const flags = Object.entries(BENCH_SETTINGS).flatMap(([k, v]) => [`--${kebab(k)}`, String(v)]);
  const args = [
    join(rootDir, 'dist/cli/main.js'), 'serve',
    '--host', '127.0.0.1', '--port', String(port), '--endpoint-url', `http://127.0.0.1:${port}`,
    '--db', opts.db ?? `sqlite:${join(dir, 'herald.db')}`, '--log-level', 'warn', '--workers', String(workers),
    '--router-port', '0', '--router-host', '127.0.0.1', '--router-hostname', '127.0.0.1',
    ...flags,
  ];
  // Workers inherit the primary's node flags (node:cluster's default execArgv), so every process
  // writes its own profile as it exits.
  const profileFlags = opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`] : [];
  const child = new Child('herald-workers', process.execPath, [...profileFlags, ...args], { cwd: rootDir, ipc: false });
  const deadline = Date.now() + 60_000;
  // The primary prints its start-up lines once every worker serves.
  while (!child.output().includes('WebSocket')) {
    if (!child.running) throw new Error(`herald serve --workers ${workers} exited:\n${child.output()}`);
    if (Date.now() > deadline) throw new Error(`herald serve --workers ${workers} did not start in 60 s:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const all = () => [child.pid, ...childPids(child.pid)];
  return {
    name: `herald ×${workers}`,
    pid: child.pid,
    port,
    wsUrl: `ws://127.0.0.1:${port}/`,
    memory: async () => ({ rssKb: all().reduce((sum, pid) => sum + rssKb(pid), 0) }),
    cpu: () => all().reduce((sum, pid) => sum + cpuSeconds(pid), 0),
    cpuWait: () => 0,
    stop: () => child.stop(30_000),
    output: () => child.output(),
  };
}

async function startNodeChild(name: string, script: string, cpuProfileDir?: string): Promise<ServerHandle> {
  buildChildren();
  const profile = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
  const child = new Child(name, process.execPath, [...NODE_FLAGS, ...profile, join(buildDir, script)], { cwd: rootDir });
  const { port } = await child.ready<{ port: number }>(30_000);
  return nodeHandle(name, child, port);
}

export const startBareWs = () => startNodeChild('bare-ws', 'servers/bare-ws.js');
/** The throughput baseline; `cpuProfileDir`: run it under `--cpu-prof`, as Herald can be. */
export const startBareRelay = (cpuProfileDir?: string) => startNodeChild('bare-relay', 'bare-relay.js', cpuProfileDir);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export function mosquittoPath(): string | null {
  for (const p of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto']) if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Wait until something accepts TCP connections on the port. */
async function waitListening(port: number, timeoutMs: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * mosquitto with a websockets listener on loopback, or null when it is not installed.
 * NOTE: mosquitto 2.0.11 (Debian 12) exits with "Unable to start any listening sockets" when the
 * websockets listener is its only one, so a plain MQTT listener is declared beside it (unused).
 */
export async function startMosquitto(ctx: ServerContext): Promise<ServerHandle | null> {
  const bin = mosquittoPath();
  if (bin === null) return null;
  const [port, mqttPort] = [await freePort(), await freePort()];
  const conf = join(mkdtempSync(join(ctx.tmp, 'mosquitto-')), 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'protocol websockets',
      'socket_domain ipv4',
      `listener ${mqttPort} 127.0.0.1`,
      'protocol mqtt',
      'allow_anonymous true',
      'persistence false',
      'log_dest stdout',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const child = new Child('mosquitto', bin, ['-c', conf], { ipc: false });
  await waitListening(port, 10_000);
  return {
    name: 'mosquitto',
    pid: child.pid,
    port,
    wsUrl: `ws://127.0.0.1:${port}/`,
    memory: async () => ({ rssKb: rssKb(child.pid) }),
    cpu: () => cpuSeconds(child.pid),
    cpuWait: () => runQueueWaitSeconds(child.pid),
    stop: () => child.stop(5000),
    output: () => child.output(),
  };
}

export function newRunTmp(): string {
  return mkdtempSync(join(tmpdir(), 'herald-bench-'));
}
