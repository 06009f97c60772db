import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import webpush from 'web-push';
import { b64uDecode, b64uEncode } from './base64url.js';
import {
  EceError,
  decryptRecords,
  decryptWebPush,
  deriveAes128gcmKey,
  deriveWebPushIkm,
  encryptRecords,
  encryptWebPush,
  generateSubscriptionKeys,
  type SubscriptionKeys,
  type WebPushEncoding,
} from './ece.js';
import { recordNonce, sealRecord } from './ece-records.js';
import { ecdhSecret } from './p256.js';

/** http_ece (web-push's own ECE code) ships no types; only `decrypt` is used. */
const ece = createRequire(import.meta.url)('http_ece') as { decrypt(body: Buffer, params: Record<string, unknown>): Buffer };

const d = b64uDecode;
const ENCODINGS: WebPushEncoding[] = ['aes128gcm', 'aesgcm'];

// The examples of RFC 8188 §3.1-3.2 and RFC 8291 Appendix A.
const RFC8188_1 = {
  ikm: d('yqdlZ-tYemfogSmv7Ws5PQ'),
  body: d('I1BsxtFttlv3u_Oo94xnmwAAEAAA-NAVub2qFgBEuQKRapoZu-IxkIva3MEB1PD-ly8Thjg'),
  salt: d('I1BsxtFttlv3u_Oo94xnmw'),
  prk: d('zyeH5phsIsgUyd4oiSEIy35x-gIi4aM7y0hCF8mwn9g'),
  cek: d('_wniytB-ofscZDh4tbSjHw'),
  nonce: d('Bcs8gkIRKLI8GeI8'),
};
const RFC8188_2 = {
  ikm: d('BO3ZVPxUlnLORbVGMpbT1Q'),
  body: d('uNCkWiNYzKTnBN9ji3-qWAAAABkCYTHOG8chz_gnvgOqdGYovxyjuqRyJFjEDyoF1Fvkj6hQPdPHI51OEUKEpgz3SsLWIqS_uA'),
};
const RFC8291 = {
  plaintext: 'When I grow up, I want to be a watermelon',
  uaPrivate: d('q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94'),
  uaPublic: d('BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4'),
  asPrivate: d('yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw'),
  asPublic: d('BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8'),
  auth: d('BTBZMqHH6r4Tts7J_aSIgg'),
  salt: d('DGv6ra1nlYgDCS1FRnbzlw'),
  ecdhSecret: d('kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs'),
  keyInfo: d(
    'V2ViUHVzaDogaW5mbwAEJXGyvs3942BVGq8e0PTNNmwRzr5VX4m8t7GGpTM5FzFo7OLr4BhZe9MEebhuPI-OztV3ylkYfpJGmQ22ggCLDgT-M_SrDepxkU21WCP3O1SUj0EwbZIHMtu5pZpTKGSCIA5Zent7wmC6HCJ5mFgJkuk5cwAvMBKiiujwa7t45ewP',
  ),
  prkKey: d('Snr3JMxaHVDXHWJn5wdC52WjpCtd2EIEGBykDcZW32k'),
  ikm: d('S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg'),
  prk: d('09_eUZGrsvxChDCGRCdkLiDXrReGOEVeSCdCcPBSJSc'),
  cek: d('oIhVW04MRdy2XN9CiKLxTg'),
  nonce: d('4h_95klXJ5E_qnoN'),
  body: d(
    'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
  ),
};
const rfcUaKeys: SubscriptionKeys = { privateKey: RFC8291.uaPrivate, publicKey: RFC8291.uaPublic, auth: RFC8291.auth };

function subOf(keys: SubscriptionKeys) {
  return { p256dh: b64uEncode(keys.publicKey), auth: b64uEncode(keys.auth) };
}

/** The frame-style headers a UA receives: lowercase names, no Content-Encoding. */
function frameHeaders(headers: Record<string, string | number | undefined>) {
  const h: { encryption?: string; crypto_key?: string } = {};
  if (headers.Encryption !== undefined) h.encryption = String(headers.Encryption);
  if (headers['Crypto-Key'] !== undefined) h.crypto_key = String(headers['Crypto-Key']);
  return h;
}

