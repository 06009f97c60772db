/**
 * Start Herald as a real child process (from source, through tsx) on a free loopback port, the
 * way a user runs it, and stop it with a real signal. Any role: `serve` (default), `connect` or
 * `endpoint`; nodes with a router port get a free one on 127.0.0.1, reported as `routerPort`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../../', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export type HeraldRole = 'serve' | 'connect' | 'endpoint';

export interface HeraldProcess {
  role: HeraldRole;
  port: number;
  /** `ws://127.0.0.1:PORT/` */
  wsUrl: string;
  /** `http://127.0.0.1:PORT`: this process's public port. */
  publicUrl: string;
  /** The endpoint URL it was given: its own public URL unless `opts.endpointUrl` said otherwise. */
  endpointUrl: string;
  /** The router port bound by the current run (serve, connect); null for `endpoint`. */
  readonly routerPort: number | null;
  /** The node id (router URL) printed by the current run; null for `endpoint`. */
  readonly nodeId: string | null;
  dataDir: string;
  /** Everything the process printed so far. */
  output(): string;
  /** Send a signal and wait for the exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** The process id of the current run (with --workers, the primary's). */
  readonly pid: number | undefined;
  /** Send a signal without waiting (SIGSTOP/SIGCONT freeze and thaw the node). */
  signal(signal: NodeJS.Signals): void;
  /** Start again on the same port, database and keys. */
  restart(): Promise<void>;
  /** Stop if running and remove the data directory. */
  dispose(): Promise<void>;
}

export interface StartOptions {
  /** Which command to run; default `serve`. */
  role?: HeraldRole;
  /** Extra flags, e.g. ['--msg-limit', '5']; they win over the helper's own. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Storage DSN; default `sqlite:` in the data directory. Share it to form a cluster. */
  db?: string;
  /** Base URL for push endpoints; default this process's own public URL. */
  endpointUrl?: string;
  /**
   * Give none of the helper's own flags (--host, --port, --db, --endpoint-url, --log-level, the
   * router flags): only `args`, so the process is configured by `env` (or a config file) alone.
   * Say which public port that configuration binds in `port` (default: a free one, which the
   * caller then has to pass on); `endpointUrl` is only reported, not passed.
   */
  bare?: boolean;
  /** The public port, when the helper does not pick it (see `bare`). */
  port?: number;
}

export async function startHerald(opts: StartOptions = {}): Promise<HeraldProcess> {
  const role = opts.role ?? 'serve';
  let port = opts.port ?? (await freePort());
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-it-'));
  let publicUrl = `http://127.0.0.1:${port}`;
  let endpointUrl = opts.endpointUrl ?? publicUrl;
  let child: ChildProcess | undefined;
  let out = '';
  let nodeId: string | null = null;
  // Several nodes run at once: router ports are picked by the OS and named by loopback address.
  const routerArgs = role === 'endpoint' ? [] : ['--router-port', '0', '--router-host', '127.0.0.1', '--router-hostname', '127.0.0.1'];

  const launch = async () => {
    const ownFlags = opts.bare
      ? []
      : [
          '--host', '127.0.0.1', '--port', String(port),
          '--db', opts.db ?? `sqlite:${join(dataDir, 'herald.db')}`,
          '--endpoint-url', endpointUrl,
          '--log-level', 'warn',
          ...routerArgs,
        ];
    const args = ['--import', 'tsx', join(root, 'src/cli/main.ts'), role, ...ownFlags, ...(opts.args ?? [])];
    const proc = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Herald did not start within 20 s:\n${out}`)), 20_000);
      const onData = () => {
        if (out.includes('is running')) {
          nodeId = /Router port \(node id\):\s+(\S+)/.exec(out)?.[1] ?? null;
          clearTimeout(timer);
          proc.stdout!.off('data', onData);
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Herald exited with ${code} before starting:\n${out}`));
      });
    });
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return proc?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  // The free port was released before Herald binds it, and the OS may hand it out again meanwhile
  // (even to this Herald's own router port, which binds first): pick another and start again.
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (err) {
      const portTaken = opts.port === undefined && !opts.bare && out.includes(`address already in use 127.0.0.1:${port}`);
      if (!portTaken || attempt === 3) throw err;
      out = '';
      port = await freePort();
      publicUrl = `http://127.0.0.1:${port}`;
      endpointUrl = opts.endpointUrl ?? publicUrl;
    }
  }
  return {
    role,
    port,
    wsUrl: `ws://127.0.0.1:${port}/`,
    publicUrl,
    endpointUrl,
    get routerPort() {
      return nodeId === null ? null : Number(new URL(nodeId).port);
    },
    get nodeId() {
      return nodeId;
    },
    dataDir,
    get pid() {
      return child?.pid;
    },
    output: () => out,
    stop,
    signal: (sig) => void child?.kill(sig),
    restart: async () => {
      await stop();
      out = '';
      await launch();
    },
    dispose: async () => {
      child?.kill('SIGCONT');
      await stop('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
