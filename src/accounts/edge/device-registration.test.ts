import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateSubscriptionKeys } from '../../crypto/ece.js';
import { ApiError } from '../../errors/api-error.js';
import { parseDeviceRegistration } from './device-registration.js';

const allowed = ['https://push.example.com'];
const keys = generateSubscriptionKeys();
const push = {
  pushCallback: 'https://push.example.com/wpush/v1/abc',
  pushPublicKey: keys.publicKey.toString('base64url'),
  pushAuthKey: keys.auth.toString('base64url'),
};

function rejects(body: unknown, message: RegExp): void {
  assert.throws(
    () => parseDeviceRegistration(body, allowed),
    (err: unknown) => err instanceof ApiError && err.kind === 'invalid-parameter' && err.status === 400 && err.errno === 107 && message.test(err.message),
  );
}

describe('device registration body', () => {
  it('accepts a full registration', () => {
    const reg = parseDeviceRegistration(
      { name: 'My phone ☃', type: 'mobile', ...push, capabilities: ['messages', 'messages'], availableCommands: { 'https://identity.mozilla.com/cmd/open-uri': '{}' } },
      allowed,
    );
    assert.deepEqual(reg, {
      name: 'My phone ☃',
      type: 'mobile',
      push: { callback: push.pushCallback, publicKey: push.pushPublicKey, authKey: push.pushAuthKey },
      capabilities: ['messages'],
      availableCommands: { 'https://identity.mozilla.com/cmd/open-uri': '{}' },
    });
  });

  it('accepts an empty body and a rename', () => {
    assert.deepEqual(parseDeviceRegistration({}, allowed), {});
    assert.deepEqual(parseDeviceRegistration({ id: 'a'.repeat(32), name: 'x' }, allowed), { id: 'a'.repeat(32), name: 'x' });
  });

  it('clears the subscription with three empty strings', () => {
    assert.deepEqual(parseDeviceRegistration({ pushCallback: '', pushPublicKey: '', pushAuthKey: '' }, allowed), { push: null });
  });

  it('refuses part of a subscription', () => {
    rejects({ pushCallback: push.pushCallback }, /go together/);
    rejects({ pushCallback: push.pushCallback, pushPublicKey: push.pushPublicKey }, /go together/);
  });

  it('refuses a callback outside the allowed push hosts', () => {
    rejects({ ...push, pushCallback: 'https://evil.example.net/wpush/v1/abc' }, /allowed push host/);
  });

  it('refuses a public key that is not a P-256 point', () => {
    const offCurve = Buffer.from(keys.publicKey);
    offCurve[64] = offCurve[64]! ^ 1;
    rejects({ ...push, pushPublicKey: offCurve.toString('base64url') }, /pushPublicKey/);
    rejects({ ...push, pushPublicKey: keys.publicKey.subarray(0, 33).toString('base64url') }, /pushPublicKey/);
    rejects({ ...push, pushPublicKey: 'not base64!' }, /pushPublicKey/);
  });

  it('refuses an auth key that is not 16 bytes', () => {
    rejects({ ...push, pushAuthKey: Buffer.alloc(12).toString('base64url') }, /pushAuthKey/);
  });

  it('refuses unsafe names, long types, bad ids, unknown fields and odd commands', () => {
    rejects({ name: 'bad\u0000name' }, /name/);
    rejects({ name: 'x'.repeat(256) }, /name/);
    rejects({ type: 'a-very-long-device-type' }, /type/);
    rejects({ id: 'XYZ' }, /id/);
    rejects({ id: 'A'.repeat(32) }, /id/);
    rejects({ color: 'red' }, /color|unrecognized/i);
    rejects({ availableCommands: { 'bad key!': 'x' } }, /availableCommands/);
    rejects({ availableCommands: { ok: 'x'.repeat(2049) } }, /availableCommands/);
    rejects({ capabilities: ['Messages!'] }, /capabilities/);
    rejects('a string', /request body/);
  });
});
