/**
 * Send with the `web-push` library from npm. Its `sendNotification` always uses `https.request`,
 * so for Herald on plain-http loopback we let the library build the whole request (encryption,
 * VAPID, headers: `generateRequestDetails`) and only carry it with fetch.
 */
import webpush from 'web-push';

export interface WebPushResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export class WebPushSendError extends Error {
  constructor(
    readonly statusCode: number,
    readonly headers: Record<string, string>,
    readonly body: string,
  ) {
    super(`push service answered ${statusCode}: ${body}`);
  }
}

/** Like `webpush.sendNotification`: resolves on 2xx, rejects with WebPushSendError otherwise. */
export async function sendNotification(
  subscription: webpush.PushSubscription,
  payload: string | Buffer | null,
  options: webpush.RequestOptions = {},
): Promise<WebPushResult> {
  const details = webpush.generateRequestDetails(subscription, payload ?? undefined, options);
  const res = await fetch(details.endpoint, {
    method: details.method,
    headers: details.headers as Record<string, string>,
    body: details.body ? new Uint8Array(details.body) : undefined,
  });
  const headers = Object.fromEntries(res.headers.entries());
  const body = await res.text();
  if (res.status < 200 || res.status > 299) throw new WebPushSendError(res.status, headers, body);
  return { statusCode: res.status, headers, body };
}