describe('RFC 8188 records', () => {
  it('decrypts the RFC 8188 §3.1 example (one record, rs 4096) and derives its PRK, CEK and NONCE', () => {
    assert.equal(decryptRecords(RFC8188_1.body, RFC8188_1.ikm).toString(), 'I am the walrus');
    const k = deriveAes128gcmKey(RFC8188_1.ikm, RFC8188_1.salt);
    assert.deepEqual(k.prk, RFC8188_1.prk);
    assert.deepEqual(k.cek, RFC8188_1.cek);
    assert.deepEqual(k.nonce, RFC8188_1.nonce);
  });

  it('decrypts the RFC 8188 §3.2 example (two records, rs 25, key id "a1", one padding octet)', () => {
    assert.equal(decryptRecords(RFC8188_2.body, RFC8188_2.ikm).toString(), 'I am the walrus');
  });

  it('round-trips many sizes, record sizes and paddings, including padding that spills into more records', () => {
    const ikm = Buffer.alloc(16, 9);
    for (const rs of [18, 19, 25, 100, 4096]) {
      for (const size of [0, 1, 2, 7, 50, 300]) {
        for (const padding of [0, 1, 40]) {
          const plain = Buffer.from(Array.from({ length: size }, (_, i) => i & 0xff));
          const body = encryptRecords(plain, ikm, { rs, padding, keyid: Buffer.from('k') });
          assert.deepEqual(decryptRecords(body, ikm), plain, `rs ${rs} size ${size} padding ${padding}`);
        }
      }
    }
  });

  it('fails with EceError, never garbage, when a byte is altered or the key is wrong', () => {
    for (let i = 21 + 2; i < RFC8188_2.body.length; i += 7) {
      const bad = Buffer.from(RFC8188_2.body);
      bad[i] = (bad[i] ?? 0) ^ 0x40;
      assert.throws(() => decryptRecords(bad, RFC8188_2.ikm), EceError, `byte ${i}`);
    }
    assert.throws(() => decryptRecords(RFC8188_1.body, RFC8188_2.ikm), /failed authentication/);
  });

  it('detects a body cut at a record boundary (last record not marked final)', () => {
    const body = encryptRecords(Buffer.alloc(30, 1), RFC8188_2.ikm, { rs: 20 });
    assert.throws(() => decryptRecords(body.subarray(0, 21 + 20), RFC8188_2.ikm), /truncated/);
  });

  it('rejects a short header, a tiny record size, an empty body, a short final record and trailing bytes', () => {
    assert.throws(() => decryptRecords(Buffer.alloc(10), RFC8188_1.ikm), /too short/);
    const tinyRs = Buffer.from(RFC8188_1.body);
    tinyRs.writeUInt32BE(17, 16);
    assert.throws(() => decryptRecords(tinyRs, RFC8188_1.ikm), /record size 17/);
    assert.throws(() => decryptRecords(RFC8188_1.body.subarray(0, 21), RFC8188_1.ikm), /no records/);
    const firstRecord = RFC8188_2.body.subarray(0, 23 + 25);
    assert.throws(() => decryptRecords(Buffer.concat([firstRecord, Buffer.alloc(5)]), RFC8188_2.ikm), /too short/);
    assert.throws(() => decryptRecords(Buffer.concat([RFC8188_2.body, Buffer.alloc(20)]), RFC8188_2.ikm), /marked final/);
  });

  it('rejects records with a wrong delimiter: final too early, unknown value, or none at all', () => {
    const ikm = Buffer.alloc(16, 3);
    const salt = Buffer.alloc(16, 4);
    const { cek, nonce } = deriveAes128gcmKey(ikm, salt);
    const header = Buffer.alloc(21);
    salt.copy(header);
    header.writeUInt32BE(20, 16);
    const rec = (seq: number, content: number[]) => sealRecord(cek, recordNonce(nonce, seq), Buffer.from(content));
    const body = (...records: Buffer[]) => Buffer.concat([header, ...records]);
    // rs = 20: every record but the last is 4 plaintext octets + 16 tag octets.
    assert.equal(decryptRecords(body(rec(0, [65, 1, 0, 0]), rec(1, [66, 2, 0])), ikm).toString(), 'AB', 'valid');
    assert.throws(() => decryptRecords(body(rec(0, [65, 66, 3])), ikm), /invalid padding delimiter 3/);
    assert.throws(() => decryptRecords(body(rec(0, [0, 0, 0])), ikm), /no padding delimiter/);
    assert.throws(() => decryptRecords(body(rec(0, [65, 2, 0, 0]), rec(1, [66, 2])), ikm), /marked final but more records follow/);
  });
});

