/** Start-up checks of the bridge settings: every bad value names its setting (docs/bridges.md). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSettings, type Settings } from '../config/settings.js';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.js';
import { parseApnsChannels } from './apns/apns-config.js';
import { parseFcmCredentials } from './fcm/fcm-config.js';
import { fcmPriority } from './fcm/fcm-router.js';
import { openBridges } from './open-bridges.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-bridge-config-'));
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const account = { client_email: 'a@p.iam.gserviceaccount.com', private_key: rsa, project_id: 'p', token_uri: 'https://oauth2.example/token' };

describe('--fcm-credentials', () => {
  it('takes the service account as an object, as JSON text, or as a file path', () => {
    const file = join(dir, 'sa.json');
    writeFileSync(file, JSON.stringify(account));
    const apps = parseFcmCredentials(JSON.stringify({ a: { project_id: 'p1', credential: account }, b: { project_id: 'p2', credential: JSON.stringify(account) }, c: { credential: file } }));
    assert.deepEqual([...apps.keys()], ['a', 'b', 'c']);
    assert.equal(apps.get('c')?.projectId, 'p', 'the project id of the file when the entry has none');
    assert.equal(apps.get('a')?.account.tokenUri, 'https://oauth2.example/token');
  });

  it('names the setting and the app for each problem', () => {
    const bad: [unknown, RegExp][] = [
      ['nope', /--fcm-credentials.*not valid JSON/],
      [{ a: { project_id: 'p', credential: '/missing.json' } }, /app "a": cannot read the service-account file/],
      [{ a: { project_id: 'p', credential: { ...account, private_key: 'garbage' } } }, /app "a": .*not a PEM private key/],
      [{ a: { project_id: 'p', credential: { ...account, private_key: ec } } }, /must be an RSA key/],
      [{ a: { project_id: 'p', credential: { private_key: rsa } } }, /lacks client_email/],
      [{ a: { credential: { ...account, project_id: undefined } } }, /needs a project_id/],
    ];
    for (const [value, message] of bad) assert.throws(() => parseFcmCredentials(typeof value === 'string' ? value : JSON.stringify(value)), message);
  });

  it('maps Urgency to FCM priority: NORMAL for low and very-low, HIGH otherwise', () => {
    assert.equal(fcmPriority(undefined), 'HIGH');
    assert.equal(fcmPriority('normal'), 'HIGH');
    assert.equal(fcmPriority('low'), 'NORMAL');
    assert.equal(fcmPriority('very-low'), 'NORMAL');
  });
});

describe('--apns-channels', () => {
  it('reads token-auth and certificate-auth channels, with autopush\'s default topic', () => {
    const channels = parseApnsChannels(JSON.stringify({ ios: { key: ec, key_id: 'K', team_id: 'T', topic: 'org.example', sandbox: true } }));
    const ios = channels.get('ios')!;
    assert.equal(ios.auth.kind, 'token');
    assert.equal(ios.topic, 'org.example');
    assert.equal(ios.sandbox, true);
    const defaulted = parseApnsChannels(JSON.stringify({ beta: { key: ec, key_id: 'K', team_id: 'T' } })).get('beta')!;
    assert.equal(defaulted.topic, 'com.mozilla.org.beta');
    assert.equal(defaulted.sandbox, false);
  });

  it('names the setting and the channel for each problem', () => {
    const bad: [object, RegExp][] = [
      [{ ios: { key: ec, key_id: 'K' } }, /channel "ios": key_id and team_id must both be set/],
      [{ ios: { key: rsa, key_id: 'K', team_id: 'T' } }, /must be a P-256 key/],
      [{ ios: { key: '/missing.p8', key_id: 'K', team_id: 'T' } }, /cannot read key file/],
      [{ ios: { cert: '-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----', key: ec } }, /cert is not a PEM certificate/],
      [{ ios: { key: ec } }, /cert is missing/],
    ];
    for (const [value, message] of bad) assert.throws(() => parseApnsChannels(JSON.stringify(value)), message);
  });
});

describe('openBridges', () => {
  const settings = (over: Partial<Settings>): Settings => ({ ...defaultSettings, endpointUrl: 'https://push.example', cryptoKeys: [], ...over });

  it('is null when no bridge is configured', async () => {
    const store = await openSqliteStore(':memory:');
    assert.equal(await openBridges(settings({}), { store }), null);
    await store.close();
  });

  it('needs --auth-keys once a bridge is configured', async () => {
    const store = await openSqliteStore(':memory:');
    await assert.rejects(openBridges(settings({ bridgeStub: 'on' }), { store }), /--auth-keys/);
    const bridges = await openBridges(settings({ bridgeStub: 'on', fcmCredentials: JSON.stringify({ a: { project_id: 'p', credential: account } }), authKeys: ['k'] }), { store });
    assert.deepEqual(bridges?.types, ['stub', 'fcm', 'gcm']);
    await bridges?.close();
    await store.close();
  });
});
