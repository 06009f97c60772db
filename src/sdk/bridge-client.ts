/**
 * A client of the bridge registration API (docs/bridges.md), for a program that plays a native
 * app: it registers an APNs or FCM device token, adds and removes channels, refreshes the token,
 * and keeps the uaid and secret it needs for all that. Pushes to its endpoints are sent with any
 * Web Push sender (`sendPush`), unchanged.
 */

/** What to keep between runs: without the secret the registration cannot be changed. */
export interface BridgeRegistrationState {
  /** Base URL of the Herald endpoint API, e.g. `https://push.example.com`. */
  serverUrl: string;
  routerType: string;
  appId: string;
  uaid: string;
  secret: string;
}

export interface BridgeChannel {
  channelID: string;
  endpoint: string;
}

export interface NewChannelOptions {
  /** A UUID of the app's choosing; absent: the server picks one. */
  channelID?: string;
  /** An application server's VAPID public key (URL-safe base64): a v2 endpoint only it may push to. */
  key?: string;
}

/** A refusal of the registration API, with the status and errno of docs/errors.md. */
export class BridgeApiError extends Error {
  constructor(
    readonly status: number,
    readonly errno: number | null,
    message: string,
  ) {
    super(`bridge registration API answered ${status}${errno === null ? '' : ` (errno ${errno})`}: ${message}`);
    this.name = 'BridgeApiError';
  }
}

async function call<T>(url: string, method: string, body: object | undefined, secret?: string): Promise<T | undefined> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (secret !== undefined) headers.authorization = `Bearer ${secret}`;
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  if (res.status !== 200) {
    let errno: number | null = null;
    let message = text;
    try {
      const j = JSON.parse(text) as { errno?: number | null; message?: string };
      errno = j.errno ?? null;
      message = j.message ?? text;
    } catch {
      // Not JSON (a proxy's page): keep the text.
    }
    throw new BridgeApiError(res.status, errno, message);
  }
  return text === '' ? undefined : (JSON.parse(text) as T);
}

export class BridgeRegistration {
  #state: BridgeRegistrationState;

  private constructor(state: BridgeRegistrationState) {
    this.#state = { ...state };
  }

  /**
   * Register a device token under `routerType` (`fcm`, `gcm`, `apns`, `stub`) and `appId`.
   * @returns the registration and its first channel.
   * @throws BridgeApiError (400 errno 108 bad router type, 400 errno 106 unknown app id…).
   */
  static async register(
    serverUrl: string,
    routerType: string,
    appId: string,
    token: string,
    opts: NewChannelOptions & { aps?: object } = {},
  ): Promise<{ registration: BridgeRegistration; channel: BridgeChannel }> {
    const base = serverUrl.replace(/\/+$/, '');
    const url = `${base}/v1/${encodeURIComponent(routerType)}/${encodeURIComponent(appId)}/registration`;
    const r = (await call<{ uaid: string; channelID: string; endpoint: string; secret: string }>(url, 'POST', { token, ...opts }))!;
    const registration = new BridgeRegistration({ serverUrl: base, routerType, appId, uaid: r.uaid, secret: r.secret });
    return { registration, channel: { channelID: r.channelID, endpoint: r.endpoint } };
  }

  /** A registration saved earlier (`state`). */
  static restore(state: BridgeRegistrationState): BridgeRegistration {
    return new BridgeRegistration(state);
  }

  get state(): Readonly<BridgeRegistrationState> {
    return this.#state;
  }

  get uaid(): string {
    return this.#state.uaid;
  }

  #url(suffix = ''): string {
    const s = this.#state;
    return `${s.serverUrl}/v1/${encodeURIComponent(s.routerType)}/${encodeURIComponent(s.appId)}/registration/${s.uaid}${suffix}`;
  }

  /** The device got a new token from APNs or FCM. */
  async refreshToken(token: string, opts: { aps?: object } = {}): Promise<void> {
    await call(this.#url(), 'PUT', { token, ...opts }, this.#state.secret);
  }

  /** The channel ids of this registration; also keeps it from expiring. */
  async channels(): Promise<string[]> {
    return (await call<{ channelIDs: string[] }>(this.#url(), 'GET', undefined, this.#state.secret))!.channelIDs;
  }

  async addChannel(opts: NewChannelOptions = {}): Promise<BridgeChannel> {
    return (await call<BridgeChannel>(this.#url('/subscription'), 'POST', opts, this.#state.secret))!;
  }

  async removeChannel(channelID: string): Promise<void> {
    await call(this.#url(`/subscription/${encodeURIComponent(channelID)}`), 'DELETE', undefined, this.#state.secret);
  }

  /** Delete the registration and every endpoint of it. */
  async unregister(): Promise<void> {
    await call(this.#url(), 'DELETE', undefined, this.#state.secret);
  }
}
