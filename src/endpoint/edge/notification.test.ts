import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../errors/api-error.js';
import { MultiFernet, generateFernetKey } from '../../crypto/fernet.js';
import { makeEndpoint } from '../../crypto/endpoint-token.js';
import { parseMessageId } from '../../crypto/message-id.js';
import { ReceiptClock } from '../receipt-clock.js';
import { parseNotification, pushHeadersFrom, type PushHeaders, type PushRequest } from './notification.js';

const cipher = new MultiFernet([generateFernetKey()]);
const settings = { endpointUrl: 'https://push.example.com', maxTtl: 2_592_000, maxDataBytes: 5630 };
const uaid = randomUUID().replace(/-/g, '');
const chid = randomUUID();
const token = makeEndpoint(cipher, settings.endpointUrl, uaid, chid).split('/').pop()!;
const NOW_MS = 1_700_000_000_123;

const ctx = () => ({ cipher, settings, clock: new ReceiptClock({ nowMs: () => NOW_MS }) });
const request = (headers: PushHeaders, body = Buffer.alloc(0), apiVersion = 'v1'): PushRequest => ({ apiVersion, token, headers, body });
const rejects = (req: PushRequest, errno: number | null, status = 400) =>
  assert.throws(() => parseNotification(req, ctx()), (e: unknown) => e instanceof ApiError && e.errno === errno && e.status === status);

describe('parseNotification', () => {
  it('builds a notification without a body: no data, no crypto headers; no receipt asked', () => {
    const { uaid: who, notification } = parseNotification(request({ ttl: '60', contentEncoding: 'aes128gcm' }), ctx());
    assert.equal(who, uaid);
    assert.deepEqual(
      { ...notification, version: '' },
      { channelID: chid, version: '', ttl: 60, topic: null, timestamp: Math.floor(NOW_MS / 1000), receipt: false },
    );
  });

  it('carries the body as base64url without padding, and the normalised crypto headers', () => {
    const body = Buffer.from([0xfb, 0xff, 0x01]);
    const { notification } = parseNotification(
      request({ ttl: '60', contentEncoding: 'aesgcm', encryption: 'salt="abc="', cryptoKey: 'dh=def==' }, body),
      ctx(),
    );
    assert.equal(notification.data, '-_8B');
    assert.deepEqual(notification.headers, { encoding: 'aesgcm', encryption: 'salt=abc', crypto_key: 'dh=def' });
  });

  it('keeps the topic and a valid urgency', () => {
    const { notification } = parseNotification(request({ ttl: '5', topic: 'scores', urgency: 'high' }), ctx());
    assert.equal(notification.topic, 'scores');
    assert.equal(notification.urgency, 'high');
    assert.deepEqual(parseMessageId(cipher, notification.version), { uaid, channelID: chid, topic: 'scores', receivedMicros: null, redelivery: 0 });
  });

  it('marks the message id of a push with Push-Receipt and returns the receipt subscription id; others have none', () => {
    const id = 'abcdefghijklmnopqrstuv';
    const asked = parseNotification(request({ ttl: '5', topic: 'scores', pushReceipt: `${settings.endpointUrl}/receipts/${id}` }), ctx());
    assert.equal(asked.receiptSubscriptionId, id);
    assert.equal(parseMessageId(cipher, asked.notification.version).receipt, true);
    assert.equal(asked.notification.receipt, true, 'the notification says so too (no decryption on its ack)');
    const plain = parseNotification(request({ ttl: '5' }), ctx());
    assert.equal(plain.receiptSubscriptionId, null);
    assert.equal(parseMessageId(cipher, plain.notification.version).receipt, undefined);
    assert.equal(plain.notification.receipt, false);
  });

  it('gives two pushes in the same millisecond different message ids', () => {
    const c = ctx();
    const a = parseNotification(request({ ttl: '5' }), c).notification.version;
    const b = parseNotification(request({ ttl: '5' }), c).notification.version;
    const ma = parseMessageId(cipher, a);
    const mb = parseMessageId(cipher, b);
    assert.equal(ma.receivedMicros, NOW_MS * 1000);
    assert.equal(mb.receivedMicros, NOW_MS * 1000 + 1);
  });

  it('clamps a TTL above the maximum', () =>
    assert.equal(parseNotification(request({ ttl: '99999999' }), ctx()).notification.ttl, settings.maxTtl));

  it('checks the path before anything else: a bad token wins over a missing TTL (404, errno 102)', () =>
    rejects({ ...request({}), token: 'garbage' }, 102, 404));
  it('checks VAPID before the headers: a bad scheme wins over a missing TTL (401, errno 109)', () =>
    rejects(request({ authorization: 'Basic x' }), 109, 401));
  it('rejects a body over maxDataBytes with 413 and errno 104', () =>
    rejects(request({ ttl: '60', contentEncoding: 'aes128gcm' }, Buffer.alloc(5631)), 104, 413));
  it('checks TTL before Topic: a missing TTL with a bad topic gives errno 111', () => rejects(request({ topic: 'bad topic' }), 111));
  it('checks Topic before encryption: errno 113 for a bad topic on a body without Content-Encoding', () =>
    rejects(request({ ttl: '1', topic: 'bad topic' }, Buffer.from('x')), 113));
  it('rejects a negative TTL with 400 and errno 114', () => rejects(request({ ttl: '-5' }), 114));
  it('checks Urgency after Topic and before encryption: errno 117 for a bad urgency on a body without Content-Encoding', () => {
    rejects(request({ ttl: '1', topic: 'bad topic', urgency: 'asap' }), 113);
    rejects(request({ ttl: '1', urgency: 'asap' }, Buffer.from('x')), 117);
  });
  it('rejects a body without Content-Encoding with 400 and errno 110', () => rejects(request({ ttl: '1' }, Buffer.from('x')), 110));
  it('checks Push-Receipt after Urgency and before encryption: errno 118 for a URL that is not a receipt subscription of this server', () => {
    rejects(request({ ttl: '1', urgency: 'asap', pushReceipt: 'https://elsewhere.example/receipts/x' }), 117);
    rejects(request({ ttl: '1', pushReceipt: 'https://elsewhere.example/receipts/x' }, Buffer.from('x')), 118);
  });
});

describe('pushHeadersFrom', () => {
  it('picks the send headers from lowercased Node headers, joining repeats', () => {
    assert.deepEqual(pushHeadersFrom({ ttl: '60', 'crypto-key': ['dh=a', 'p256ecdsa=b'], 'content-type': 'x' }), {
      ttl: '60',
      topic: undefined,
      urgency: undefined,
      contentEncoding: undefined,
      encryption: undefined,
      cryptoKey: 'dh=a, p256ecdsa=b',
      authorization: undefined,
      pushReceipt: undefined,
    });
  });
});
