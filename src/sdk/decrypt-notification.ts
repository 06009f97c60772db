/**
 * Turn a `notification` frame into the application's payload (RFC 8291 / legacy `aesgcm`), with
 * the keys of the subscription it was sent to. A frame without `data` is an empty push.
 */
import { b64uDecode } from '../crypto/base64url.js';
import { decryptWebPush } from '../crypto/ece.js';
import type { NotificationFrame } from '../protocol/frames.js';
import { keysOf } from './state.js';
import type { StoredSubscription } from './types.js';

/**
 * The plaintext of a notification.
 * @throws Error (an `EceError` for cryptographic failures) when it cannot be decrypted.
 */
export function decryptNotification(frame: NotificationFrame, sub: StoredSubscription): Buffer {
  if (frame.data === undefined || frame.data === '') return Buffer.alloc(0);
  if (frame.headers === undefined) throw new Error('notification has data but no encoding headers');
  const body = b64uDecode(frame.data);
  return decryptWebPush(body, keysOf(sub), frame.headers.encoding, frame.headers);
}
