/** router-key.ts: the router port's shared secret (beyond autopush, docs/protocol.md#configuration-compatibility). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateFernetKey } from '../crypto/fernet.js';
import { RouterKey, deriveRouterKey } from './router-key.js';

describe('RouterKey', () => {
  const k1 = generateFernetKey();
  const k2 = generateFernetKey();

  it('derives the same key from the same crypto key, and a different one from another', () => {
    assert.equal(deriveRouterKey(k1), deriveRouterKey(k1));
    assert.notEqual(deriveRouterKey(k1), deriveRouterKey(k2));
    assert.match(deriveRouterKey(k1), /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(deriveRouterKey(k1), k1, 'the crypto key itself never travels');
  });

  it('lets nodes that share crypto keys accept each other with no router key set', () => {
    const a = RouterKey.fromSettings({ routerKey: '', cryptoKeys: [k1] });
    const b = RouterKey.fromSettings({ routerKey: '', cryptoKeys: [k1] });
    assert.ok(b.accepts(a.header));
    assert.equal(a.header, `Bearer ${deriveRouterKey(k1)}`);
  });

  it('sends with the first crypto key and accepts any, so keys rotate in two steps', () => {
    const rotated = RouterKey.fromSettings({ routerKey: '', cryptoKeys: [k2, k1] });
    const old = RouterKey.fromSettings({ routerKey: '', cryptoKeys: [k1] });
    assert.ok(rotated.accepts(old.header));
    assert.ok(!old.accepts(rotated.header));
  });

  it('uses an explicit router key instead of deriving one', () => {
    const a = RouterKey.fromSettings({ routerKey: 's3cret', cryptoKeys: [k1] });
    assert.equal(a.header, 'Bearer s3cret');
    assert.ok(a.accepts('Bearer s3cret'));
    assert.ok(!a.accepts(`Bearer ${deriveRouterKey(k1)}`));
  });

  it('refuses a missing, wrong or unprefixed key', () => {
    const a = RouterKey.fromSettings({ routerKey: '', cryptoKeys: [k1] });
    assert.ok(!a.accepts(undefined));
    assert.ok(!a.accepts(''));
    assert.ok(!a.accepts('Bearer nope'));
    assert.ok(!a.accepts(deriveRouterKey(k1)));
    assert.ok(!a.accepts(`Bearer ${deriveRouterKey(k2)}`));
  });

  it('cannot be built without a router key or crypto keys', () => {
    assert.throws(() => RouterKey.fromSettings({ routerKey: '', cryptoKeys: [] }), /router key/);
  });
});
