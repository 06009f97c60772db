import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findParam, parseParamHeader } from './crypto-headers.js';

describe('Crypto-Key / Encryption parameter headers', () => {
  it('splits comma sections of semicolon pairs, trimming spaces and quotes, lowercasing names', () => {
    assert.deepEqual(
      parseParamHeader('keyid=p256dh; DH="BAAA"; p256ecdsa=BBBB , salt=abc').map((s) => ({ ...s })),
      [{ keyid: 'p256dh', dh: 'BAAA', p256ecdsa: 'BBBB' }, { salt: 'abc' }],
    );
  });

  it('finds a parameter in any section, the first one winning', () => {
    assert.equal(findParam('dh=one, p256ecdsa=key', 'p256ecdsa'), 'key');
    assert.equal(findParam('dh=one;dh=two, dh=three', 'dh'), 'one');
    assert.equal(findParam('dh=one', 'salt'), undefined);
    assert.equal(findParam(undefined, 'salt'), undefined);
  });

  it('keeps = inside values (base64 padding) and ignores pairs without =', () => {
    assert.equal(findParam('salt=abc==;junk;rs=10', 'salt'), 'abc==');
    assert.equal(findParam('salt=abc==;junk;rs=10', 'rs'), '10');
  });

  it('does not see inherited object properties as parameters', () => {
    assert.equal(findParam('dh=x', 'constructor'), undefined);
    assert.equal(findParam('__proto__=x', '__proto__'), 'x');
  });
});
