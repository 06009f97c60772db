import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { b64uEncode } from '../crypto/base64url.js';
import { generateSubscriptionKeys } from '../crypto/ece.js';
import { cloneState, emptyState, keysOf, parseState, toSubscription } from './state.js';
import type { StoredSubscription, UserAgentState } from './types.js';

const CHID = '0f6c8b1e-2a3d-4c5e-9f70-8192a3b4c5d6';

function stored(): StoredSubscription {
  const k = generateSubscriptionKeys();
  return {
    endpoint: 'http://127.0.0.1:8080/wpush/v1/abc',
    privateKey: b64uEncode(k.privateKey),
    publicKey: b64uEncode(k.publicKey),
    auth: b64uEncode(k.auth),
  };
}

function sample(): UserAgentState {
  return { uaid: '0123456789abcdef0123456789abcdef', subscriptions: { [CHID]: stored() } };
}

describe('user agent state', () => {
  it('starts empty', () => {
    assert.deepEqual(emptyState(), { uaid: null, subscriptions: {} });
  });

  it('survives JSON serialisation unchanged', () => {
    const state = sample();
    assert.deepEqual(parseState(JSON.parse(JSON.stringify(state))), state);
  });

  it('keeps an optional vapidPublicKey', () => {
    const state = sample();
    state.subscriptions[CHID]!.vapidPublicKey = 'BA1Hxzyi';
    assert.equal(parseState(state).subscriptions[CHID]!.vapidPublicKey, 'BA1Hxzyi');
  });

  it('copies deeply, so callers cannot change an agent’s state through it', () => {
    const state = sample();
    const copy = cloneState(state);
    copy.subscriptions[CHID]!.endpoint = 'changed';
    delete copy.subscriptions[CHID];
    assert.equal(state.subscriptions[CHID]!.endpoint, 'http://127.0.0.1:8080/wpush/v1/abc');
  });

  it('rejects malformed state naming the field', () => {
    const bad = (mutate: (s: Record<string, any>) => void) => {
      const s = JSON.parse(JSON.stringify(sample())) as Record<string, any>;
      mutate(s);
      return s;
    };
    assert.throws(() => parseState(null), /must be an object/);
    assert.throws(() => parseState(bad((s) => (s.uaid = 'nope'))), /state\.uaid/);
    assert.throws(() => parseState(bad((s) => (s.subscriptions = []))), /state\.subscriptions must be an object/);
    assert.throws(() => parseState(bad((s) => (s.subscriptions = { 'NOT-A-UUID': stored() }))), /not a lowercase dashed UUID/);
    assert.throws(() => parseState(bad((s) => delete s.subscriptions[CHID].endpoint)), /endpoint must be a string/);
    assert.throws(() => parseState(bad((s) => (s.subscriptions[CHID].auth = 'AAAA'))), /auth must be 16 bytes/);
    assert.throws(() => parseState(bad((s) => (s.subscriptions[CHID].privateKey = '!!'))), /privateKey must be 32 bytes/);
  });

  it('turns a stored subscription into PushSubscription JSON and raw keys', () => {
    const sub = stored();
    assert.deepEqual(toSubscription(CHID, sub), {
      channelID: CHID,
      endpoint: sub.endpoint,
      expirationTime: null,
      keys: { p256dh: sub.publicKey, auth: sub.auth },
    });
    const keys = keysOf(sub);
    assert.equal(keys.privateKey.length, 32);
    assert.equal(keys.publicKey.length, 65);
    assert.equal(keys.auth.length, 16);
  });
});
