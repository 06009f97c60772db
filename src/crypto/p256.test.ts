import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { b64uDecode } from './base64url.js';
import { ecdhSecret, generateP256KeyPair, p256PublicFromPrivate, p256PublicKey } from './p256.js';

describe('P-256 raw keys', () => {
  it('generates pairs whose public point matches the private scalar, always 32 + 65 bytes', () => {
    for (let i = 0; i < 100; i++) {
      const pair = generateP256KeyPair();
      assert.equal(pair.privateKey.length, 32);
      assert.deepEqual(p256PublicFromPrivate(pair.privateKey), pair.publicKey);
    }
  });

  it('agrees on the ECDH secret from both sides', () => {
    const a = generateP256KeyPair();
    const b = generateP256KeyPair();
    assert.deepEqual(ecdhSecret(a.privateKey, b.publicKey), ecdhSecret(b.privateKey, a.publicKey));
  });

  it('refuses points that are short, compressed or off the curve', () => {
    const good = b64uDecode('BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs');
    assert.ok(p256PublicKey(good));
    assert.throws(() => p256PublicKey(good.subarray(0, 33)), /uncompressed/);
    const off = Buffer.from(good);
    off[64] = (off[64] ?? 0) ^ 1;
    assert.throws(() => p256PublicKey(off), /not a point on the P-256 curve/);
    assert.throws(() => ecdhSecret(generateP256KeyPair().privateKey, off));
  });
});
