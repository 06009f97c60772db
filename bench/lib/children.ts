/**
 * Child processes of a bench run: spawned with IPC, tracked, and always ended, by pid, when the
 * run ends or times out. Requests carry an id and a deadline; nothing waits forever.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

const live = new Set<Child>();

interface Reply {
  id?: number;
  ok?: boolean;
  result?: unknown;
  error?: string;
  event?: string;
  [key: string]: unknown;
}

export class Child {
  readonly proc: ChildProcess;
  #output = '';
  #nextId = 1;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    opts: SpawnOptions & { ipc?: boolean } = {},
  ) {
    const ipc = opts.ipc ?? true;
    this.proc = spawn(command, args, { ...opts, stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'] });
    live.add(this);
    const keep = (d: Buffer) => {
      this.#output = (this.#output + d.toString()).slice(-20_000);
    };
    this.proc.stdout?.on('data', keep);
    this.proc.stderr?.on('data', keep);
    this.proc.on('message', (m) => this.#onMessage(m as Reply));
    this.exited = new Promise((resolve) =>
      this.proc.once('exit', (code) => {
        live.delete(this);
        for (const [, p] of this.#pending) {
          clearTimeout(p.timer);
          p.reject(new Error(`${this.name} exited (${code}) during a request:\n${this.output()}`));
        }
        this.#pending.clear();
        resolve(code);
      }),
    );
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The last 20 kB the child printed. */
  output(): string {
    return this.#output;
  }

  #readyWaiters: Array<(m: Reply) => void> = [];

  #onMessage(m: Reply): void {
    if (m.event === 'ready') {
      for (const w of this.#readyWaiters) w(m);
      this.#readyWaiters = [];
      return;
    }
    const p = m.id === undefined ? undefined : this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id!);
    clearTimeout(p.timer);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(`${this.name}: ${m.error}`));
  }

  /** Wait for the child's `{ event: 'ready' }` message. */
  ready<T = Record<string, unknown>>(timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} not ready within ${timeoutMs} ms:\n${this.output()}`)), timeoutMs);
      this.#readyWaiters.push((m) => {
        clearTimeout(timer);
        resolve(m as T);
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code}) before it was ready:\n${this.output()}`));
      });
    });
  }

  call<T = unknown>(op: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    if (!this.running || !this.proc.connected) return Promise.reject(new Error(`${this.name} is not running:\n${this.output()}`));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: ${op} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.proc.send({ id, op, args });
    });
  }

  /** Ask it to stop (IPC `stop`, else SIGTERM), then SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    if (this.proc.connected) this.proc.send({ id: 0, op: 'stop' });
    else this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** End every child still running (used on errors and timeouts); each by its own pid. */
export function killAll(): void {
  for (const c of live) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
