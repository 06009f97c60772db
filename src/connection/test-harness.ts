/**
 * Test support for the connection service (not a test itself): a real HTTP server on 127.0.0.1
 * port 0 with the service attached, a real SQLite store in a temp dir, a store wrapper that can
 * fail or stall chosen methods, and a bare `ws` client that speaks frames by hand.
 * Every wait here is bounded.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { defaultSettings, type Settings } from '../config/settings.js';
import { MultiFernet, generateFernetKey } from '../crypto/fernet.js';
import type { Notification } from '../protocol/notification.js';
import type { NodeRouter } from '../routing/node-router.js';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.js';
import { StoreBusyError, type Store } from '../storage/store.js';
import { createConnectionService, type ConnectionService } from './server.js';
import type { Clock, ConnectionEnv } from './types.js';

export const NODE_ID = 'http://test-node:8081';

/** Small timeouts so lifecycle tests take fractions of a second. */
export function testSettings(overrides: Partial<Settings> = {}): Settings {
  return {
    ...defaultSettings,
    endpointUrl: 'http://push.example/',
    cryptoKeys: [generateFernetKey()],
    openHandshakeTimeout: 0.3,
    autoPingInterval: 0.3,
    autoPingTimeout: 0.2,
    appPingMinInterval: 1,
    shutdownGrace: 2,
    ...overrides,
  };
}

/**
 * Wraps a store: methods named in `failing` throw, methods with a gate wait for it first, methods
 * with a hold wait for it after the call has done its work; `calls` counts calls by method.
 */
export class ControlledStore {
  readonly failing = new Set<keyof Store>();
  /** Calls that fail as retryable (`StoreBusyError`: a database failing over). */
  readonly busy = new Set<keyof Store>();
  readonly gates = new Map<keyof Store, Promise<void>>();
  readonly holds = new Map<keyof Store, Promise<void>>();
  readonly calls = new Map<keyof Store, number>();
  readonly store: Store;
  constructor(inner: Store) {
    this.store = new Proxy(inner, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        const name = prop as keyof Store;
        return async (...args: unknown[]) => {
          this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
          if (this.failing.has(name)) throw new Error(`injected ${String(name)} failure`);
          if (this.busy.has(name)) throw new StoreBusyError(`injected ${String(name)} busy`);
          const gate = this.gates.get(name);
          if (gate) await gate;
          const result: unknown = await (value as (...a: unknown[]) => unknown).apply(target, args);
          const hold = this.holds.get(name);
          if (hold) await hold;
          return result;
        };
      },
    });
  }

  /** How many calls of these methods were made since `calls` was last cleared. */
  count(...names: Array<keyof Store>): number {
    return names.reduce((sum, name) => sum + (this.calls.get(name) ?? 0), 0);
  }
}

export interface Harness {
  url: string;
  port: number;
  settings: Settings;
  /** The real store, for arranging and checking data. */
  store: Store;
  /** What the service uses: `store` behind the failure/stall switches. */
  controlled: ControlledStore;
  cipher: MultiFernet;
  service: ConnectionService;
  connect(opts?: ClientOptions): Promise<TestClient>;
  close(): Promise<void>;
}

