/** The config file: JSON or TOML, Herald's names or autopush's, unknown keys rejected. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigFileError, parseConfigText } from './config-file.js';
import { loadSettings, loadSettingsWithNotes, SettingsError } from './load-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('config file', () => {
  it('reads an autoconnect-style TOML file with autopush meanings', () => {
    const path = file(
      'autoconnect.toml',
      [
        'hostname = "conn-2.internal"',
        'port = 8090',
        'endpoint_scheme = "https"',
        'endpoint_hostname = "push.example.com"',
        'endpoint_port = 443',
        'crypto_key = "[mqCGb8D-N7mqx6iWJov9wm70Us6kA9veeXdb8QUuzLQ=]"',
        'auto_ping_interval = 0.5',
        'statsd_host = "localhost"',
        'human_logs = true',
      ].join('\n'),
    );
    const { settings, notes } = loadSettingsWithNotes({ config: path }, {}, 'connect');
    assert.equal(settings.routerHostname, 'conn-2.internal');
    assert.equal(settings.port, 8090);
    assert.equal(settings.endpointUrl, 'https://push.example.com');
    assert.deepEqual(settings.cryptoKeys, ['mqCGb8D-N7mqx6iWJov9wm70Us6kA9veeXdb8QUuzLQ=']);
    assert.equal(settings.autoPingInterval, 0.5);
    assert.deepEqual(notes.find((n) => n.msg.startsWith('config file keys ignored'))?.items, ['statsd_host', 'human_logs']);
  });

  it('reads autoendpoint bridge tables ([fcm], [apns]) as their AUTOEND__FCM__*/APNS__* variables, ignoring keys it does not use', () => {
    const v = parseConfigText(
      'scheme = "https"\nhost = "10.0.0.9"\n[fcm]\nmin_ttl = 90\ncredentials = \'{"app":{"project_id":"p","credential":"/k.json"}}\'\n[apns]\npool_idle_timeout_secs = 5\nmax_data = 2000\n',
      'autoendpoint.toml',
    );
    assert.equal(v.values.host, '10.0.0.9');
    assert.equal(v.endpointScheme, 'https');
    assert.equal(v.values.fcmMinTtl, '90');
    assert.equal(v.values.fcmCredentials, '{"app":{"project_id":"p","credential":"/k.json"}}');
    assert.equal(v.values.apnsMaxData, '2000');
    assert.deepEqual(v.ignored, ['apns.pool_idle_timeout_secs']);
  });

  it('takes the bridge settings fcmCredentials and apnsChannels as JSON objects', () => {
    const fcm = { app: { project_id: 'p', credential: '/etc/herald/sa.json' } };
    const v = parseConfigText(JSON.stringify({ fcmCredentials: fcm, apns_channels: { ios: { cert: '/c.pem', key: '/k.pem' } } }), 'herald.json');
    assert.equal(v.values.fcmCredentials, JSON.stringify(fcm));
    assert.equal(v.values.apnsChannels, '{"ios":{"cert":"/c.pem","key":"/k.pem"}}');
  });

  it('reads JSON with Herald names in camelCase or snake_case, key lists as arrays', () => {
    const path = file(
      'herald.json',
      JSON.stringify({ maxDataBytes: 4096, log_level: 'warn', cryptoKeys: ['mqCGb8D-N7mqx6iWJov9wm70Us6kA9veeXdb8QUuzLQ='], dbSettings: { pool: 3 } }),
    );
    const s = loadSettings({ config: path }, {});
    assert.equal(s.maxDataBytes, 4096);
    assert.equal(s.logLevel, 'warn');
    assert.equal(s.cryptoKeys.length, 1);
    assert.equal(s.dbSettings, '{"pool":3}');
  });

  it('lets a Herald name win over the autopush name for the same setting', () => {
    const v = parseConfigText('{"db_dsn": "sqlite:a.db", "db": "sqlite:b.db"}', 'x.json');
    assert.equal(v.values.db, 'sqlite:b.db');
  });

  it('rejects an unknown key, naming it, the nearest valid key and the valid ones', () => {
    assert.throws(
      () => parseConfigText('prot = 8080', 'herald.toml'),
      (e: unknown) =>
        e instanceof ConfigFileError &&
        e.message.includes('unknown key "prot"') &&
        e.message.includes('did you mean "port"?') &&
        e.message.includes('maxDataBytes') &&
        e.message.includes('endpoint_hostname'),
    );
  });

  it('rejects bad syntax and a value of the wrong shape', () => {
    assert.throws(() => parseConfigText('port = ', 'x.toml'), /not valid TOML/);
    assert.throws(() => parseConfigText('{"port": ', 'x.json'), /not valid JSON/);
    assert.throws(() => parseConfigText('{"port": [1]}', 'x.json'), /key port: expected a string or a number/);
  });

  it('sits below autopush variables, HERALD_* and flags; HERALD_CONFIG names it too', () => {
    const path = file('order.toml', 'port = 7000\nmsg_limit = 3\nmax_ttl = 60\nopen_handshake_timeout = 9');
    const s = loadSettings({ port: '7003' }, { HERALD_CONFIG: path, AUTOCONNECT__MSG_LIMIT: '4', HERALD_MAX_TTL: '61' }, 'serve');
    assert.equal(s.port, 7003);
    assert.equal(s.msgLimit, 4);
    assert.equal(s.maxTtl, 61);
    assert.equal(s.openHandshakeTimeout, 9);
  });

  it('fails to load with a SettingsError when the file is missing or a value is bad', () => {
    assert.throws(() => loadSettings({ config: join(dir, 'missing.toml') }, {}), (e: unknown) => e instanceof SettingsError && /cannot read config file/.test(e.message));
    const bad = file('bad.toml', 'msg_limit = "lots"');
    assert.throws(() => loadSettings({ config: bad }, {}), (e: unknown) => e instanceof SettingsError && /value from config file .*bad\.toml, key msg_limit/.test(e.message));
  });
});
