/**
 * An application server receiving push receipts the RFC 8030 way (§5.1, §6.3), with `node:http2`:
 * it creates a receipt subscription with `POST {base}/receipts`, holds a `GET` of it over HTTP/2
 * (cleartext, prior knowledge) and records each server push (PUSH_PROMISE) it gets on it.
 */
import http2 from 'node:http2';
import webpush from 'web-push';
import { post } from './send.js';
import { waitFor } from './wait.js';

export interface Receipt {
  /** The pushed request's `:path`: the push message resource. */
  path: string;
  /** The pushed response's status: 410 for a delivered, acked message. */
  status: number;
}

/** `POST {base}/receipts`, signed with `vapid` when given; returns the receipt subscription URL. */
export async function createReceiptSubscription(endpointUrl: string, vapid?: { publicKey: string; privateKey: string }): Promise<string> {
  const res = await post(`${endpointUrl}/receipts`, { headers: vapid ? vapidHeaders(endpointUrl, vapid) : {} });
  if (res.status !== 201) throw new Error(`receipt subscription refused: ${res.status} ${res.body}`);
  return res.headers.get('location')!;
}

/** `Authorization: vapid t=…, k=…` for requests to `endpointUrl`'s origin. */
export function vapidHeaders(endpointUrl: string, vapid: { publicKey: string; privateKey: string }): Record<string, string> {
  const headers = webpush.getVapidHeaders(new URL(endpointUrl).origin, 'mailto:ops@example.com', vapid.publicKey, vapid.privateKey, 'aes128gcm');
  return { Authorization: headers.Authorization };
}

/** The path a receipt names for a push answered with `location`. */
export const receiptPath = (location: string) => new URL(location).pathname;

export class ReceiptListener {
  readonly receipts: Receipt[] = [];
  /** The GET's own response, if the server ever answers it (errors, expiry, shutdown). */
  response: { status: number; body: string } | null = null;
  readonly #client: http2.ClientHttp2Session;

  private constructor(client: http2.ClientHttp2Session) {
    this.#client = client;
  }

  /** Open an HTTP/2 connection to the subscription's origin and GET it. */
  static async open(subscriptionUrl: string): Promise<ReceiptListener> {
    const url = new URL(subscriptionUrl);
    const client = http2.connect(url.origin);
    client.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const listener = new ReceiptListener(client);
    client.on('stream', (pushed, requestHeaders) => {
      pushed.on('error', () => undefined);
      pushed.on('push', (responseHeaders) => {
        listener.receipts.push({ path: String(requestHeaders[':path']), status: Number(responseHeaders[':status']) });
      });
      pushed.resume();
    });
    const req = client.request({ ':method': 'GET', ':path': url.pathname });
    req.on('error', () => undefined);
    let status = 0;
    let body = '';
    req.on('response', (headers) => (status = Number(headers[':status'])));
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => (listener.response = { status, body }));
    return listener;
  }

  /** Wait until `count` receipts have arrived in all; returns them. */
  async waitCount(count: number, timeoutMs = 15_000): Promise<Receipt[]> {
    await waitFor(`${count} receipt(s), have ${this.receipts.length}`, () => this.receipts.length >= count, timeoutMs);
    return this.receipts.slice(0, count);
  }

  /** Wait for the server to answer the GET. */
  async waitResponse(timeoutMs = 15_000): Promise<{ status: number; body: string }> {
    return waitFor('the GET answered', () => this.response ?? undefined, timeoutMs);
  }

  close(): void {
    this.#client.destroy();
  }
}
