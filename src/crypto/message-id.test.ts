import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors/api-error.js';
import { MultiFernet, generateFernetKey } from './fernet.js';
import { makeMessageId, parseMessageId, receiptKey } from './message-id.js';

const cipher = new MultiFernet([generateFernetKey()]);
const UAID = 'deadbeef00000000decafbad00000000';
const CHID = 'decafbad-0000-4000-a000-000000000123';

const invalid = (err: unknown) => err instanceof ApiError && err.kind === 'invalid-message-id' && err.status === 400;

describe('message ids', () => {
  it('round-trips a topic message id, padding kept', () => {
    const id = makeMessageId(cipher, { uaid: UAID, channelID: CHID, topic: 'weather', receivedMicros: 1 });
    assert.match(id, /=$/);
    assert.deepEqual(parseMessageId(cipher, id), { uaid: UAID, channelID: CHID, topic: 'weather', receivedMicros: null, redelivery: 0 });
  });

  it('round-trips a timestamp message id and keeps the receipt time', () => {
    const id = makeMessageId(cipher, { uaid: UAID, channelID: CHID, topic: null, receivedMicros: 1_700_000_000_123_456 });
    assert.deepEqual(parseMessageId(cipher, id), {
      uaid: UAID,
      channelID: CHID,
      topic: null,
      receivedMicros: 1_700_000_000_123_456,
      redelivery: 0,
    });
  });

  it('marks a redelivered copy with its count in a new, distinct id', () => {
    for (const topic of ['weather', null]) {
      const m = { uaid: UAID, channelID: CHID, topic, receivedMicros: 1_700_000_000_123_456 };
      const original = makeMessageId(cipher, m);
      const copy = makeMessageId(cipher, { ...m, redelivery: 2 });
      assert.notEqual(copy, original);
      assert.equal(parseMessageId(cipher, copy).redelivery, 2);
      assert.equal(parseMessageId(cipher, copy).topic, topic);
      assert.equal(parseMessageId(cipher, original).redelivery, 0);
    }
  });

  it('marks a push with a receipt request (03/04) and keeps one receipt key across redeliveries', () => {
    for (const topic of ['r5', 'weather', null]) {
      const m = { uaid: UAID, channelID: CHID, topic, receivedMicros: 1_700_000_000_123_456, receipt: true };
      const original = parseMessageId(cipher, makeMessageId(cipher, m));
      const copy = parseMessageId(cipher, makeMessageId(cipher, { ...m, redelivery: 1 }));
      assert.deepEqual(original, { uaid: UAID, channelID: CHID, topic, receivedMicros: 1_700_000_000_123_456, redelivery: 0, receipt: true });
      assert.equal(copy.redelivery, 1);
      assert.equal(copy.topic, topic);
      assert.equal(receiptKey(copy), receiptKey(original));
      assert.equal(receiptKey(original), `${UAID}:${CHID}:1700000000123456`);
    }
    const later = parseMessageId(cipher, makeMessageId(cipher, { uaid: UAID, channelID: CHID, topic: 'weather', receivedMicros: 2, receipt: true }));
    assert.notEqual(receiptKey(later), `${UAID}:${CHID}:1700000000123456`, 'a replacing push has its own key');
    assert.equal(receiptKey(parseMessageId(cipher, makeMessageId(cipher, { uaid: UAID, channelID: CHID, topic: 'weather', receivedMicros: 2 }))), null);
  });

  it('encrypts the autopush plaintext layout: 01/02, simple uaid and channel hex', () => {
    const topicId = makeMessageId(cipher, { uaid: UAID, channelID: CHID, topic: 'abc', receivedMicros: 0 });
    assert.equal(cipher.decrypt(topicId).toString(), `01:${UAID}:decafbad00004000a000000000000123:abc`);
    const timeId = makeMessageId(cipher, { uaid: UAID, channelID: CHID, topic: null, receivedMicros: 42 });
    assert.equal(cipher.decrypt(timeId).toString(), `02:${UAID}:decafbad00004000a000000000000123:42`);
  });

  it('accepts an id whose padding was stripped', () => {
    const id = makeMessageId(cipher, { uaid: UAID, channelID: CHID, topic: 't', receivedMicros: 0 });
    assert.equal(parseMessageId(cipher, id.replace(/=+$/, '')).topic, 't');
  });

  it('rejects garbage, foreign keys and well-formed tokens with other plaintexts as invalid-message-id', () => {
    assert.throws(() => parseMessageId(cipher, 'nope'), invalid);
    const foreign = new MultiFernet([generateFernetKey()]);
    const id = makeMessageId(foreign, { uaid: UAID, channelID: CHID, topic: 't', receivedMicros: 0 });
    assert.throws(() => parseMessageId(cipher, id), invalid);
    for (const plain of [
      '',
      `03:${UAID}:decafbad00004000a000000000000123:1`,
      `02:${UAID}:decafbad00004000a000000000000123:abc`,
      `01:${UAID}:decafbad00004000a000000000000123:`,
      `02:${UAID}:not-a-uuid:1`,
      `02:${UAID}`,
    ]) {
      assert.throws(() => parseMessageId(cipher, cipher.encrypt(Buffer.from(plain))), invalid, plain);
    }
  });
});
