/**
 * The messages API of the 2018 recipe (docs/device-messages.md#the-messages-api-2018-recipe), to the recipe's words:
 * messages of a topic (`sendtab`, or any name matching the documented pattern), encrypted by the
 * sender to the target's push keys, stored in the target's `messages` mailbox, announced with a
 * `{topic, url, index}` push. Only devices with the `messages` capability take them. Reads are
 * exclusive ("stored after the message who had that index") and never answer an index that
 * rewinds; `?topic=` filters. docs/device-messages.md says why this differs from device commands.
 */
import type { AuthContext } from '../accounts/authenticate.js';
import type { AccountsContext } from '../accounts/context.js';
import { ApiError } from '../errors/api-error.js';
import { ownBox, type InvokeResult } from './commands.js';
import type { DeviceMessage } from './edge/device-message.js';
import type { MessagesQuery } from './edge/read-query.js';
import { fetchUrl } from './links.js';
import { putRecord, readAfter, type RecordPage } from './mailbox.js';

export const MESSAGES_CAPABILITY = 'messages';
/** The recipe's TTL for `sendtab` (30 days; clamped to the mailbox maximum), used for every topic. */
const SENDTAB_TTL = 30 * 86_400;
/** The recipe's push TTL (1 h), never longer than the message lives. */
const PUSH_TTL = 3600;

export interface StoredMessage {
  topic: string;
  data: string;
  sender?: string;
}

/**
 * @throws ApiError `unknown-device`, `messages-not-supported` (no `messages` capability),
 *   `request-too-large`, `mailbox-full`, `account-throttled`.
 */
export async function sendMessage(ctx: AccountsContext, auth: AuthContext, msg: DeviceMessage): Promise<InvokeResult> {
  ctx.limits.admitWrite(auth.uid);
  const target = await ctx.store.getDevice(auth.uid, msg.to);
  if (target === null) throw new ApiError('unknown-device');
  if (!target.capabilities.includes(MESSAGES_CAPABILITY)) throw new ApiError('messages-not-supported');
  const record: StoredMessage = { topic: msg.topic, data: msg.data };
  if (auth.deviceId !== null) record.sender = auth.deviceId;
  const key = { uid: auth.uid, deviceId: target.id, box: 'messages' as const };
  const stored = await putRecord(ctx.mailbox, ctx.settings, key, record, msg.ttl ?? SENDTAB_TTL);
  // Reads are exclusive, so the URL that fetches exactly message N asks for what follows N - 1.
  const payload = { topic: msg.topic, url: fetchUrl(ctx.settings.publicUrl, 'messages', stored.index - 1), index: stored.index };
  const outcome = await ctx.pusher.push(target, payload, Math.min(PUSH_TTL, stored.ttl));
  return outcome.ok ? { enqueued: true, notified: true } : { enqueued: true, notified: false, notifyError: outcome.reason };
}

/**
 * The caller's own messages stored after `query.index`, only of `query.topic` if given. With
 * limit 0 only `{index}`: the latest index, or the caller's own if that is higher (never a rewind).
 */
export async function readMessages(ctx: AccountsContext, auth: AuthContext, query: MessagesQuery): Promise<RecordPage<StoredMessage> | { index: number }> {
  const key = ownBox(auth, 'messages');
  if (query.limit === 0) return { index: Math.max(query.index, await ctx.mailbox.latestIndex(key)) };
  const { topic } = query;
  return readAfter<StoredMessage>(ctx.mailbox, key, query.index, query.limit, topic === undefined ? undefined : (m) => m.topic === topic);
}
