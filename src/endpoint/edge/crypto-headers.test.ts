import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../errors/api-error.js';
import { normaliseParamHeader, parseCryptoHeaders, parseParamSections, type RawCryptoHeaders } from './crypto-headers.js';

const rejects = (raw: RawCryptoHeaders, message: string) =>
  assert.throws(
    () => parseCryptoHeaders(raw, true),
    (e: unknown) => e instanceof ApiError && e.kind === 'invalid-encryption' && e.status === 400 && e.errno === 110 && e.message === message,
  );

describe('parseCryptoHeaders', () => {
  it('drops all crypto headers of an empty body without checking them', () => {
    assert.equal(parseCryptoHeaders({ contentEncoding: 'gzip', encryption: 'salt=x' }, false), undefined);
    assert.equal(parseCryptoHeaders({}, false), undefined);
  });

  it('rejects a body without Content-Encoding with errno 110 "Missing Content-Encoding header"', () =>
    rejects({}, 'Missing Content-Encoding header'));
  it('rejects an unknown Content-Encoding with errno 110 "Unknown Content-Encoding header"', () => {
    rejects({ contentEncoding: 'gzip' }, 'Unknown Content-Encoding header');
    rejects({ contentEncoding: '' }, 'Unknown Content-Encoding header');
  });

  it('accepts aes128gcm alone', () => assert.deepEqual(parseCryptoHeaders({ contentEncoding: 'aes128gcm' }, true), { encoding: 'aes128gcm' }));
  it('accepts aes128gcm with a Crypto-Key holding only p256ecdsa, and forwards it', () =>
    assert.deepEqual(parseCryptoHeaders({ contentEncoding: 'aes128gcm', cryptoKey: 'p256ecdsa=BKey==' }, true), {
      encoding: 'aes128gcm',
      crypto_key: 'p256ecdsa=BKey',
    }));
  it('rejects aes128gcm with a salt in Encryption', () =>
    rejects({ contentEncoding: 'aes128gcm', encryption: 'salt=abc' }, "Do not include 'salt' in the Encryption header with aes128gcm"));
  it('rejects aes128gcm with a dh in Crypto-Key', () =>
    rejects({ contentEncoding: 'aes128gcm', cryptoKey: 'dh=abc' }, "Do not include 'dh' in the Crypto-Key header with aes128gcm"));

  it('accepts aesgcm with a salt and a dh, normalising quotes and padding', () =>
    assert.deepEqual(
      parseCryptoHeaders({ contentEncoding: 'aesgcm', encryption: 'salt="c2FsdA=="', cryptoKey: 'dh=ZGg=;p256ecdsa="a2V5="' }, true),
      { encoding: 'aesgcm', encryption: 'salt=c2FsdA', crypto_key: 'dh=ZGg;p256ecdsa=a2V5' },
    ));
  it('accepts aesgcm without a Crypto-Key', () =>
    assert.deepEqual(parseCryptoHeaders({ contentEncoding: 'aesgcm', encryption: 'salt=abc' }, true), { encoding: 'aesgcm', encryption: 'salt=abc' }));
  it('finds salt and dh in any comma-separated section', () =>
    assert.ok(parseCryptoHeaders({ contentEncoding: 'aesgcm', encryption: 'keyid=p256dh, salt=abc', cryptoKey: 'keyid=a;x=y, dh=abc' }, true)));
  it('rejects aesgcm without an Encryption header', () => rejects({ contentEncoding: 'aesgcm' }, 'Missing Encryption header'));
  it('rejects aesgcm whose Encryption has no salt', () =>
    rejects({ contentEncoding: 'aesgcm', encryption: 'rs=4096' }, 'Missing salt value in Encryption header'));
  it('rejects aesgcm whose salt is not base64url', () =>
    rejects({ contentEncoding: 'aesgcm', encryption: 'salt=a+b/c' }, 'Invalid salt value in Encryption header'));
  it('rejects aesgcm whose Crypto-Key has no dh', () =>
    rejects({ contentEncoding: 'aesgcm', encryption: 'salt=abc', cryptoKey: 'p256ecdsa=abc' }, 'Missing dh value in Crypto-Key header'));
  it('rejects aesgcm whose dh is not base64url', () =>
    rejects({ contentEncoding: 'aesgcm', encryption: 'salt=abc', cryptoKey: 'dh=a b' }, 'Invalid dh value in Crypto-Key header'));
  it('rejects an Encryption header that is not name=value pairs', () =>
    rejects({ contentEncoding: 'aesgcm', encryption: 'salt' }, 'Invalid Encryption header'));
  it('rejects a Crypto-Key header that is not name=value pairs', () =>
    rejects({ contentEncoding: 'aesgcm', encryption: 'salt=abc', cryptoKey: 'garbage' }, 'Invalid Crypto-Key header'));
  it('caps Crypto-Key and Encryption at 1024 bytes and 8 parameters (a real one has 4 at most)', () => {
    const dh = 'B'.repeat(87);
    const legit = `dh=${dh};p256ecdsa=${dh};keyid=p256dh`;
    assert.deepEqual(parseCryptoHeaders({ contentEncoding: 'aesgcm', encryption: 'salt=abc;rs=4096;keyid=p256dh', cryptoKey: legit }, true)?.crypto_key, legit);
    rejects({ contentEncoding: 'aes128gcm', cryptoKey: ','.repeat(14_000) }, 'Crypto-Key header too long (at most 1024 bytes)');
    rejects({ contentEncoding: 'aes128gcm', cryptoKey: `p256ecdsa=${dh}` + ','.repeat(8) }, 'Crypto-Key header has too many parameters (at most 8)');
    rejects({ contentEncoding: 'aesgcm', encryption: `salt=abc;${'a=b;'.repeat(8)}`, cryptoKey: legit }, 'Encryption header has too many parameters (at most 8)');
    rejects({ contentEncoding: 'aesgcm', encryption: `salt=${'A'.repeat(1100)}` }, 'Encryption header too long (at most 1024 bytes)');
  });
});

describe('normaliseParamHeader', () => {
  it('strips quotes and base64 padding before , ; or the end', () => {
    assert.equal(normaliseParamHeader('salt="abc==";rs=4096'), 'salt=abc;rs=4096');
    assert.equal(normaliseParamHeader('dh=abc=, p256ecdsa=xyz=='), 'dh=abc, p256ecdsa=xyz');
    assert.equal(normaliseParamHeader('keyid=p256dh;dh=abc'), 'keyid=p256dh;dh=abc');
  });
});

describe('parseParamSections', () => {
  it('parses comma-separated sections of ;-separated pairs, names lowercased', () => {
    const sections = parseParamSections('Salt=abc; rs=4096, keyid=x');
    assert.deepEqual(sections?.map((m) => Object.fromEntries(m)), [{ salt: 'abc', rs: '4096' }, { keyid: 'x' }]);
  });
  it('returns null for a piece without =', () => assert.equal(parseParamSections('a=b;c'), null));
});
