/**
 * Start Herald as a real child process (from source, through tsx) on a free loopback port, the
 * way a user runs it, and stop it with a real signal.
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

export interface HeraldProcess {
  port: number;
  /** `ws://127.0.0.1:PORT/` */
  wsUrl: string;
  /** `http://127.0.0.1:PORT` */
  endpointUrl: string;
  dataDir: string;
  /** Everything the process printed so far. */
  output(): string;
  /** Send a signal and wait for the exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Start again on the same port, database and keys. */
  restart(): Promise<void>;
  /** Stop if running and remove the data directory. */
  dispose(): Promise<void>;
}

export interface StartOptions {
  /** Extra `herald serve` flags, e.g. ['--msg-limit', '5']. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

export async function startHerald(opts: StartOptions = {}): Promise<HeraldProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-it-'));
  const endpointUrl = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let out = '';

  const launch = async () => {
    const args = [
      '--import', 'tsx', join(root, 'src/cli/main.ts'), 'serve',
      '--host', '127.0.0.1', '--port', String(port),
      '--db', `sqlite:${join(dataDir, 'herald.db')}`,
      '--endpoint-url', endpointUrl,
      '--log-level', 'warn',
      ...(opts.args ?? []),
    ];
    const proc = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Herald did not start within 20 s:\n${out}`)), 20_000);
      const onData = () => {
        if (out.includes('is running')) {
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

  await launch();
  return {
    port,
    wsUrl: `ws://127.0.0.1:${port}/`,
    endpointUrl,
    dataDir,
    output: () => out,
    stop,
    restart: async () => {
      await stop();
      out = '';
      await launch();
    },
    dispose: async () => {
      await stop('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
