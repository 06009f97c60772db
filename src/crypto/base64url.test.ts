import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { b64DecodeLenient, b64uDecode, b64uEncode } from './base64url.js';

describe('base64url', () => {
  it('encodes without padding using the URL-safe alphabet', () => {
    assert.equal(b64uEncode(Buffer.from([0xfb, 0xff, 0xfe, 0x01])), '-__-AQ');
  });

  it('encodes a subarray view, not its whole backing buffer', () => {
    const big = Buffer.from('xxhelloxx');
    assert.equal(b64uEncode(big.subarray(2, 7)), 'aGVsbG8');
  });

  it('decodes padded and unpadded input alike', () => {
    assert.deepEqual(b64uDecode('aGVsbG8'), Buffer.from('hello'));
    assert.deepEqual(b64uDecode('aGVsbG8='), Buffer.from('hello'));
    assert.deepEqual(b64uDecode(''), Buffer.alloc(0));
  });

  it('rejects characters outside the URL-safe alphabet', () => {
    assert.throws(() => b64uDecode('ab$cd'), /unexpected character/);
    assert.throws(() => b64uDecode('ab+/'), /unexpected character/);
    assert.throws(() => b64uDecode('ab cd'), /unexpected character/);
    assert.throws(() => b64uDecode('ab=cd'), /unexpected character/);
  });

  it('rejects an impossible length', () => {
    assert.throws(() => b64uDecode('abcde'), /impossible length/);
  });

  it('lenient decoding accepts the standard alphabet as well', () => {
    assert.deepEqual(b64DecodeLenient('+/+/'), Buffer.from([0xfb, 0xff, 0xbf]));
    assert.deepEqual(b64DecodeLenient('-_-_'), Buffer.from([0xfb, 0xff, 0xbf]));
    assert.deepEqual(b64DecodeLenient('aGVsbG8='), Buffer.from('hello'));
    assert.throws(() => b64DecodeLenient('a*b'), /unexpected character/);
  });

  it('round-trips random bytes of every length up to 64', () => {
    for (let n = 0; n <= 64; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
      assert.deepEqual(b64uDecode(b64uEncode(bytes)), bytes);
    }
  });
});
