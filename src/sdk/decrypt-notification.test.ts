import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { b64uEncode } from '../crypto/base64url.js';
import { encryptWebPush, generateSubscriptionKeys } from '../crypto/ece.js';
import type { NotificationFrame } from '../protocol/frames.js';
import { decryptNotification } from './decrypt-notification.js';
import type { StoredSubscription } from './types.js';

function subscription(): StoredSubscription {
  const k = generateSubscriptionKeys();
  return { endpoint: 'http://h/wpush/v1/t', privateKey: b64uEncode(k.privateKey), publicKey: b64uEncode(k.publicKey), auth: b64uEncode(k.auth) };
}

/** The frame a server forwards: body base64url, headers normalised (quotes and padding gone). */
function frameFor(sub: StoredSubscription, text: string, encoding: 'aes128gcm' | 'aesgcm'): NotificationFrame {
  const { body, headers } = encryptWebPush(Buffer.from(text), { p256dh: sub.publicKey, auth: sub.auth }, { encoding });
  const frame: NotificationFrame = { messageType: 'notification', channelID: 'c', version: 'v', data: b64uEncode(body), headers: { encoding } };
  if (headers.Encryption) frame.headers!.encryption = headers.Encryption;
  if (headers['Crypto-Key']) frame.headers!.crypto_key = headers['Crypto-Key'];
  return frame;
}

describe('notification decryption', () => {
  for (const encoding of ['aes128gcm', 'aesgcm'] as const) {
    it(`decrypts an ${encoding} notification with the subscription's keys`, () => {
      const sub = subscription();
      assert.equal(decryptNotification(frameFor(sub, 'hi ✓', encoding), sub).toString(), 'hi ✓');
    });
  }

  it('gives an empty payload for a notification without data', () => {
    const frame: NotificationFrame = { messageType: 'notification', channelID: 'c', version: 'v' };
    assert.equal(decryptNotification(frame, subscription()).length, 0);
  });

  it('fails for data without headers, and for another subscription’s keys', () => {
    const sub = subscription();
    const frame = frameFor(sub, 'x', 'aes128gcm');
    assert.throws(() => decryptNotification({ ...frame, headers: undefined }, sub), /no encoding headers/);
    assert.throws(() => decryptNotification(frame, subscription()), /failed authentication/);
  });
});
