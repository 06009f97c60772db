import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { b64uDecode } from '../crypto/base64url.js';
import { generateVapidKeys, signVapid, verifyVapidToken } from '../crypto/vapid.js';
import { openSqliteAccountStore } from '../storage/accounts/sqlite/sqlite-account-store.js';
import { parseKeyPair, serviceVapidKeys } from './service-vapid-key.js';

describe("Herald's VAPID key", () => {
  it('is created once and read back unchanged by every store on the database', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'herald-vapid-')), 'herald.db');
    const [a, b] = [await openSqliteAccountStore(path), await openSqliteAccountStore(path)];
    try {
      const keys = await serviceVapidKeys(a);
      assert.deepEqual(await serviceVapidKeys(b), keys);
      assert.deepEqual(await serviceVapidKeys(a), keys);
      const signed = signVapid({ ...keys, audience: 'https://push.example.com' });
      assert.equal(verifyVapidToken(signed.token, b64uDecode(keys.publicKey), { audience: 'https://push.example.com' }).aud, 'https://push.example.com');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('refuses a stored value that is not JSON or whose keys do not match, saying how to fix it', () => {
    assert.throws(() => parseKeyPair('nope'), /not valid JSON.*Delete the "vapid" row/);
    const [x, y] = [generateVapidKeys(), generateVapidKeys()];
    assert.throws(() => parseKeyPair(JSON.stringify({ publicKey: x.publicKey, privateKey: y.privateKey })), /does not belong to the private key/);
    assert.throws(() => parseKeyPair('{}'), /must be strings/);
    assert.deepEqual(parseKeyPair(JSON.stringify(x)), x);
  });
});
