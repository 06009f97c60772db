import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { messageData } from './message-data.js';

const base = { channelID: '0c8e1b9e-6b0e-4b55-9d4b-4d1b3e1c0a01', version: 'v', ttl: 60, topic: null, timestamp: 1 };

describe('bridge data map', () => {
  it('is the channel id alone for a push without a body', () => {
    assert.deepEqual(messageData(base), { chid: base.channelID });
  });

  it('carries body and con for aes128gcm', () => {
    assert.deepEqual(messageData({ ...base, data: 'AAEC', headers: { encoding: 'aes128gcm' } }), { chid: base.channelID, body: 'AAEC', con: 'aes128gcm' });
  });

  it('carries enc and cryptokey for aesgcm, as autopush names them', () => {
    const n = { ...base, data: 'AAEC', headers: { encoding: 'aesgcm' as const, encryption: 'salt=abc', crypto_key: 'dh=def' } };
    assert.deepEqual(messageData(n), { chid: base.channelID, body: 'AAEC', con: 'aesgcm', enc: 'salt=abc', cryptokey: 'dh=def' });
  });
});
