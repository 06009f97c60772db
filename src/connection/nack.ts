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
import { LazyMap } from '../common/lazy-map.js';

export const MAX_REDELIVERIES = 3;
/** Firefox nacks about 30 ms after its ack; keep acked messages a little while for that. */
const REMEMBER_MS = 10_000;
const REMEMBER_COUNT = 16;

/** Messages acked in the last few seconds, by version, in case a nack follows the ack. */
export class RecentlyAcked {
  readonly #entries = new LazyMap<string, { message: Notification; at: number }>();

  add(message: Notification, nowMs: number): void {
    this.#entries.delete(message.version);
    this.#entries.set(message.version, { message, at: nowMs });
    for (const [version, e] of this.#entries) {
      if (this.#entries.size <= REMEMBER_COUNT && nowMs - e.at < REMEMBER_MS) break;
      this.#entries.delete(version);
    }
  }

  take(version: string, nowMs: number): Notification | undefined {
    const e = this.#entries.get(version);
    this.#entries.delete(version);
    return e !== undefined && nowMs - e.at < REMEMBER_MS ? e.message : undefined;
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
  const recent = client.recentlyAcked.take(version, nowMs);
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
