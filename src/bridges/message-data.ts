/**
 * The data map a bridge sends to the app (docs/bridges.md "What the app receives"), built as
 * autopush builds it: `chid` always; with a body, `body` (the encrypted bytes, base64url), `con`
 * (Content-Encoding), and for `aesgcm` its `enc` (Encryption) and `cryptokey` (Crypto-Key).
 */
import type { Notification } from '../protocol/notification.js';

export function messageData(n: Notification): Record<string, string> {
  const data: Record<string, string> = { chid: n.channelID };
  if (n.data !== undefined) {
    data.body = n.data;
    if (n.headers !== undefined) {
      data.con = n.headers.encoding;
      if (n.headers.encryption !== undefined) data.enc = n.headers.encryption;
      if (n.headers.crypto_key !== undefined) data.cryptokey = n.headers.crypto_key;
    }
  }
  return data;
}
