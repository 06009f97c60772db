/**
 * The subscription-manager example (examples/subscription-manager/, plain JavaScript) run
 * in-process on a free port, for the tests that drive it: its own HTTP API, as a site's
 * admin or page would call it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import webpush from 'web-push';
import { freePort } from './herald-process.js';

const exampleDir = new URL('../../../examples/subscription-manager/', import.meta.url);

export interface DemoSendResult {
  subscriptionId: number;
  outcome: 'delivered' | 'gone' | 'too-large' | 'rejected' | 'gave-up';
  status: number;
  attempts: number;
  detail?: string;
}

export interface DemoSendSummary {
  delivered: number;
  dropped: number;
  refused: boolean;
  gaveUp: number;
  rejected: number;
  results: DemoSendResult[];
}

export interface DemoSubscriptionView {
  id: number;
  pushService: string;
  lastOutcome: string | null;
  lastStatus: number | null;
}

interface DemoModules {
  app: { buildApp(opts: object): FastifyInstance };
  store: { openStore(path: string, opts?: object): { close(): void } };
}

export interface DemoSite {
  /** `http://localhost:PORT`: localhost, a secure context for the page. */
  url: string;
  port: number;
  app: FastifyInstance;
  vapidPublicKey: string;
  /** The site's VAPID key pair, for tests that push to its subscriptions directly. */
  vapid: { publicKey: string; privateKey: string; subject: string };
  /** What the site logged (pino JSON lines). */
  logLines(): Array<Record<string, unknown>>;
  /** POST a JSON body to one of the site's routes; the answer's status and JSON. */
  post<T = unknown>(path: string, body: object): Promise<{ status: number; json: T }>;
  get<T = unknown>(path: string): Promise<T>;
  subscriptions(): Promise<DemoSubscriptionView[]>;
  send(text: string, subscriptionId?: number): Promise<{ status: number; json: DemoSendSummary }>;
  close(): Promise<void>;
}

export interface DemoOptions {
  maxAttempts?: number;
  maxWaitSeconds?: number;
  /** Called with the Fastify app before it listens (add hooks and routes for automation). */
  beforeListen?: (app: FastifyInstance) => void;
}

export async function startDemoSite(opts: DemoOptions = {}): Promise<DemoSite> {
  const { app: appModule, store: storeModule } = {
    app: (await import(new URL('app.js', exampleDir).href)) as DemoModules['app'],
    store: (await import(new URL('store.js', exampleDir).href)) as DemoModules['store'],
  };
  const dir = mkdtempSync(join(tmpdir(), 'herald-demo-'));
  const store = storeModule.openStore(join(dir, 'subscriptions.db'));
  const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:demo@example.com' };
  const lines: string[] = [];
  const logger = { level: 'info', stream: { write: (line: string) => void lines.push(line) } };
  const app = appModule.buildApp({ store, vapid, logger, ttl: 300, ...opts });
  opts.beforeListen?.(app);
  const port = await freePort();
  await app.listen({ port, host: '127.0.0.1' });
  const url = `http://localhost:${port}`;
  const post = async <T>(path: string, body: object) => {
    const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as T };
  };
  const get = async <T>(path: string) => (await (await fetch(url + path)).json()) as T;
  return {
    url,
    port,
    app,
    vapidPublicKey: vapid.publicKey,
    vapid,
    logLines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    post,
    get,
    subscriptions: async () => (await get<{ subscriptions: DemoSubscriptionView[] }>('/api/subscriptions')).subscriptions,
    send: (text, subscriptionId) => post<DemoSendSummary>('/api/send', subscriptionId === undefined ? { text } : { text, subscriptionId }),
    close: async () => {
      await app.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