describe('RFC 8291 Web Push encryption', () => {
  it('reproduces every intermediate value of Appendix A', () => {
    assert.deepEqual(ecdhSecret(RFC8291.uaPrivate, RFC8291.asPublic), RFC8291.ecdhSecret);
    assert.deepEqual(ecdhSecret(RFC8291.asPrivate, RFC8291.uaPublic), RFC8291.ecdhSecret);
    assert.deepEqual(Buffer.concat([Buffer.from('WebPush: info\0'), RFC8291.uaPublic, RFC8291.asPublic]), RFC8291.keyInfo);
    assert.deepEqual(createHmac('sha256', RFC8291.auth).update(RFC8291.ecdhSecret).digest(), RFC8291.prkKey);
    const ikm = deriveWebPushIkm({
      ecdhSecret: RFC8291.ecdhSecret,
      authSecret: RFC8291.auth,
      uaPublic: RFC8291.uaPublic,
      asPublic: RFC8291.asPublic,
    });
    assert.deepEqual(ikm, RFC8291.ikm);
    const k = deriveAes128gcmKey(ikm, RFC8291.salt);
    assert.deepEqual(k.prk, RFC8291.prk);
    assert.deepEqual(k.cek, RFC8291.cek);
    assert.deepEqual(k.nonce, RFC8291.nonce);
  });

  it('decrypts the Appendix A message with the user agent’s keys', () => {
    assert.equal(decryptWebPush(RFC8291.body, rfcUaKeys, 'aes128gcm').toString(), RFC8291.plaintext);
  });

  it('encrypts the Appendix A message byte for byte given its salt and sender keys', () => {
    const { body, headers } = encryptWebPush(Buffer.from(RFC8291.plaintext), subOf(rfcUaKeys), {
      salt: RFC8291.salt,
      senderKeys: { privateKey: RFC8291.asPrivate, publicKey: RFC8291.asPublic },
    });
    assert.deepEqual(body, RFC8291.body);
    assert.deepEqual(headers, { 'Content-Encoding': 'aes128gcm' });
  });

  for (const encoding of ENCODINGS) {
    it(`round-trips ${encoding} messages of many sizes, paddings and record sizes`, () => {
      const keys = generateSubscriptionKeys();
      for (const size of [0, 1, 100, 3993, 4078, 4096, 5000]) {
        for (const opts of [{}, { padding: 17 }, { rs: 100 }, { rs: 100, padding: 250 }]) {
          const plain = Buffer.alloc(size, size & 0xff);
          const { body, headers } = encryptWebPush(plain, subOf(keys), { encoding, ...opts });
          assert.equal(headers['Content-Encoding'], encoding);
          assert.deepEqual(decryptWebPush(body, keys, encoding, frameHeaders(headers)), plain, `${size} ${JSON.stringify(opts)}`);
        }
      }
    });

    it(`fails ${encoding} decryption with EceError on any altered byte, wrong keys or a cut body`, () => {
      const keys = generateSubscriptionKeys();
      const { body, headers } = encryptWebPush(Buffer.from('secret message'), subOf(keys), { encoding });
      for (let i = 0; i < body.length; i += 5) {
        const bad = Buffer.from(body);
        bad[i] = (bad[i] ?? 0) ^ 1;
        assert.throws(() => decryptWebPush(bad, keys, encoding, frameHeaders(headers)), EceError, `byte ${i}`);
      }
      const other = generateSubscriptionKeys();
      assert.throws(() => decryptWebPush(body, other, encoding, frameHeaders(headers)), EceError);
      assert.throws(() => decryptWebPush(body.subarray(0, body.length - 1), keys, encoding, frameHeaders(headers)), EceError);
      assert.throws(() => decryptWebPush(Buffer.alloc(0), keys, encoding, frameHeaders(headers)), EceError);
    });
  }

  it('emits the aesgcm headers web-push sends: Encryption salt= and Crypto-Key dh=, rs only when not 4096', () => {
    const keys = generateSubscriptionKeys();
    const { headers } = encryptWebPush(Buffer.from('x'), subOf(keys), { encoding: 'aesgcm' });
    assert.match(headers.Encryption ?? '', /^salt=[A-Za-z0-9_-]{22}$/);
    assert.match(headers['Crypto-Key'] ?? '', /^dh=[A-Za-z0-9_-]{87}$/);
    const withRs = encryptWebPush(Buffer.from('x'), subOf(keys), { encoding: 'aesgcm', rs: 1000 });
    assert.match(withRs.headers.Encryption ?? '', /^salt=[A-Za-z0-9_-]{22};rs=1000$/);
  });

  it('reads aesgcm salt, rs and dh among other parameters, quoted or padded', () => {
    const keys = generateSubscriptionKeys();
    const { body, headers } = encryptWebPush(Buffer.from('among others'), subOf(keys), { encoding: 'aesgcm', rs: 50 });
    const salt = /salt=([^;]+)/.exec(headers.Encryption ?? '')![1]!;
    const dh = /dh=(.+)$/.exec(headers['Crypto-Key'] ?? '')![1]!;
    const variants = [
      { encryption: `keyid=p256dh; salt="${salt}"; rs=50`, crypto_key: `keyid=p256dh;dh="${dh}";p256ecdsa=BAAA` },
      { encryption: `rs=50;salt=${salt}==`, crypto_key: `p256ecdsa=BAAA, dh=${dh}=` },
    ];
    for (const h of variants) assert.equal(decryptWebPush(body, keys, 'aesgcm', h).toString(), 'among others');
  });

  it('refuses aesgcm without salt or dh, or with a bad rs, with EceError', () => {
    const keys = generateSubscriptionKeys();
    const { body, headers } = encryptWebPush(Buffer.from('x'), subOf(keys), { encoding: 'aesgcm' });
    const h = frameHeaders(headers);
    assert.throws(() => decryptWebPush(body, keys, 'aesgcm', { crypto_key: h.crypto_key }), /salt=/);
    assert.throws(() => decryptWebPush(body, keys, 'aesgcm', { encryption: h.encryption }), /dh=/);
    assert.throws(() => decryptWebPush(body, keys, 'aesgcm', { ...h, encryption: `${h.encryption};rs=abc` }), /rs=abc/);
    assert.throws(() => decryptWebPush(body, keys, 'aesgcm', { ...h, crypto_key: 'dh=BAAA' }), EceError);
  });

  it('treats an aesgcm body ending in a full-size record as truncated', () => {
    const keys = generateSubscriptionKeys();
    // 98 octets of data fill one rs=100 record exactly, so an empty final record follows (18 octets).
    const { body, headers } = encryptWebPush(Buffer.alloc(98, 1), subOf(keys), { encoding: 'aesgcm', rs: 100 });
    assert.equal(body.length, 116 + 18);
    assert.throws(() => decryptWebPush(body.subarray(0, 116), keys, 'aesgcm', frameHeaders(headers)), /truncated/);
  });

  it('refuses malformed subscription keys when encrypting', () => {
    const keys = generateSubscriptionKeys();
    assert.throws(() => encryptWebPush(Buffer.from('x'), { p256dh: 'BAAA', auth: b64uEncode(keys.auth) }), EceError);
    assert.throws(() => encryptWebPush(Buffer.from('x'), { p256dh: b64uEncode(keys.publicKey), auth: 'AAAA' }), /auth/);
  });

  it('generates 32-byte private keys, 65-byte public points and 16-byte auth secrets', () => {
    for (let i = 0; i < 50; i++) {
      const k = generateSubscriptionKeys();
      assert.equal(k.privateKey.length, 32);
      assert.equal(k.publicKey.length, 65);
      assert.equal(k.auth.length, 16);
    }
  });
});

