/**
 * Delivery of stored messages (docs/protocol.md#storage-check,
 * docs/protocol.md#delivery-guarantee). Topic messages first (up to 11 a batch), then timestamp
 * messages after the read
 * pointer (up to 10). The next batch is fetched only once every message of the current one is
 * acked; only then does the pointer move, so a disconnect mid-batch re-delivers the whole batch.
 * More than `msgLimit` messages in one check resets the uaid (close 1000 UaidReset), counting
 * only those that arrived before this session's hello (the backlog of a UA that was away).
 *
 * Messages in flight on the live path (sent direct, not acked, yet stored: their ack window passed,
 * or the endpoint stores first) are skipped: never sent twice, never counted. The pointer stops
 * below the first of them, so their stored copy stays until their own ack deletes it; messages of
 * the batch beyond it are deleted one by one on their ack, as topic messages are.
 *
 * Messages below the urgency the UA asked for (docs/protocol.md#urgency-herald-extension) are
 * skipped the same way: the pointer stops below the first of them, so they stay stored until the
 * UA lowers its level (or they expire), and reading goes on past them page by page, so any
 * number of them never hides a message the UA wants. Those below the level of the hello never
 * count toward `msgLimit`: the UA chose to leave them, it did not miss them.
 */
import { SessionError } from '../errors/session-error.js';
import { isExpired, type StoredNotification } from '../protocol/notification.js';
import { meetsUrgency } from '../protocol/urgency.js';
import { StoreBusyError } from '../storage/store.js';
import type { IdentifiedClient } from './identified.js';
import { toNotificationFrame } from './notification-frame.js';
import { LazyMap } from '../common/lazy-map.js';

const TOPIC_BATCH = 11;
const TIMESTAMP_BATCH = 10;
/** Rows read per further page when messages the UA does not want now fill the first one. */
const SKIP_PAGE = 100;

export class StorageCheck {
  /** Read topic messages before timestamp ones; set again by every check-storage request. */
  includeTopic = true;
  /** Timestamp messages are read after this sort key: `current_timestamp`, then each acked batch's highest. */
  pointer: number;
  /** The current batch's messages not yet acked, by version. */
  readonly unacked = new LazyMap<string, StoredNotification>();
  /**
   * Highest sort key the pointer may pass once the current timestamp batch is acked (written with
   * `incrementStorage`); messages of the batch above it are deleted one by one on their ack.
   */
  batchHighest: number | null = null;
  /** Messages sent in this check; reset when a fetch comes back empty. */
  sentFromStorage = 0;

  constructor(pointer: number) {
    this.pointer = pointer;
  }
}

/**
 * Start (or resume) the check. A request while a batch is outstanding is remembered: the loop
 * continues, topic messages included, once that batch is acked. `nothingStored` (the first check
 * after a hello that found no stored message, unidentified.ts): no reads, as if they found nothing.
 */
export async function runStorageCheck(client: IdentifiedClient, nothingStored = false): Promise<void> {
  client.storage.includeTopic = true;
  if (client.storage.unacked.size > 0) return;
  await advance(client, nothingStored);
}

/** One stored message was acked. Topic messages are deleted; a finished batch moves on. */
export async function onStoredAck(client: IdentifiedClient, message: StoredNotification): Promise<void> {
  const { storage, uaid, env } = client;
  storage.unacked.delete(message.version);
  client.stats.storedAcked++;
  if (message.topic !== null || !belowPointerTarget(storage, message)) await removeAcked(client, message.version);
  if (storage.unacked.size === 0) {
    await movePointer(client);
    await advance(client);
  }
}

/**
 * Delete the stored copy of an acked message. A retryable storage failure (a Redis master failing
 * over, docs/deployment.md) leaves the copy stored and the session open: a later storage check
 * sends it again, a duplicate the UA drops by its version, instead of a disconnect for every UA
 * that acks during the outage.
 */
export async function removeAcked(client: IdentifiedClient, version: string): Promise<void> {
  try {
    await client.env.store.removeMessage(client.uaid, version);
  } catch (err) {
    if (!(err instanceof StoreBusyError)) throw err;
    client.env.logger.warn({ err }, 'could not delete an acked message; it stays stored and may be sent again');
  }
}

async function movePointer(client: IdentifiedClient): Promise<void> {
  const { storage } = client;
  if (storage.batchHighest === null) return;
  await client.env.store.incrementStorage(client.uaid, storage.batchHighest);
  storage.pointer = Math.max(storage.pointer, storage.batchHighest);
  storage.batchHighest = null;
}

