import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FernetError, MultiFernet, fernetEncryptWith, generateFernetKey } from './fernet.js';

// The "generate" vector of the Fernet spec (github.com/fernet/spec, generate.json).
const SPEC_KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SPEC_TOKEN =
  'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==';
const SPEC_NOW = 499162800;
const SPEC_IV = Buffer.from([...Array(16).keys()]);

describe('Fernet', () => {
  it('produces the spec token for the spec key, time and IV', () => {
    assert.equal(fernetEncryptWith(SPEC_KEY, Buffer.from('hello'), SPEC_NOW, SPEC_IV), SPEC_TOKEN);
  });

  it('decrypts the spec token, padded or with padding stripped, ignoring its 1985 timestamp', () => {
    const f = new MultiFernet([SPEC_KEY]);
    assert.equal(f.decrypt(SPEC_TOKEN).toString(), 'hello');
    assert.equal(f.decrypt(SPEC_TOKEN.replace(/=+$/, '')).toString(), 'hello');
  });

  it('emits URL-safe base64 with padding', () => {
    const token = new MultiFernet([generateFernetKey()]).encrypt(Buffer.from('x'));
    assert.match(token, /^[A-Za-z0-9_-]+=*$/);
    assert.equal(token.length % 4, 0);
  });

  it('round-trips empty and block-sized plaintexts', () => {
    const f = new MultiFernet([generateFernetKey()]);
    for (const n of [0, 1, 15, 16, 17, 64]) {
      const plain = Buffer.alloc(n, 0xab);
      assert.deepEqual(f.decrypt(f.encrypt(plain)), plain);
    }
  });

  it('encrypts with the first key and decrypts with any key after rotation', () => {
    const oldKey = generateFernetKey();
    const newKey = generateFernetKey();
    const before = new MultiFernet([oldKey]).encrypt(Buffer.from('old'));
    const rotated = new MultiFernet([newKey, oldKey]);
    assert.equal(rotated.decrypt(before).toString(), 'old');
    const after = rotated.encrypt(Buffer.from('new'));
    assert.equal(new MultiFernet([newKey]).decrypt(after).toString(), 'new');
    assert.throws(() => new MultiFernet([oldKey]).decrypt(after), FernetError);
  });

  it('rejects a token with any byte altered', () => {
    const f = new MultiFernet([SPEC_KEY]);
    const raw = Buffer.from(SPEC_TOKEN, 'base64url');
    for (const i of [0, 5, 20, 40, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[i] = (bad[i] ?? 0) ^ 1;
      assert.throws(() => f.decrypt(bad.toString('base64url')), FernetError, `byte ${i}`);
    }
  });

  it('rejects garbage, truncation and non-base64 with FernetError', () => {
    const f = new MultiFernet([SPEC_KEY]);
    assert.throws(() => f.decrypt(''), FernetError);
    assert.throws(() => f.decrypt('not a token!'), FernetError);
    assert.throws(() => f.decrypt(SPEC_TOKEN.slice(0, 60)), FernetError);
  });

  it('refuses malformed keys with a message that says how to make one', () => {
    assert.throws(() => new MultiFernet([]), /herald keys/);
    assert.throws(() => new MultiFernet(['short']), /32 bytes of URL-safe base64.*herald keys/);
    assert.throws(() => new MultiFernet([SPEC_KEY, 'a+b/' + SPEC_KEY.slice(4)]), /crypto key #2/);
  });

  it('generates 44-character keys that decode to 32 bytes', () => {
    const key = generateFernetKey();
    assert.equal(key.length, 44);
    assert.equal(Buffer.from(key, 'base64url').length, 32);
  });
});