export async function startHarness(
  overrides: Partial<Settings> = {},
  opts: { logger?: Logger | false; clock?: Clock; router?: NodeRouter; onAcked?: ConnectionEnv['onAcked'] } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-conn-'));
  const store = await openSqliteStore(join(dir, 'herald.db'));
  const controlled = new ControlledStore(store);
  const settings = testSettings(overrides);
  const cipher = new MultiFernet(settings.cryptoKeys);
  const service = createConnectionService({
    settings,
    store: controlled.store,
    cipher,
    nodeId: NODE_ID,
    logger: opts.logger ?? false,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.router ? { router: opts.router } : {}),
    ...(opts.onAcked ? { onAcked: opts.onAcked } : {}),
  });
  const http: Server = createServer((_req, res) => res.writeHead(404).end());
  http.on('upgrade', service.handleUpgrade);
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  const url = `ws://127.0.0.1:${port}/`;
  const clients: TestClient[] = [];
  return {
    url,
    port,
    settings,
    store,
    controlled,
    cipher,
    service,
    async connect(o) {
      const c = await TestClient.connect(url, o);
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.terminate();
      await service.shutdown(2000);
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ClientOptions {
  protocols?: string[];
  /** false: never answer server pings (ws 8 `autoPong`). */
  autoPong?: boolean;
}

type Frame = Record<string, unknown>;

/** A bare user agent over `ws`; frames are JSON-parsed as they arrive. */
export class TestClient {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string; atMs: number } | null = null;
  pings = 0;
  #waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      this.frames.push(isBinary ? { binary: true } : (JSON.parse(String(data)) as Frame));
      this.#wake();
    });
    ws.on('ping', () => this.pings++);
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString(), atMs: Date.now() };
      this.#wake();
    });
    ws.on('error', () => {});
  }

  static async connect(url: string, opts: ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, opts.protocols ?? ['push-notification'], { autoPong: opts.autoPong ?? true });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new TestClient(ws);
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  async #until(what: string, ready: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame; fails if the socket closes first or nothing comes within `timeoutMs`. */
  async next(timeoutMs = 2000): Promise<Frame> {
    await this.#until('a frame', () => this.frames.length > 0 || this.closed !== null, timeoutMs);
    const f = this.frames.shift();
    if (f === undefined) throw new Error(`socket closed (${this.closed?.code} ${this.closed?.reason}) while waiting for a frame`);
    return f;
  }

  async nextN(n: number, timeoutMs = 2000): Promise<Frame[]> {
    const out: Frame[] = [];
    for (let i = 0; i < n; i++) out.push(await this.next(timeoutMs));
    return out;
  }

  /** True if no frame arrives within `ms`. */
  async quiet(ms: number): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.frames.length === 0;
  }

  async hello(uaid?: string): Promise<string> {
    this.send({ messageType: 'hello', use_webpush: true, broadcasts: {}, ...(uaid ? { uaid } : {}) });
    const reply = await this.next();
    if (reply.messageType !== 'hello' || reply.status !== 200) throw new Error(`bad hello reply ${JSON.stringify(reply)}`);
    return reply.uaid as string;
  }

  async register(channelID: string = randomUUID(), key?: string): Promise<Frame> {
    this.send({ messageType: 'register', channelID, ...(key !== undefined ? { key } : {}) });
    return this.next();
  }

  ack(frames: readonly Frame[], code = 100): void {
    this.send({ messageType: 'ack', updates: frames.map((f) => ({ channelID: f.channelID, version: f.version, code })) });
  }

  async waitClose(timeoutMs = 2000): Promise<{ code: number; reason: string; atMs: number }> {
    await this.#until('the socket to close', () => this.closed !== null, timeoutMs);
    return this.closed!;
  }

  terminate(): void {
    this.ws.terminate();
  }
}

let seq = 0;

/** A notification as the endpoint would hand it over; `version` is unique per call. */
export function makeNotification(channelID: string, overrides: Partial<Notification> = {}): Notification {
  seq++;
  return {
    channelID,
    version: `v${seq}-${randomUUID()}`,
    ttl: 300,
    topic: null,
    timestamp: Math.floor(Date.now() / 1000),
    data: Buffer.from(`payload ${seq}`).toString('base64url'),
    headers: { encoding: 'aes128gcm' },
    ...overrides,
  };
}

/** Poll `check` every 10 ms until it returns a truthy value, at most `timeoutMs`. */
type Falsy = undefined | null | false | 0 | '';

export async function eventually<T>(what: string, check: () => T | Falsy | Promise<T | Falsy>, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A new user with one channel, as if it had said hello and registered, then gone away. */
export async function seedUser(store: Store, fields: { recordVersion?: number; connectedAt?: number } = {}): Promise<{ uaid: string; chid: string }> {
  const uaid = randomUUID().replace(/-/g, '');
  const chid = randomUUID();
  await store.addUser({ uaid, connectedAt: fields.connectedAt ?? Date.now() - 60_000, nodeId: null, ...(fields.recordVersion !== undefined ? { recordVersion: fields.recordVersion } : {}) });
  await store.addChannel(uaid, chid);
  return { uaid, chid };
}
