/**
 * The mailbox rules on top of `MailboxStore` (docs/device-messages.md#the-durable-mailbox): records
 * are JSON, TTLs are clamped to `maxMessageTtl`, and a record larger than `maxMessageBytes` is
 * refused with 413 before anything is stored, never truncated. A record that would take the
 * target device or its account over a quota (docs/device-messages.md "Quotas") is refused with
 * 507 `mailbox-full`; entries leave by expiring, so the sender may retry later.
 */
import { ApiError } from '../errors/api-error.js';
import type { MailboxKey, MailboxStore, MailboxUsage } from '../storage/accounts/mailbox-store.js';

export interface MailboxRules {
  maxMessageTtl: number;
  maxMessageBytes: number;
  /** Quotas of unexpired entries; 0: no limit. */
  deviceMailboxMaxMessages: number;
  deviceMailboxMaxBytes: number;
  accountMailboxMaxMessages: number;
  accountMailboxMaxBytes: number;
}

export interface StoredRecord {
  index: number;
  /** The TTL used, after clamping. */
  ttl: number;
}

/** A page in the API's shape: commands (docs/device-messages.md#device-commands-send-tab) answer the highest index returned, 0 when none; messages see `readAfter`. */
export interface RecordPage<T> {
  index: number;
  last: boolean;
  messages: { index: number; data: T }[];
}

/** The clamped TTL: absent or too long becomes the maximum; 0 stays 0 (dead at once, as upstream). */
export function clampTtl(ttl: number | undefined, max: number): number {
  return ttl === undefined || ttl > max ? max : ttl;
}

export async function putRecord(store: MailboxStore, rules: MailboxRules, key: MailboxKey, record: object, ttl?: number): Promise<StoredRecord> {
  const data = JSON.stringify(record);
  const bytes = Buffer.byteLength(data, 'utf8');
  if (bytes > rules.maxMessageBytes) {
    throw new ApiError('request-too-large', `The message is ${bytes} bytes once stored; the limit is ${rules.maxMessageBytes}`);
  }
  await checkQuotas(store, rules, key, bytes);
  const clamped = clampTtl(ttl, rules.maxMessageTtl);
  return { index: await store.append(key, data, clamped), ttl: clamped };
}

/**
 * Refuse a record of `bytes` that would take its device or account over a quota. Counted, then
 * appended: concurrent sends may overshoot by the requests in flight (the per-account write rate
 * bounds those).
 */
async function checkQuotas(store: MailboxStore, rules: MailboxRules, key: MailboxKey, bytes: number): Promise<void> {
  const { deviceMailboxMaxMessages, deviceMailboxMaxBytes, accountMailboxMaxMessages, accountMailboxMaxBytes } = rules;
  if (deviceMailboxMaxMessages + deviceMailboxMaxBytes + accountMailboxMaxMessages + accountMailboxMaxBytes === 0) return;
  const usage = await store.usage(key.uid, key.deviceId);
  const over = (u: MailboxUsage, maxMessages: number, maxBytes: number) =>
    (maxMessages > 0 && u.messages + 1 > maxMessages) || (maxBytes > 0 && u.bytes + bytes > maxBytes);
  if (over(usage.device, deviceMailboxMaxMessages, deviceMailboxMaxBytes)) {
    throw new ApiError('mailbox-full', `The target device holds ${usage.device.messages} unexpired entries (${usage.device.bytes} bytes); the limit is ${deviceMailboxMaxMessages} entries, ${deviceMailboxMaxBytes} bytes`);
  }
  if (over(usage.account, accountMailboxMaxMessages, accountMailboxMaxBytes)) {
    throw new ApiError('mailbox-full', `This account's devices hold ${usage.account.messages} unexpired entries (${usage.account.bytes} bytes); the limit is ${accountMailboxMaxMessages} entries, ${accountMailboxMaxBytes} bytes`);
  }
}

export async function readRecords<T>(store: MailboxStore, key: MailboxKey, fromIndex: number, limit: number): Promise<RecordPage<T>> {
  const page = await store.read(key, fromIndex, limit);
  const messages = page.messages.map((m) => ({ index: m.index, data: JSON.parse(m.data) as T }));
  return { index: messages.at(-1)?.index ?? 0, last: page.last, messages };
}

/** Entries one filtered read looks at before it answers (with `last: false`, to be asked again). */
export const MAX_SCAN = 1000;
/** Entries read from the store at a time when filtering. */
const SCAN_CHUNK = 100;

/**
 * The messages API's read (docs/device-messages.md "Reading messages"): unexpired entries stored
 * strictly after `afterIndex`, at most `limit` of those `keep` accepts. The answer's `index` is
 * where the reader stands afterwards: the last entry looked at (returned or filtered out), else
 * `afterIndex` itself, so it never rewinds and an empty page hands back the caller's own index.
 * A filtered read looks at no more than `MAX_SCAN` entries; if it stops there, `last` is false.
 */
export async function readAfter<T>(store: MailboxStore, key: MailboxKey, afterIndex: number, limit: number, keep?: (data: T) => boolean): Promise<RecordPage<T>> {
  const messages: { index: number; data: T }[] = [];
  let position = afterIndex;
  let scanned = 0;
  for (;;) {
    const chunk = keep === undefined ? limit - messages.length : Math.min(SCAN_CHUNK, MAX_SCAN - scanned);
    const page = await store.read(key, position + 1, chunk);
    for (const [i, m] of page.messages.entries()) {
      scanned += 1;
      position = m.index;
      const data = JSON.parse(m.data) as T;
      if (keep !== undefined && !keep(data)) continue;
      messages.push({ index: m.index, data });
      if (messages.length === limit) {
        return { index: position, last: page.last && i === page.messages.length - 1, messages };
      }
    }
    if (page.last) return { index: position, last: true, messages };
    if (scanned >= MAX_SCAN) return { index: position, last: false, messages };
  }
}
