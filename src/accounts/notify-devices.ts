/**
 * Send one account event to several devices at once (docs/device-messages.md#account-push-events). Devices
 * without a subscription, or whose endpoint expired, are skipped by the pusher.
 */
import type { DeviceRecord } from '../storage/accounts/account-store.js';
import { eventPayload, type AccountEvent } from './account-events.js';
import type { AccountsContext } from './context.js';
import type { PushOutcome } from './device-push.js';

export function notifyDevices(ctx: Pick<AccountsContext, 'pusher'>, devices: readonly DeviceRecord[], event: AccountEvent): Promise<PushOutcome[]> {
  const payload = eventPayload(event);
  return Promise.all(devices.map((d) => ctx.pusher.push(d, payload, event.ttl)));
}

/** The same, after the response: the caller does not wait, shutdown does. */
export function notifyDevicesLater(ctx: Pick<AccountsContext, 'pusher' | 'background'>, devices: readonly DeviceRecord[], event: AccountEvent): void {
  if (devices.length > 0) ctx.background.run(() => notifyDevices(ctx, devices, event));
}
