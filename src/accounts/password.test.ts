import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decoyHash, hashPassword, verifyPassword } from './password.js';

describe('password hashes', () => {
  it('verify the password they were made from, and no other', async () => {
    const hash = await hashPassword('correct horse battery staple', 10);
    assert.equal(await verifyPassword('correct horse battery staple', hash), true);
    assert.equal(await verifyPassword('correct horse battery stapler', hash), false);
  });

  it('use a fresh salt per hash and record their parameters', async () => {
    const [a, b] = [await hashPassword('same', 10), await hashPassword('same', 10)];
    assert.notEqual(a, b);
    assert.match(a, /^scrypt\$10\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  });

  it('default to N = 2^15', async () => {
    assert.match(await hashPassword('x'), /^scrypt\$15\$/);
  });

  it('treat unicode in its NFC form', async () => {
    const hash = await hashPassword('caf\u00e9', 10);
    assert.equal(await verifyPassword('cafe\u0301', hash), true);
  });

  it('say false, without throwing, for malformed or foreign hashes', async () => {
    for (const bad of ['', 'plain', 'bcrypt$1$2$3$4$5', 'scrypt$x$8$1$AAAA$BBBB', 'scrypt$10$8$1$AAAA$short', 'scrypt$40$8$1$AAAA$' + 'A'.repeat(43)]) {
      assert.equal(await verifyPassword('x', bad), false, bad);
    }
  });

  it('make decoys that match nothing a user types', async () => {
    assert.equal(await verifyPassword('', await decoyHash(10)), false);
  });
});
