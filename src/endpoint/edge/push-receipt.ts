/**
 * The headers of a push that asks for a receipt (RFC 8030 §5.1, RFC 7240;
 * docs/protocol.md#push-message-receipts): `Push-Receipt` names a receipt subscription of this
 * server, and `Prefer: respond-async` asks for 202 instead of 201.
 */
import { ApiError } from '../../errors/api-error.js';
import { parseReceiptSubscriptionUrl } from '../../receipts/receipt-urls.js';

/**
 * The receipt subscription id `Push-Receipt` names; null when the header is absent.
 * @throws ApiError `invalid-receipt-subscription` (400, errno 118) when it is not a receipt
 *   subscription URL of this server (existence and owner are checked against storage later).
 */
export function parsePushReceipt(value: string | undefined, endpointUrl: string): string | null {
  if (value === undefined) return null;
  const id = parseReceiptSubscriptionUrl(endpointUrl, value);
  if (id === null) throw new ApiError('invalid-receipt-subscription', 'Push-Receipt must be a receipt subscription URL of this server, as the receipt subscribe resource returned it');
  return id;
}

/** Whether a `Prefer` header holds the `respond-async` preference (any case, among others, with or without parameters). */
export function prefersRespondAsync(value: string | undefined): boolean {
  if (value === undefined) return false;
  return value.split(',').some((preference) => preference.split(';', 1)[0]!.split('=', 1)[0]!.trim().toLowerCase() === 'respond-async');
}
