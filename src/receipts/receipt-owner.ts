/**
 * Who owns a receipt subscription (docs/protocol.md#push-message-receipts): the sender's VAPID
 * public key when its request is signed, else its client address (an IPv6 client's /64, as the
 * abuse controls count it). The maximum of receipt subscriptions is per owner, and a push may
 * name only a receipt subscription of its own sender in `Push-Receipt`.
 */
import { ipKey } from '../abuse/ip-key.js';
import { b64uEncode } from '../crypto/base64url.js';

export function receiptOwner(vapidPublicKey: Buffer | null, clientIp: string): string {
  return vapidPublicKey !== null ? `vapid:${b64uEncode(vapidPublicKey)}` : `ip:${ipKey(clientIp)}`;
}
