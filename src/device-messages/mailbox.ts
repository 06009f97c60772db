/**
 * The mailbox rules on top of `MailboxStore` (spec/device-messages.md §1.6, Appendix A): records
 * are JSON, TTLs are clamped to `maxMessageTtl`, and a record larger than `maxMessageBytes` is
 * refused with 413 before anything is stored, never truncated.
 */
import { ApiError } from '../errors/api-error.js';
import type { MailboxKey, MailboxStore } from '../storage/accounts/mailbox-store.js';

export interface MailboxRules {
  maxMessageTtl: number;
  maxMessageBytes: number;
}

export interface StoredRecord {
  index: number;
  /** The TTL used, after clamping. */
  ttl: number;
}

/** A page in the API's shape (§3.2): `index` is the highest returned, 0 when none. */
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
  const clamped = clampTtl(ttl, rules.maxMessageTtl);
  return { index: await store.append(key, data, clamped), ttl: clamped };
}

export async function readRecords<T>(store: MailboxStore, key: MailboxKey, fromIndex: number, limit: number): Promise<RecordPage<T>> {
  const page = await store.read(key, fromIndex, limit);
  const messages = page.messages.map((m) => ({ index: m.index, data: JSON.parse(m.data) as T }));
  return { index: messages.at(-1)?.index ?? 0, last: page.last, messages };
}
