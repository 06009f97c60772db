/**
 * A native-app-style device of the bridge tests (docs/bridges.md): P-256 keys and an auth secret
 * as a browser would have them, registered through the registration API, so web-push can encrypt
 * to it and the test can decrypt what the bridge's upstream received.
 */
import { BridgeRegistration } from '../../../src/sdk/bridge-client.js';
import { decryptWebPush, generateSubscriptionKeys, type SubscriptionKeys, type WebPushEncoding } from '../../../src/crypto/ece.js';

export interface Registration {
  uaid: string;
  channelID: string;
  endpoint: string;
  secret: string;
}

export class BridgeDevice {
  readonly keyPair: SubscriptionKeys = generateSubscriptionKeys();
  registration: Registration | undefined;
  /** The SDK client of the registration. */
  client: BridgeRegistration | undefined;
  /** The device token it registered (or last refreshed) with. */
  token: string | undefined;

  constructor(
    readonly baseUrl: string,
    readonly routerType: string,
    readonly appId: string,
  ) {}

  get keys(): { p256dh: string; auth: string } {
    return { p256dh: this.keyPair.publicKey.toString('base64url'), auth: this.keyPair.auth.toString('base64url') };
  }

  /** The web-push subscription of an endpoint of this device. */
  subscription(endpoint = this.registration!.endpoint): { endpoint: string; keys: { p256dh: string; auth: string } } {
    return { endpoint, keys: this.keys };
  }

  #url(suffix = ''): string {
    return `${this.baseUrl}/v1/${this.routerType}/${this.appId}/registration${suffix}`;
  }

  /** Register through the SDK's client (src/sdk/bridge-client.ts), as an app embedding it would. */
  async register(token: string, extra: object = {}): Promise<Registration> {
    const { registration, channel } = await BridgeRegistration.register(this.baseUrl, this.routerType, this.appId, token, extra);
    this.client = registration;
    this.registration = { uaid: registration.uaid, secret: registration.state.secret, ...channel };
    this.token = token;
    return this.registration;
  }

  /** A request with the registration's secret; `secret` overrides it (to test a wrong one). */
  call(method: string, suffix: string, body?: object, secret = this.registration!.secret): Promise<Response> {
    return fetch(this.#url(`/${this.registration!.uaid}${suffix}`), {
      method,
      headers: { authorization: `Bearer ${secret}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  }

  /** Decrypt a body addressed to this device, as the app would from the bridge's data map. */
  decrypt(body: Buffer, encoding: WebPushEncoding = 'aes128gcm', headers: { encryption?: string; crypto_key?: string } = {}): Buffer {
    return decryptWebPush(body, this.keyPair, encoding, headers);
  }
}
