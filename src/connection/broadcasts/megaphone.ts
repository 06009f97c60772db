/**
 * The Megaphone poller (docs/protocol.md#megaphone-broadcasts; autoconnect-common `megaphone.rs`): GET the
 * broadcast source once at start-up, where a failure stops the node from starting, then every
 * `megaphonePollInterval` seconds, where a failure is logged and the last versions are kept.
 * The source answers `{"broadcasts":{"<id>":"<version>",…}}`; redirects are followed and no
 * `Authorization` header is sent (autopush's token is deprecated).
 */
import type { Logger } from 'pino';
import type { Settings } from '../../config/settings.js';
import type { Broadcasts } from '../../protocol/frames.js';
import { BroadcastTracker } from './tracker.js';

/** autopush gives its internal HTTP client 1 s; a remote source gets a little more here. */
const REQUEST_TIMEOUT_MS = 5000;

export class MegaphoneError extends Error {
  override name = 'MegaphoneError';
}

export interface MegaphoneOptions {
  url: string;
  pollIntervalMs: number;
  logger: Logger;
  requestTimeoutMs?: number;
}

export interface Megaphone {
  /** Hand this to `createConnectionService({ broadcasts })`. */
  readonly tracker: BroadcastTracker;
  /** Stop polling (and abort a poll in flight). Idempotent. */
  stop(): void;
}

/**
 * With `settings.megaphoneApiUrl` set: read it and start polling. Without: undefined, and the
 * connection service answers as a server without broadcasts.
 * @throws MegaphoneError when the first read fails; its message says what to fix.
 */
export async function openMegaphone(settings: Readonly<Settings>, logger: Logger): Promise<Megaphone | undefined> {
  if (settings.megaphoneApiUrl === '') return undefined;
  return startMegaphone({ url: settings.megaphoneApiUrl, pollIntervalMs: settings.megaphonePollInterval * 1000, logger });
}

export async function startMegaphone(opts: MegaphoneOptions): Promise<Megaphone> {
  const { url, pollIntervalMs, logger } = opts;
  const timeoutMs = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const tracker = new BroadcastTracker();
  let inFlight: AbortController | undefined;
  const read = async () => {
    inFlight = new AbortController();
    try {
      return await fetchBroadcasts(url, timeoutMs, inFlight.signal);
    } finally {
      inFlight = undefined;
    }
  };

  try {
    tracker.update(await read());
  } catch (err) {
    throw new MegaphoneError(
      `could not read the Megaphone broadcast source ${url} (${(err as Error).message}); ` +
        'make it reachable, or unset --megaphone-api-url (AUTOCONNECT__MEGAPHONE_API_URL) to run without broadcasts',
    );
  }
  logger.info({ url, broadcasts: tracker.changeCount }, 'megaphone broadcasts loaded');

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // One poll at a time: the next is scheduled when the previous has settled.
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void poll(), pollIntervalMs);
    timer.unref();
  };
  const poll = async () => {
    try {
      const snapshot = await read();
      if (stopped) return;
      const changed = tracker.update(snapshot);
      if (changed > 0) logger.info({ changed, changeCount: tracker.changeCount }, 'megaphone broadcasts changed');
    } catch (err) {
      if (!stopped) logger.warn({ err, url }, 'megaphone poll failed; keeping the last broadcast versions');
    }
    schedule();
  };
  schedule();

  return {
    tracker,
    stop() {
      stopped = true;
      clearTimeout(timer);
      inFlight?.abort();
    },
  };
}

/** One GET of the source, validated: every version must be a string. */
export async function fetchBroadcasts(url: string, timeoutMs: number, signal?: AbortSignal): Promise<Broadcasts> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const res = await fetch(url, {
    redirect: 'follow',
    headers: { accept: 'application/json' },
    signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
  }).catch((err: unknown) => {
    throw new Error(describeFetchError(err, timeoutMs));
  });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new Error('the answer is not JSON');
  }
  const broadcasts = (body as { broadcasts?: unknown } | null)?.broadcasts;
  if (broadcasts === null || typeof broadcasts !== 'object' || Array.isArray(broadcasts)) {
    throw new Error('the answer has no "broadcasts" object');
  }
  const entries = Object.entries(broadcasts as Record<string, unknown>);
  const bad = entries.find(([, v]) => typeof v !== 'string');
  if (bad !== undefined) throw new Error(`the version of broadcast "${bad[0]}" is not a string`);
  return Object.fromEntries(entries) as Broadcasts;
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (e.name === 'AbortError') return 'aborted';
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
