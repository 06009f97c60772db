import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { envName, loadSettings, parseKeyList, SettingsError } from './load-settings.js';

describe('loadSettings', () => {
  it('uses the defaults and derives the endpoint URL from the port', () => {
    const s = loadSettings({}, {});
    assert.equal(s.port, 8080);
    assert.equal(s.endpointUrl, 'http://127.0.0.1:8080');
    assert.equal(s.db, 'sqlite:./data/herald.db');
    assert.deepEqual(s.cryptoKeys, []);
  });

  it('lets flags override the environment and the environment override defaults', () => {
    const s = loadSettings({ port: '9000' }, { HERALD_PORT: '7000', HERALD_MSG_LIMIT: '20' });
    assert.equal(s.port, 9000);
    assert.equal(s.msgLimit, 20);
  });

  it('strips a trailing slash from the endpoint URL', () => {
    assert.equal(loadSettings({ endpointUrl: 'https://push.example.com/' }, {}).endpointUrl, 'https://push.example.com');
  });

  it('rejects a bad value with the flag and variable to fix', () => {
    assert.throws(
      () => loadSettings({ port: 'eighty' }, {}),
      (e: unknown) => e instanceof SettingsError && /--port \(or HERALD_PORT\)/.test(e.message),
    );
    assert.throws(() => loadSettings({ endpointUrl: 'ftp://x' }, {}), SettingsError);
  });

  it('takes an ack window of 0 to 1000 ms, default 100, and msg-limit 0 (off) by default', () => {
    assert.equal(loadSettings({}, {}).ackWindowMs, 100);
    assert.equal(loadSettings({}, {}).msgLimit, 0);
    assert.equal(loadSettings({ ackWindowMs: '0' }, {}).ackWindowMs, 0);
    assert.equal(loadSettings({}, { HERALD_ACK_WINDOW_MS: '1000' }).ackWindowMs, 1000);
    for (const bad of ['1001', '-1', '2.5', 'soon']) {
      assert.throws(
        () => loadSettings({ ackWindowMs: bad }, {}),
        (e: unknown) => e instanceof SettingsError && /--ack-window-ms \(or HERALD_ACK_WINDOW_MS\)/.test(e.message),
        bad,
      );
    }
  });

  it('freezes the result', () => {
    assert.ok(Object.isFrozen(loadSettings({}, {})));
  });
});

describe('parseKeyList', () => {
  it('reads autopush bracketed lists with quotes and spaces', () => {
    assert.deepEqual(parseKeyList('[a, "b" ,\'c\']'), ['a', 'b', 'c']);
    assert.deepEqual(parseKeyList('a,b'), ['a', 'b']);
    assert.deepEqual(parseKeyList(''), []);
  });
});

describe('envName', () => {
  it('maps camelCase keys to HERALD_SNAKE_CASE', () => {
    assert.equal(envName('maxDataBytes'), 'HERALD_MAX_DATA_BYTES');
    assert.equal(envName('db'), 'HERALD_DB');
  });
});
