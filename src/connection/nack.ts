/**
 * Nack: the UA took a message but its handler failed (docs/protocol.md#nack).
 * autopush only counts it. Firefox acks a message (code 100) as soon as it dispatches the push
 * event and nacks (302) when the service worker's `waitUntil` rejects, so the ack has already
 * settled the message. Herald stores a copy under a new id (Firefox drops ids it has seen),
 * delivered at the UA's next storage check, i.e. its next connection; at most
 * `MAX_REDELIVERIES` times, so a handler that always fails does not loop forever.
 */
import { makeMessageId, parseMessageId } from '../crypto/message-id.js';
import { isExpired, type Notification, type StoredNotification } from '../protocol/notification.js';
import { onStoredAck } from './check-storage.js';
import type { IdentifiedClient } from './identified.js';

export const MAX_REDELIVERIES = 3;
/** Firefox nacks about 30 ms after its ack, later if the push handler runs long; keep acked messages a while. */
const REMEMBER_MS = 10_000;
/**
 * What all the sessions of a process keep at most, counted as payload bytes: about a thousand
 * messages of 4 KB, however many sessions and senders there are (each session used to keep its
 * last 16, so many busy sessions could hold a gigabyte). Under a high push rate acked messages
 * are forgotten sooner. A nack that comes after its message was forgotten is only counted.
 */
const REMEMBER_BYTES = 4 * 1024 * 1024;
/** What an entry costs beyond its payload, roughly (the object, its key, the id). */
const ENTRY_BYTES = 512;

interface Remembered {
  message: Omit<Notification, 'data'>;
  /**
   * The payload decoded, outside the JavaScript heap: kept as the base64url string, the young
   * generation's GC copied every kept payload (4 MiB) again and again; Herald's scavenges took
   * 5.5 ms on average in the two-senders benchmark, 2.3 ms with nothing kept (docs/benchmarks.md).
   */
  data: Buffer | undefined;
  at: number;
  bytes: number;
}

/** Messages acked in the last seconds, by uaid and version, for the whole process, in case a nack follows the ack. */
export class RecentlyAcked {
  readonly #entries = new Map<string, Remembered>();
  #bytes = 0;

  constructor(
    private readonly budgetBytes = REMEMBER_BYTES,
    private readonly keepMs = REMEMBER_MS,
  ) {}

  add(uaid: string, message: Notification, nowMs: number): void {
    const key = `${uaid} ${message.version}`;
    this.#forget(key);
    const { data: text, ...rest } = message;
    const data = text === undefined ? undefined : Buffer.from(text, 'base64url');
    const bytes = ENTRY_BYTES + (data?.length ?? 0);
    this.#entries.set(key, { message: rest, data, at: nowMs, bytes });
    this.#bytes += bytes;
    // Oldest first: over the budget or past the time, they go.
    for (const [k, e] of this.#entries) {
      if (this.#bytes <= this.budgetBytes && nowMs - e.at < this.keepMs) break;
      this.#forget(k);
    }
  }

  take(uaid: string, version: string, nowMs: number): Notification | undefined {
    const key = `${uaid} ${version}`;
    const e = this.#entries.get(key);
    this.#forget(key);
    if (e === undefined || nowMs - e.at >= this.keepMs) return undefined;
    return e.data === undefined ? e.message : { ...e.message, data: e.data.toString('base64url') };
  }

  /** Payload bytes held now (tests). */
  get bytes(): number {
    return this.#bytes;
  }

  #forget(key: string): void {
    const e = this.#entries.get(key);
    if (e === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= e.bytes;
  }
}

/** Handle `{"messageType":"nack","version","code"}`. Codes other than 301-303 are only counted. */
export async function onNack(client: IdentifiedClient, version: string, code: number | null): Promise<void> {
  const { env, uaid } = client;
  client.stats.nacks++;
  if (code !== null && (code < 301 || code > 303)) return;
  let info;
  try {
    info = parseMessageId(env.cipher, version);
  } catch {
    return; // not an id of ours: only counted, as autopush does
  }
  if (info.uaid !== uaid) return;
  const nowMs = env.clock.nowMs();
  if (info.redelivery >= MAX_REDELIVERIES) {
    env.logger.info({ code, redeliveries: info.redelivery }, 'nacked message not redelivered again: its last redelivery failed too');
    return;
  }
  const message = await settle(client, version, nowMs);
  if (message === undefined || message.ttl === 0 || isExpired(message, Math.floor(nowMs / 1000))) return;
  const { sortKey: _sortKey, ...plain } = message as StoredNotification;
  const copy: Notification = {
    ...plain,
    version: makeMessageId(env.cipher, {
      uaid,
      channelID: message.channelID,
      topic: message.topic,
      receivedMicros: info.receivedMicros ?? nowMs * 1000,
      redelivery: info.redelivery + 1,
      // A redelivered copy still owes its sender the receipt (same receipt key).
      ...(info.receipt ? { receipt: true } : {}),
    }),
  };
  await env.store.saveMessage(uaid, copy);
  client.stats.redeliveries++;
}

/** The nacked message, settled: taken from the recently acked, or acked now if still pending. */
async function settle(client: IdentifiedClient, version: string, nowMs: number): Promise<Notification | undefined> {
  const recent = client.env.recentlyAcked.take(client.uaid, version, nowMs);
  if (recent !== undefined) return recent;
  const direct = client.unackedDirect.get(version);
  if (direct !== undefined) {
    // Its copy replaces it; keeping the original (stored, or saved at disconnect) would deliver it twice.
    client.unackedDirect.delete(version);
    // The UA received it (a nack follows the delivery): its sender is answered, the copy is stored below.
    client.senders.settle(version, 'acked');
    if (direct.stored) await client.env.store.removeMessage(client.uaid, version);
    return direct;
  }
  const stored = client.storage.unacked.get(version);
  if (stored !== undefined) {
    await onStoredAck(client, stored);
    return stored;
  }
  return undefined;
}
