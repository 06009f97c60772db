/**
 * Delivery of stored messages (spec/autopush.md §1.4 "Storage check loop", §6 "Delivery
 * guarantee"). Topic messages first (up to 11 a batch), then timestamp messages after the read
 * pointer (up to 10). The next batch is fetched only once every message of the current one is
 * acked; only then does the pointer move, so a disconnect mid-batch re-delivers the whole batch.
 * More than `msgLimit` messages in one check resets the uaid (close 1000 UaidReset).
 */
import { SessionError } from '../errors/session-error.js';
import { isExpired, type StoredNotification } from '../protocol/notification.js';
import type { IdentifiedClient } from './identified.js';
import { toNotificationFrame } from './notification-frame.js';

const TOPIC_BATCH = 11;
const TIMESTAMP_BATCH = 10;

export class StorageCheck {
  /** Read topic messages before timestamp ones; set again by every check-storage request. */
  includeTopic = true;
  /** Timestamp messages are read after this sort key: `current_timestamp`, then each acked batch's highest. */
  pointer: number;
  /** The current batch's messages not yet acked, by version. */
  readonly unacked = new Map<string, StoredNotification>();
  /** Highest sort key of the current timestamp batch; written with `incrementStorage` when all are acked. */
  batchHighest: number | null = null;
  /** Messages sent in this check; reset when a fetch comes back empty. */
  sentFromStorage = 0;

  constructor(pointer: number) {
    this.pointer = pointer;
  }
}

/**
 * Start (or resume) the check. A request while a batch is outstanding is remembered: the loop
 * continues, topic messages included, once that batch is acked.
 */
export async function runStorageCheck(client: IdentifiedClient): Promise<void> {
  client.storage.includeTopic = true;
  if (client.storage.unacked.size > 0) return;
  await advance(client);
}

/** One stored message was acked. Topic messages are deleted; a finished batch moves on. */
export async function onStoredAck(client: IdentifiedClient, message: StoredNotification): Promise<void> {
  const { storage, uaid, env } = client;
  storage.unacked.delete(message.version);
  client.stats.storedAcked++;
  if (message.topic !== null) await env.store.removeMessage(uaid, message.version);
  if (storage.unacked.size === 0) {
    await movePointer(client);
    await advance(client);
  }
}

async function movePointer(client: IdentifiedClient): Promise<void> {
  const { storage } = client;
  if (storage.batchHighest === null) return;
  await client.env.store.incrementStorage(client.uaid, storage.batchHighest);
  storage.pointer = Math.max(storage.pointer, storage.batchHighest);
  storage.batchHighest = null;
}

/** Fetch until there is something to send (then send it and wait for acks) or nothing is left. */
async function advance(client: IdentifiedClient): Promise<void> {
  const { storage, env, uaid } = client;
  for (;;) {
    const batch = await fetchBatch(client);
    if (batch === null) {
      storage.sentFromStorage = 0;
      if (client.oldRecordVersion) await resetUaid(client);
      return;
    }
    const nowSec = Math.floor(env.clock.nowMs() / 1000);
    const live: StoredNotification[] = [];
    for (const m of batch.messages) {
      if (!isExpired(m, nowSec)) live.push(m);
      else if (m.topic !== null) await env.store.removeMessage(uaid, m.version);
    }
    if (!batch.topic) storage.batchHighest = Math.max(...batch.messages.map((m) => m.sortKey));
    if (live.length === 0) {
      // Everything expired while stored: step over it and read on.
      await movePointer(client);
      continue;
    }
    if (storage.sentFromStorage + live.length > env.settings.msgLimit) await resetUaid(client);
    storage.sentFromStorage += live.length;
    client.stats.storedRetrieved += live.length;
    for (const m of live) {
      storage.unacked.set(m.version, m);
      client.out.send(toNotificationFrame(m));
    }
    return;
  }
}

async function fetchBatch(client: IdentifiedClient): Promise<{ topic: boolean; messages: StoredNotification[] } | null> {
  const { storage, env, uaid } = client;
  if (storage.includeTopic) {
    const topic = await env.store.fetchTopicMessages(uaid, TOPIC_BATCH);
    if (topic.length > 0) return { topic: true, messages: topic };
    storage.includeTopic = false;
  }
  const messages = await env.store.fetchTimestampMessages(uaid, storage.pointer, TIMESTAMP_BATCH);
  return messages.length > 0 ? { topic: false, messages } : null;
}

/** Too much backlog or an old record: delete the user so the UA comes back with a new uaid (§2.4). */
async function resetUaid(client: IdentifiedClient): Promise<never> {
  await client.env.store.removeUser(client.uaid);
  client.resetting = true;
  client.unackedDirect.clear();
  throw new SessionError('UaidReset');
}
