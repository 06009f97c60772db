/**
 * Herald's pushes to devices (docs/device-messages.md#account-push-events): the JSON payload encrypted with
 * `aes128gcm` (RFC 8291) to the device's `pushPublicKey`/`pushAuthKey`, signed with Herald's own
 * VAPID key (RFC 8292), POSTed to its `pushCallback`. A 404 or 410, or a stored key that cannot be
 * encrypted to, marks the device `pushEndpointExpired` (only while that callback is still its
 * own), and Herald stops pushing to it until it registers a new callback.
 *
 * Redirects are never followed: the callback passed the allowed-origins check, its redirect
 * target did not, so following one would let an allowed host make Herald POST anywhere. A 3xx
 * answer is a failed push (`redirected`).
 *
 * Logs name the device and the outcome, never the callback URL (a capability) or the payload.
 */
import type { FastifyBaseLogger } from 'fastify';
import { encryptWebPush } from '../crypto/ece.js';
import { signVapid, type VapidKeyPair } from '../crypto/vapid.js';
import type { AccountStore, DeviceRecord } from '../storage/accounts/account-store.js';

/** Why a push did not go out or was refused (FxA's log reasons where they exist). */
export type PushFailure = 'noCallback' | 'expiredCallback' | 'invalidKey' | 'endpointExpired' | 'redirected' | 'rejected' | 'unreachable';

export type PushOutcome = { ok: true } | { ok: false; reason: PushFailure; status?: number };

export interface DevicePusherDeps {
  store: AccountStore;
  vapid: VapidKeyPair;
  /** VAPID `sub`: Herald's public URL or a mailto: contact. */
  subject: string;
  timeoutMs: number;
  log: FastifyBaseLogger;
  /** The HTTP client; tests wrap it to drop or inspect pushes. Default: global fetch. */
  fetch?: typeof fetch;
}

export class DevicePusher {
  readonly #deps: DevicePusherDeps;
  readonly #fetch: typeof fetch;

  constructor(deps: DevicePusherDeps) {
    this.#deps = deps;
    this.#fetch = deps.fetch ?? fetch;
  }

  /**
   * Push `payload` (JSON, or null for an empty tickle) to a device with the given TTL in seconds.
   * Never throws: every failure is an outcome.
   */
  async push(device: DeviceRecord, payload: object | null, ttl: number): Promise<PushOutcome> {
    const outcome = await this.#send(device, payload, ttl);
    if (!outcome.ok) this.#deps.log.info({ device: device.id, reason: outcome.reason, status: outcome.status }, 'push to device failed');
    return outcome;
  }

  async #send(device: DeviceRecord, payload: object | null, ttl: number): Promise<PushOutcome> {
    const { push } = device;
    if (push === null) return { ok: false, reason: 'noCallback' };
    if (device.pushEndpointExpired) return { ok: false, reason: 'expiredCallback' };
    const headers: Record<string, string> = { TTL: String(Math.max(0, Math.floor(ttl))) };
    let body: Uint8Array<ArrayBuffer> | undefined;
    if (payload !== null) {
      try {
        const encrypted = encryptWebPush(Buffer.from(JSON.stringify(payload), 'utf8'), { p256dh: push.publicKey, auth: push.authKey });
        body = new Uint8Array(encrypted.body);
        Object.assign(headers, encrypted.headers, { 'Content-Type': 'application/octet-stream' });
      } catch {
        await this.#expire(device);
        return { ok: false, reason: 'invalidKey' };
      }
    }
    headers.Authorization = signVapid({ ...this.#deps.vapid, audience: push.callback, subject: this.#deps.subject }).authorization;

    let status: number;
    try {
      const res = await this.#fetch(push.callback, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.#deps.timeoutMs) });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch {
      return { ok: false, reason: 'unreachable' };
    }
    if (status >= 200 && status < 300) return { ok: true };
    if (status >= 300 && status < 400) return { ok: false, reason: 'redirected', status };
    if (status === 404 || status === 410) {
      await this.#expire(device);
      return { ok: false, reason: 'endpointExpired', status };
    }
    return { ok: false, reason: 'rejected', status };
  }

  async #expire(device: DeviceRecord): Promise<void> {
    if (device.push === null) return;
    try {
      await this.#deps.store.markPushEndpointExpired(device.uid, device.id, device.push.callback);
    } catch (err) {
      this.#deps.log.warn({ err, device: device.id }, 'could not mark the push endpoint expired');
    }
  }
}
