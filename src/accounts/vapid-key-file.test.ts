import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signVapid, verifyVapidToken } from '../crypto/vapid.js';
import { b64uDecode } from '../crypto/base64url.js';
import { defaultVapidKeyFilePath, loadOrCreateVapidKeys } from './vapid-key-file.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-vapid-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Herald\'s VAPID key file', () => {
  it('is created once with mode 0600 and read back unchanged', () => {
    const path = join(dir, 'sub', 'vapid.json');
    const first = loadOrCreateVapidKeys(path);
    assert.equal(first.created, true);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const second = loadOrCreateVapidKeys(path);
    assert.deepEqual(second, { keys: first.keys, created: false });
    const signed = signVapid({ ...first.keys, audience: 'https://push.example.com' });
    assert.equal(verifyVapidToken(signed.token, b64uDecode(first.keys.publicKey), { audience: 'https://push.example.com' }).aud, 'https://push.example.com');
  });

  it('refuses a file that is not JSON or whose keys do not match, saying how to fix it', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, 'nope');
    assert.throws(() => loadOrCreateVapidKeys(bad), /not valid JSON.*Restore it from a backup/);
    const a = loadOrCreateVapidKeys(join(dir, 'a.json')).keys;
    const b = loadOrCreateVapidKeys(join(dir, 'b.json')).keys;
    writeFileSync(bad, JSON.stringify({ publicKey: a.publicKey, privateKey: b.privateKey }));
    assert.throws(() => loadOrCreateVapidKeys(bad), /does not belong to the private key/);
    assert.equal(JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')).publicKey, a.publicKey);
  });

  it('lives beside the SQLite file by default', () => {
    assert.equal(defaultVapidKeyFilePath('sqlite:/var/lib/herald/herald.db'), '/var/lib/herald/herald-vapid.json');
    assert.equal(defaultVapidKeyFilePath('sqlite::memory:'), './data/herald-vapid.json');
  });
});
