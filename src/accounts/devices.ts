/**
 * The device registry (docs/device-messages.md#device-registry): one device per session, registered or
 * updated by that session; any session of the account may rename a device or disconnect it.
 * Disconnecting ends the device's session, empties its mailboxes and tells every device
 * (docs/device-messages.md#device-registry).
 */
import { randomBytes } from 'node:crypto';
import { ApiError } from '../errors/api-error.js';
import type { DevicePatch, DeviceRecord } from '../storage/accounts/account-store.js';
import { accountEvents } from './account-events.js';
import type { AuthContext } from './authenticate.js';
import type { AccountsContext } from './context.js';
import type { DeviceRegistration } from './edge/device-registration.js';
import { notifyDevicesLater } from './notify-devices.js';

const DEFAULT_NAME = 'Unnamed device';
const DEFAULT_TYPE = 'desktop';

/** A device as the API shows it (docs/device-messages.md#device-registry). */
export interface DeviceView {
  id: string;
  name: string;
  type: string;
  createdAt: number;
  lastAccessTime: number;
  isCurrentDevice: boolean;
  pushCallback: string | null;
  pushPublicKey: string | null;
  pushAuthKey: string | null;
  pushEndpointExpired: boolean;
  capabilities: string[];
  availableCommands: Record<string, string>;
}

export function deviceView(device: DeviceRecord, auth: AuthContext): DeviceView {
  return {
    id: device.id,
    name: device.name,
    type: device.type,
    createdAt: device.createdAt,
    lastAccessTime: device.lastAccessTime,
    isCurrentDevice: device.id === auth.deviceId,
    pushCallback: device.push?.callback ?? null,
    pushPublicKey: device.push?.publicKey ?? null,
    pushAuthKey: device.push?.authKey ?? null,
    pushEndpointExpired: device.pushEndpointExpired,
    capabilities: device.capabilities,
    availableCommands: device.availableCommands,
  };
}

/**
 * Register the caller's device, update it, or rename another device of the account (`{id, name}`
 * and optionally `type`, nothing else).
 * A write: the per-account rate limit applies, and a new device must fit `maxDevicesPerAccount`
 * (each new device pushes to every other one, so the count bounds that fan-out too).
 * @throws ApiError `unknown-device` for an id outside the account; `device-session-conflict` for
 *   push keys or commands sent for another session's device; `too-many-devices`; `account-throttled`.
 */
export async function registerDevice(ctx: AccountsContext, auth: AuthContext, reg: DeviceRegistration): Promise<DeviceView> {
  ctx.limits.admitWrite(auth.uid);
  const { id, ...fields } = reg;
  const patch: DevicePatch = fields;
  const ownId = auth.deviceId;

  if (id !== undefined && id !== ownId) {
    const target = await ctx.store.getDevice(auth.uid, id);
    if (target === null) throw new ApiError('unknown-device');
    const renameOnly = Object.keys(fields).every((k) => k === 'name' || k === 'type');
    if (!renameOnly) throw new ApiError('device-session-conflict', 'Only the device\'s own session may change its push subscription, capabilities or commands');
    return view(await ctx.store.updateDevice(auth.uid, id, patch), auth);
  }

  if (ownId !== null) return view(await ctx.store.updateDevice(auth.uid, ownId, patch), auth);

  const max = ctx.settings.maxDevicesPerAccount;
  // Concurrent registrations of several sessions may each pass this count: the overshoot is at
  // most the number of requests in flight, and the per-account write limit bounds those.
  if (max > 0 && (await ctx.store.listDevices(auth.uid)).length >= max) throw new ApiError('too-many-devices');

  const device = {
    uid: auth.uid,
    id: randomBytes(16).toString('hex'),
    sessionId: auth.sessionId,
    name: fields.name || DEFAULT_NAME,
    type: fields.type ?? DEFAULT_TYPE,
    createdAt: ctx.clock.now(),
    push: fields.push ?? null,
    capabilities: fields.capabilities ?? [],
    availableCommands: fields.availableCommands ?? {},
  };
  if (!(await ctx.store.createDevice(device))) {
    // Another request of this session registered a device meanwhile.
    throw new ApiError('device-session-conflict');
  }
  const created = await ctx.store.getDevice(auth.uid, device.id);
  const withDevice = { ...auth, deviceId: device.id };
  const peers = (await ctx.store.listDevices(auth.uid)).filter((d) => d.id !== device.id);
  notifyDevicesLater(ctx, peers, accountEvents.deviceConnected(device.name));
  return view(created, withDevice);
}

/** The account's devices; with `activeSince` (ms), only those used since then. */
export async function listDevices(ctx: AccountsContext, auth: AuthContext, activeSince?: number): Promise<DeviceView[]> {
  const devices = await ctx.store.listDevices(auth.uid);
  return devices.filter((d) => activeSince === undefined || d.lastAccessTime >= activeSince).map((d) => deviceView(d, auth));
}

/**
 * Disconnect a device of the account: its session ends, its mailboxes are emptied, and every
 * device read before the deletion, itself included, hears `device_disconnected`.
 * @throws ApiError `unknown-device`.
 */
export async function destroyDevice(ctx: AccountsContext, auth: AuthContext, id: string): Promise<void> {
  const peers = await ctx.store.listDevices(auth.uid);
  if (!peers.some((d) => d.id === id)) throw new ApiError('unknown-device');
  if (!(await ctx.store.deleteDevice(auth.uid, id))) throw new ApiError('unknown-device');
  await ctx.mailbox.deleteDevice(auth.uid, id);
  notifyDevicesLater(ctx, peers, accountEvents.deviceDisconnected(id));
}

function view(device: DeviceRecord | null, auth: AuthContext): DeviceView {
  // Deleted between the check and the write: as if it never existed.
  if (device === null) throw new ApiError('unknown-device');
  return deviceView(device, auth);
}
