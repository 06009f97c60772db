/**
 * The URLs of push message receipts (RFC 8030 §5.1, §6.3; docs/protocol.md#push-message-receipts),
 * joined to the public base URL as push endpoints and message URLs are:
 * - `{base}/receipts`: the receipt subscribe resource (POST creates a receipt subscription);
 * - `{base}/receipts/{id}`: a receipt subscription (GET over HTTP/2 receives receipts);
 * - `{base}/m/{message id}`: a push message resource, the path each receipt is pushed for.
 */

/** The `Link` relation of the receipt subscribe resource (RFC 8030 §4). */
export const RECEIPT_LINK_REL = 'urn:ietf:params:push:receipt';

/** A receipt subscription id: 22 characters of URL-safe base64 (128 random bits). */
const SUBSCRIPTION_ID = /^[A-Za-z0-9_-]{22}$/;

export function receiptSubscribeUrl(endpointUrl: string): string {
  return new URL('receipts', endpointUrl).href;
}

export function receiptSubscriptionUrl(endpointUrl: string, id: string): string {
  return `${receiptSubscribeUrl(endpointUrl)}/${id}`;
}

/** The `Link` header value that advertises the receipt subscribe resource. */
export function receiptLinkHeader(endpointUrl: string): string {
  return `<${receiptSubscribeUrl(endpointUrl)}>; rel="${RECEIPT_LINK_REL}"`;
}

export function isReceiptSubscriptionId(id: string): boolean {
  return SUBSCRIPTION_ID.test(id);
}

/**
 * The subscription id a `Push-Receipt` value names, or null when it is not a receipt subscription
 * URL of this server (another host, scheme or path, a query or fragment, a malformed id).
 */
export function parseReceiptSubscriptionUrl(endpointUrl: string, value: string): string | null {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  const base = new URL(receiptSubscribeUrl(endpointUrl));
  if (url.origin !== base.origin || url.search !== '' || url.hash !== '') return null;
  const prefix = `${base.pathname}/`;
  if (!url.pathname.startsWith(prefix)) return null;
  const id = url.pathname.slice(prefix.length);
  return isReceiptSubscriptionId(id) ? id : null;
}