describe('interop with the web-push library', () => {
  for (const encoding of ENCODINGS) {
    it(`decrypts what web-push.encrypt produces (${encoding})`, () => {
      const keys = generateSubscriptionKeys();
      const sub = subOf(keys);
      const text = `web-push ${encoding} ✓ ünïcödé`;
      const out = webpush.encrypt(sub.p256dh, sub.auth, text, encoding);
      // Typed as a string by @types/web-push, but a Buffer at run time.
      const local: unknown = out.localPublicKey;
      const dh = Buffer.isBuffer(local) ? b64uEncode(local) : String(local);
      const headers = { encryption: `salt=${out.salt}`, crypto_key: `dh=${dh}` };
      assert.equal(decryptWebPush(out.cipherText, keys, encoding, headers).toString(), text);
    });

    it(`decrypts a full web-push request with VAPID headers (${encoding})`, () => {
      const keys = generateSubscriptionKeys();
      const vapid = webpush.generateVAPIDKeys();
      const req = webpush.generateRequestDetails({ endpoint: 'https://push.example.com/wpush/v1/x', keys: subOf(keys) }, 'hello', {
        contentEncoding: encoding,
        vapidDetails: { subject: 'mailto:a@b', ...vapid },
      });
      const headers = req.headers as Record<string, string>;
      assert.equal(headers['Content-Encoding'], encoding);
      assert.equal(decryptWebPush(req.body, keys, encoding, frameHeaders(headers)).toString(), 'hello');
    });

    it(`produces ${encoding} bodies that the http_ece library decrypts`, () => {
      const keys = generateSubscriptionKeys();
      const { body, headers } = encryptWebPush(Buffer.from('to http_ece'), subOf(keys), { encoding, padding: 5 });
      const receiver = createECDH('prime256v1');
      receiver.setPrivateKey(keys.privateKey);
      const params: Record<string, unknown> = { version: encoding, privateKey: receiver, authSecret: b64uEncode(keys.auth) };
      if (encoding === 'aesgcm') {
        params.salt = /salt=([^;]+)/.exec(headers.Encryption ?? '')![1];
        params.dh = /dh=(.+)$/.exec(headers['Crypto-Key'] ?? '')![1];
      }
      assert.equal(ece.decrypt(body, params).toString(), 'to http_ece');
    });
  }
});
