/**
 * Device commands (docs/device-messages.md#device-commands-send-tab): store `{command, payload,
 * sender}` in the
 * target's `commands` mailbox, then push `command_received` with the index and a fetch URL. The
 * message is stored first, so a failed push never loses it: the target finds it by polling.
 */
import type { AuthContext } from '../accounts/authenticate.js';
import { accountEvents, eventPayload } from '../accounts/account-events.js';
import type { AccountsContext } from '../accounts/context.js';
import { ApiError } from '../errors/api-error.js';
import type { MailboxKey } from '../storage/accounts/mailbox-store.js';
import type { CommandInvocation } from './edge/invoke-command.js';
import type { ReadQuery } from './edge/read-query.js';
import { fetchUrl } from './links.js';
import { putRecord, readRecords, type RecordPage } from './mailbox.js';

export const SEND_TAB_COMMAND = 'https://identity.mozilla.com/cmd/open-uri';
const DAY = 86_400;
/** Push TTL of a command invoked without a TTL (FxA: 6 h); Send Tab uses its storage TTL. */
const DEFAULT_PUSH_TTL = 6 * 3600;
/** Send Tab's default (30 days), clamped like any TTL; storage and push use the same value. */
const SEND_TAB_TTL = 30 * DAY;

export interface StoredCommand {
  command: string;
  payload: Record<string, unknown>;
  /** The sending device's id, when the sender has a device. */
  sender?: string;
}

export interface InvokeResult {
  enqueued: true;
  notified: boolean;
  notifyError?: string;
}

/**
 * @throws ApiError `unknown-device` when the target is not a device of the caller's account;
 *   `unavailable-command` when the target does not list the command; `request-too-large`;
 *   `mailbox-full` over a quota; `account-throttled` over the per-account write rate.
 */
export async function invokeCommand(ctx: AccountsContext, auth: AuthContext, inv: CommandInvocation): Promise<InvokeResult> {
  ctx.limits.admitWrite(auth.uid);
  const target = await ctx.store.getDevice(auth.uid, inv.target);
  if (target === null) throw new ApiError('unknown-device');
  if (!Object.hasOwn(target.availableCommands, inv.command)) throw new ApiError('unavailable-command');

  const record: StoredCommand = { command: inv.command, payload: inv.payload };
  if (auth.deviceId !== null) record.sender = auth.deviceId;
  const requested = inv.ttl ?? (inv.command === SEND_TAB_COMMAND ? SEND_TAB_TTL : undefined);
  const key: MailboxKey = { uid: auth.uid, deviceId: target.id, box: 'commands' };
  const stored = await putRecord(ctx.mailbox, ctx.settings, key, record, requested);

  const pushTtl = requested === undefined ? Math.min(DEFAULT_PUSH_TTL, stored.ttl) : stored.ttl;
  const event = accountEvents.commandReceived(
    { command: inv.command, index: stored.index, sender: auth.deviceId ?? '', url: fetchUrl(ctx.settings.publicUrl, 'commands', stored.index) },
    pushTtl,
  );
  const outcome = await ctx.pusher.push(target, eventPayload(event), event.ttl);
  return outcome.ok ? { enqueued: true, notified: true } : { enqueued: true, notified: false, notifyError: outcome.reason };
}

/**
 * The caller's own commands from `query.index` (inclusive); with limit 0 only the latest index.
 * @throws ApiError `unknown-device` when the session has no device (no mailbox to read).
 */
export async function readCommands(ctx: AccountsContext, auth: AuthContext, query: ReadQuery): Promise<RecordPage<StoredCommand> | { index: number }> {
  const key = ownBox(auth, 'commands');
  if (query.limit === 0) return { index: await ctx.mailbox.latestIndex(key) };
  return readRecords<StoredCommand>(ctx.mailbox, key, query.index, query.limit);
}

export function ownBox(auth: AuthContext, box: MailboxKey['box']): MailboxKey {
  if (auth.deviceId === null) throw new ApiError('unknown-device', 'This session has no device: register one with POST /v1/account/device first');
  return { uid: auth.uid, deviceId: auth.deviceId, box };
}
