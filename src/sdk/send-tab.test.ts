import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decryptTab, encryptTab, generateSendTabKeys, openSendTabKeys, sealSendTabKeys, SendTabError } from './send-tab.js';

const secrets = () => ({ kSync: randomBytes(64), kXCS: randomBytes(16) });

describe('Send Tab keys and payloads', () => {
  it('seal the keys in the Sync envelope {kid, IV, hmac, ciphertext} and open them with the same kSync', () => {
    const s = secrets();
    const keys = generateSendTabKeys();
    const bundle = sealSendTabKeys(keys, s);
    const parsed = JSON.parse(bundle);
    assert.deepEqual(Object.keys(parsed).sort(), ['IV', 'ciphertext', 'hmac', 'kid']);
    assert.equal(parsed.kid, s.kXCS.toString('hex'));
    assert.equal(Buffer.from(parsed.IV, 'base64').length, 16);
    assert.match(parsed.hmac, /^[0-9a-f]{64}$/);
    assert.ok(!bundle.includes(keys.publicKey) && !bundle.includes(keys.authSecret), 'no key in clear');
    assert.ok(bundle.length < 2048, 'fits availableCommands');
    assert.deepEqual(openSendTabKeys(bundle, s), { publicKey: keys.publicKey, authSecret: keys.authSecret });
  });

  it('refuse a bundle of another kSync (stale keys) and a tampered one', () => {
    const s = secrets();
    const bundle = sealSendTabKeys(generateSendTabKeys(), s);
    assert.throws(() => openSendTabKeys(bundle, secrets()), (e: Error) => e instanceof SendTabError && /key ID is different/.test(e.message));
    assert.throws(() => openSendTabKeys(bundle, { ...secrets(), kXCS: s.kXCS }), /HMAC/);
    const parsed = JSON.parse(bundle);
    const swapped = JSON.stringify({ ...parsed, ciphertext: Buffer.from('server-made keys').toString('base64') });
    assert.throws(() => openSendTabKeys(swapped, s), /HMAC/, 'a server cannot substitute its own key');
    assert.throws(() => openSendTabKeys('nope', s), /not JSON/);
    assert.throws(() => openSendTabKeys('{}', s), /lacks/);
  });

  it('encrypt a tab that only the target\'s private key opens', () => {
    const keys = generateSendTabKeys();
    const payload = { entries: [{ title: 'Old', url: 'https://a.example/' }, { title: 'Now ☃', url: 'https://b.example/x?y=1' }], flowID: 'f', streamID: 's' };
    const encrypted = encryptTab(payload, keys);
    assert.match(encrypted, /^[A-Za-z0-9_-]+$/);
    assert.ok(!Buffer.from(encrypted, 'base64url').toString('latin1').includes('b.example'));
    assert.deepEqual(decryptTab(encrypted, keys), { tab: { title: 'Now ☃', url: 'https://b.example/x?y=1' }, payload });
    assert.throws(() => decryptTab(encrypted, generateSendTabKeys()));
  });

  it('refuse a payload without a tab', () => {
    const keys = generateSendTabKeys();
    assert.throws(() => decryptTab(encryptTab({ entries: [], flowID: '', streamID: '' }, keys), keys), /no tab/);
  });
});
