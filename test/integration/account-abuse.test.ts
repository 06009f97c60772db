/**
 * The account API's abuse controls through `herald serve`'s own wiring (src/cli/serve.ts,
 * mount-accounts.ts) on real sockets and a SQLite file: the settings reach the plugin, failed
 * sign-ins count in the node's penalty box, the resulting block refuses the account API (429,
 * errno 114) and the push API (403) alike, CORS is not granted to other origins, deep JSON is
 * a 400, and the device quota holds. Clients take distinct loopback source addresses
 * (127.0.0.x) to act as distinct IPs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startServer, type RunningNode } from '../../src/cli/serve.js';
import { defaultSettings, type Settings } from '../../src/config/settings.js';
import { generateFernetKey } from '../../src/crypto/fernet.js';
import { freePort } from './helpers/herald-process.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function call(port: number, from: string, method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers };
    const req = request({ host: '127.0.0.1', port, method, path, headers, localAddress: from, agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode!, headers: res.headers, json });
      });
    });
    req.setTimeout(20_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('account API abuse controls through herald serve (SQLite)', () => {
  let node: RunningNode;
  let port: number;
  let dir: string;
  const post = (from: string, path: string, body: unknown, token?: string) =>
    call(port, from, 'POST', path, { body: JSON.stringify(body), headers: token ? { authorization: `Bearer ${token}` } : {} });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-account-abuse-'));
    port = await freePort();
    const settings: Settings = {
      ...defaultSettings,
      host: '127.0.0.1',
      port,
      endpointUrl: `http://127.0.0.1:${port}`,
      db: `sqlite:${join(dir, 'herald.db')}`,
      cryptoKeys: [generateFernetKey()],
      routerHost: '127.0.0.1',
      routerHostname: '127.0.0.1',
      routerPort: 0,
      logLevel: 'silent',
      // Low enough to reach with a few scrypt runs; the rest are the shipped defaults.
      penaltyThreshold: 4,
      maxDevicesPerAccount: 1,
    };
    node = await startServer(settings, pino({ level: 'silent' }));
  });
  after(async () => {
    await node?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('grants no CORS to another origin on the account API', async () => {
    const pre = await call(port, '127.0.0.2', 'OPTIONS', '/v1/account/login', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
  });

  it('refuses JSON nested 5,000 levels deep with 400, errno 106', async () => {
    const deep = '{"payload":' + '['.repeat(5000) + ']'.repeat(5000) + '}';
    const res = await call(port, '127.0.0.2', 'POST', '/v1/account/devices/invoke_command', { body: deep, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400);
    assert.equal(res.json.errno, 106);
  });

  it('refuses a second device with 400, errno 901 (max-devices-per-account 1)', async () => {
    const email = 'quota@example.com';
    const password = 'a long and secret passphrase';
    const created = await post('127.0.0.3', '/v1/account/create', { email, password });
    assert.equal(created.status, 200);
    assert.equal((await post('127.0.0.3', '/v1/account/device', { name: 'one' }, created.json.sessionToken)).status, 200);
    const second = await post('127.0.0.3', '/v1/account/login', { email, password });
    const res = await post('127.0.0.3', '/v1/account/device', { name: 'two' }, second.json.sessionToken);
    assert.deepEqual([res.status, res.json.errno], [400, 901]);
  });

  it('counts failed sign-ins in the penalty box; the block refuses the account API with 429 and the push API with 403', async () => {
    const guesser = '127.0.0.4';
    for (let i = 0; i < 4; i++) {
      const res = await post(guesser, '/v1/account/login', { email: 'quota@example.com', password: `wrong guess ${i}` });
      assert.equal(res.status, 400);
    }
    const refused = await post(guesser, '/v1/account/login', { email: 'quota@example.com', password: 'a long and secret passphrase' });
    assert.equal(refused.status, 429);
    assert.equal(refused.json.errno, 114);
    assert.ok(Number(refused.headers['retry-after']) > 500, `Retry-After ${refused.headers['retry-after']}`);
    assert.equal((await call(port, guesser, 'POST', '/wpush/v1/whatever', { headers: { ttl: '60' } })).status, 403);
    assert.equal((await post('127.0.0.5', '/v1/account/login', { email: 'quota@example.com', password: 'a long and secret passphrase' })).status, 200, 'other IPs are served');
  });
});
