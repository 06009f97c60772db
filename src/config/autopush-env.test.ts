/** autopush's AUTOCONNECT__/AUTOEND__ variables (docs/protocol.md#endpoint-urls-and-tokens, docs/protocol.md#liveness-and-limits, docs/protocol.md#configuration-compatibility), through loadSettings. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { joinUrl, readAutopushEnv } from './autopush-env.js';
import { loadSettings, loadSettingsWithNotes, SettingsError } from './load-settings.js';
import { defaultSettings } from './settings.js';

const KEY_A = 'mqCGb8D-N7mqx6iWJov9wm70Us6kA9veeXdb8QUuzLQ=';
const KEY_B = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

describe('AUTOCONNECT__ variables (herald connect)', () => {
  it('map onto settings with autoconnect meanings and formats', () => {
    const s = loadSettings(
      {},
      {
        AUTOCONNECT__PORT: '9080',
        AUTOCONNECT__ROUTER_PORT: '9081',
        AUTOCONNECT__HOSTNAME: 'conn-1.internal',
        AUTOCONNECT__ENDPOINT_SCHEME: 'https',
        AUTOCONNECT__ENDPOINT_HOSTNAME: 'push.example.com',
        AUTOCONNECT__ENDPOINT_PORT: '443',
        AUTOCONNECT__CRYPTO_KEY: `["${KEY_A}", ${KEY_B}]`,
        AUTOCONNECT__DB_DSN: 'postgres://herald@db/herald',
        AUTOCONNECT__DB_SETTINGS: '{"pool_size":4}',
        AUTOCONNECT__AUTO_PING_INTERVAL: '0.5',
        AUTOCONNECT__AUTO_PING_TIMEOUT: '2.5',
        AUTOCONNECT__OPEN_HANDSHAKE_TIMEOUT: '7',
        AUTOCONNECT__MSG_LIMIT: '20',
        AUTOCONNECT__MEGAPHONE_API_URL: 'http://megaphone.internal/v1/broadcasts',
        AUTOCONNECT__MEGAPHONE_POLL_INTERVAL: '10',
      },
      'connect',
    );
    assert.equal(s.port, 9080);
    assert.equal(s.routerPort, 9081);
    assert.equal(s.host, '0.0.0.0', 'HOSTNAME is not a bind address');
    assert.equal(s.routerHostname, 'conn-1.internal');
    assert.equal(s.endpointUrl, 'https://push.example.com');
    assert.deepEqual(s.cryptoKeys, [KEY_A, KEY_B]);
    assert.equal(s.db, 'postgres://herald@db/herald');
    assert.equal(s.dbSettings, '{"pool_size":4}');
    assert.equal(s.autoPingInterval, 0.5);
    assert.equal(s.autoPingTimeout, 2.5);
    assert.equal(s.openHandshakeTimeout, 7);
    assert.equal(s.msgLimit, 20);
    assert.equal(s.megaphoneApiUrl, 'http://megaphone.internal/v1/broadcasts');
    assert.equal(s.megaphonePollInterval, 10);
  });

  it('prefers ROUTER_HOSTNAME over HOSTNAME for the node id', () => {
    const s = loadSettings({}, { AUTOCONNECT__HOSTNAME: 'a', AUTOCONNECT__ROUTER_HOSTNAME: 'b' }, 'connect');
    assert.equal(s.routerHostname, 'b');
  });

  it('fills endpoint URL parts with autoconnect defaults and keeps a non-default port', () => {
    assert.equal(loadSettings({}, { AUTOCONNECT__ENDPOINT_HOSTNAME: 'push.example.com' }, 'connect').endpointUrl, 'http://push.example.com:8082');
    assert.equal(
      loadSettings({}, { AUTOCONNECT__ENDPOINT_SCHEME: 'https', AUTOCONNECT__ENDPOINT_HOSTNAME: 'p.example', AUTOCONNECT__ENDPOINT_PORT: '8443' }, 'connect').endpointUrl,
      'https://p.example:8443',
    );
    assert.equal(loadSettings({}, { AUTOCONNECT__ENDPOINT_HOSTNAME: 'p.example', AUTOCONNECT__ENDPOINT_PORT: '80' }, 'connect').endpointUrl, 'http://p.example');
  });

  it('drops the port only when it is the default of the scheme', () => {
    assert.equal(joinUrl('http', 'h', 443), 'http://h:443');
    assert.equal(joinUrl('https', 'h', '443'), 'https://h');
    assert.equal(joinUrl('http', '::1', 8082), 'http://[::1]:8082');
  });

  it('ignores AUTOEND__ variables, and unknown ones, and lists them', () => {
    const { settings, notes } = loadSettingsWithNotes(
      {},
      { AUTOEND__PORT: '8000', AUTOCONNECT__STATSD_HOST: 'x', AUTOCONNECT__NO_SUCH: '1' },
      'connect',
    );
    assert.equal(settings.port, 8080);
    const ignored = notes.find((n) => n.msg === 'autopush variables ignored');
    assert.equal(ignored?.level, 'debug');
    assert.equal(ignored?.items.length, 3);
    assert.ok(ignored?.items.some((i) => i.startsWith('AUTOCONNECT__NO_SUCH')));
  });

  it('matches the prefix case-insensitively and treats empty values as unset', () => {
    assert.equal(loadSettings({}, { autoconnect__port: '9000', AUTOCONNECT__MSG_LIMIT: '' }, 'connect').port, 9000);
    assert.equal(loadSettings({}, { AUTOCONNECT__MSG_LIMIT: '' }, 'connect').msgLimit, defaultSettings.msgLimit);
  });

  it('names the variable a bad value came from', () => {
    assert.throws(
      () => loadSettings({}, { AUTOCONNECT__AUTO_PING_INTERVAL: 'soon' }, 'connect'),
      (e: unknown) => e instanceof SettingsError && /value from AUTOCONNECT__AUTO_PING_INTERVAL/.test(e.message),
    );
    assert.throws(
      () => loadSettings({}, { AUTOCONNECT__DB_SETTINGS: '[1]' }, 'connect'),
      (e: unknown) => e instanceof SettingsError && /JSON object.*AUTOCONNECT__DB_SETTINGS/.test(e.message),
    );
  });
});

describe('AUTOEND__ variables (herald endpoint)', () => {
  it('map onto settings with autoendpoint meanings and formats', () => {
    const s = loadSettings(
      {},
      {
        AUTOEND__HOST: '10.0.0.7',
        AUTOEND__PORT: '8000',
        AUTOEND__SCHEME: 'https',
        AUTOEND__CRYPTO_KEYS: `[${KEY_A}]`,
        AUTOEND__AUTH_KEYS: `["${KEY_B}"]`,
        AUTOEND__TRACKING_KEYS: '[BIKEY, BJKEY]',
        AUTOEND__DB_DSN: 'redis://cache:6379',
        AUTOEND__DB_SETTINGS: '{}',
        AUTOEND__MAX_DATA_BYTES: '8192',
      },
      'endpoint',
    );
    assert.equal(s.host, '10.0.0.7');
    assert.equal(s.port, 8000);
    assert.equal(s.endpointUrl, 'https://10.0.0.7:8000', 'scheme://host:port without ENDPOINT_URL');
    assert.deepEqual(s.cryptoKeys, [KEY_A]);
    assert.deepEqual(s.authKeys, [KEY_B]);
    assert.deepEqual(s.trackingKeys, ['BIKEY', 'BJKEY']);
    assert.equal(s.db, 'redis://cache:6379');
    assert.equal(s.dbSettings, '{}');
    assert.equal(s.maxDataBytes, 8192);
  });

  it('lets ENDPOINT_URL override scheme, host and port for the URL but not for binding', () => {
    const s = loadSettings({}, { AUTOEND__ENDPOINT_URL: 'https://push.example.com/', AUTOEND__SCHEME: 'http', AUTOEND__HOST: '127.0.0.1' }, 'endpoint');
    assert.equal(s.endpointUrl, 'https://push.example.com');
    assert.equal(s.host, '127.0.0.1');
  });

  it('builds the URL from the port actually used when only SCHEME is given', () => {
    assert.equal(loadSettings({ port: '9443' }, { AUTOEND__SCHEME: 'https' }, 'endpoint').endpointUrl, 'https://127.0.0.1:9443');
    assert.equal(loadSettings({}, { AUTOEND__SCHEME: 'https', AUTOEND__PORT: '443', AUTOEND__HOST: 'push.example' }, 'endpoint').endpointUrl, 'https://push.example');
  });

  it('ignores AUTOCONNECT__ variables', () => {
    assert.equal(loadSettings({}, { AUTOCONNECT__PORT: '9999' }, 'endpoint').port, 8080);
  });
});

describe('herald serve reads both families', () => {
  it('takes each family’s own settings', () => {
    const s = loadSettings({}, { AUTOCONNECT__MSG_LIMIT: '5', AUTOEND__MAX_DATA_BYTES: '4096' }, 'serve');
    assert.equal(s.msgLimit, 5);
    assert.equal(s.maxDataBytes, 4096);
  });

  it('uses the AUTOCONNECT__ value where both disagree, and warns', () => {
    const { settings, notes } = loadSettingsWithNotes({}, { AUTOCONNECT__PORT: '8080', AUTOEND__PORT: '8000' }, 'serve');
    assert.equal(settings.port, 8080);
    const warn = notes.find((n) => n.level === 'warn');
    assert.ok(warn?.items[0]?.includes('AUTOCONNECT__PORT=8080 overrides AUTOEND__PORT=8000'));
  });

  it('prefers an AUTOCONNECT__ endpoint URL over the AUTOEND__ scheme', () => {
    const r = readAutopushEnv({ AUTOEND__SCHEME: 'https', AUTOCONNECT__ENDPOINT_HOSTNAME: 'p.example', AUTOCONNECT__ENDPOINT_PORT: '80' }, 'serve');
    assert.equal(r.values.endpointUrl, 'http://p.example');
    assert.equal(r.endpointScheme, undefined);
  });
});

describe('precedence', () => {
  it('HERALD_* beats autopush variables, and flags beat both', () => {
    const env = { AUTOCONNECT__MSG_LIMIT: '5', HERALD_MSG_LIMIT: '6', AUTOCONNECT__PORT: '7000', HERALD_PORT: '7001' };
    const s = loadSettings({ port: '7002' }, env, 'connect');
    assert.equal(s.msgLimit, 6);
    assert.equal(s.port, 7002);
  });
});