/** A message of the current batch the pointer passes once the batch is acked (else deleted on its own). */
function belowPointerTarget(storage: StorageCheck, m: StoredNotification): boolean {
  return storage.batchHighest !== null && m.sortKey <= storage.batchHighest;
}

/**
 * Fetch until there is something to send (then send it and wait for acks) or nothing is left.
 * `nothingStored`: the first fetch is known to find nothing, and skipped.
 */
async function advance(client: IdentifiedClient, nothingStored = false): Promise<void> {
  const { storage, env, uaid } = client;
  for (;;) {
    const batch = nothingStored ? null : await fetchBatch(client);
    if (batch === null) {
      storage.sentFromStorage = 0;
      if (client.oldRecordVersion) await resetUaid(client);
      return;
    }
    storage.batchHighest = batch.passable;
    const nowSec = Math.floor(env.clock.nowMs() / 1000);
    const live: StoredNotification[] = [];
    for (const m of batch.messages) {
      if (!isExpired(m, nowSec)) live.push(m);
      else if (m.topic !== null || !belowPointerTarget(storage, m)) await env.store.removeMessage(uaid, m.version);
    }
    if (live.length === 0) {
      // Everything expired while stored: step over it and read on.
      await movePointer(client);
      continue;
    }
    // Only the backlog of a UA that was away counts (to the second): what arrived later cannot reset it.
    const helloSecond = Math.floor(client.connectedAt / 1000);
    const backlog = live.filter((m) => m.timestamp <= helloSecond && meetsUrgency(m.urgency, client.helloUrgency)).length;
    const { msgLimit } = env.settings;
    if (msgLimit > 0 && storage.sentFromStorage + backlog > msgLimit) await resetUaid(client);
    storage.sentFromStorage += backlog;
    client.stats.storedRetrieved += live.length;
    for (const m of live) storage.unacked.set(m.version, m);
    client.out.sendAll(live.map(toNotificationFrame));
    return;
  }
}

interface Batch {
  topic: boolean;
  /** Not in flight on the live path, oldest first. */
  messages: StoredNotification[];
  /** Timestamp batch: the highest sort key below the first message in flight (null: none). */
  passable: number | null;
}

/**
 * The next batch, without the messages in flight on the live path and those below the UA's
 * urgency. The first fetch reads that many more rows than in flight, so messages in flight never
 * crowd out the ones to send; while skipped messages fill whole pages, reading goes on.
 */
async function fetchBatch(client: IdentifiedClient): Promise<Batch | null> {
  const { storage, env, uaid, unackedDirect } = client;
  const inFlight = unackedDirect.size;
  const wanted = (m: StoredNotification) => !unackedDirect.has(m.version) && meetsUrgency(m.urgency, client.urgency);
  if (storage.includeTopic) {
    // Topic messages have no read position: read a larger prefix until one is wanted or none is left.
    for (let limit = TOPIC_BATCH + inFlight; ; limit *= 4) {
      const fetched = await env.store.fetchTopicMessages(uaid, limit);
      const topic = fetched.filter(wanted).slice(0, TOPIC_BATCH);
      if (topic.length > 0) return { topic: true, messages: topic, passable: null };
      if (fetched.length < limit) break;
    }
    storage.includeTopic = false;
  }
  const messages: StoredNotification[] = [];
  let passable: number | null = null;
  let pastSkipped = false;
  let after = storage.pointer;
  let limit = TIMESTAMP_BATCH + inFlight;
  for (;;) {
    const fetched = await env.store.fetchTimestampMessages(uaid, after, limit);
    for (const m of fetched) {
      if (!wanted(m)) {
        pastSkipped = true;
        continue;
      }
      if (messages.length === TIMESTAMP_BATCH) break;
      messages.push(m);
      if (!pastSkipped) passable = m.sortKey;
    }
    if (messages.length === TIMESTAMP_BATCH || fetched.length < limit) break;
    after = fetched[fetched.length - 1]!.sortKey;
    limit = SKIP_PAGE;
  }
  return messages.length > 0 ? { topic: false, messages, passable } : null;
}

/** Too much backlog or an old record: delete the user so the UA comes back with a new uaid (docs/protocol.md#uaid-reset). */
async function resetUaid(client: IdentifiedClient): Promise<never> {
  await client.env.store.removeUser(client.uaid);
  client.resetting = true;
  client.unackedDirect.clear();
  throw new SessionError('UaidReset');
}
