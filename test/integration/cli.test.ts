/**
 * The command line as a user meets it: --help documents every flag, the documented serve
 * invocation works, and keys generated on first start are reused on the next.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settingsCatalog } from '../../src/config/catalog.js';
import { kebab } from '../../src/config/load-settings.js';
import { freePort, startHerald } from './helpers/herald-process.js';
import { waitFor } from './helpers/wait.js';
import { RawClient } from './helpers/raw-client.js';

const root = new URL('../../', import.meta.url).pathname;
const herald = (...args: string[]) =>
  execFileSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8' });

describe('herald CLI', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('documents every setting in `herald serve --help`', () => {
    const help = herald('serve', '--help');
    for (const doc of settingsCatalog) assert.ok(help.includes(`--${kebab(doc.key)}`), `--${kebab(doc.key)} is documented`);
    assert.match(help, /--keys-file/);
  });

  it('shows only the flags of its role in `herald connect --help` and `herald endpoint --help`', () => {
    const connect = herald('connect', '--help');
    const endpoint = herald('endpoint', '--help');
    for (const doc of settingsCatalog) {
      const flag = `--${kebab(doc.key)} `;
      assert.equal(connect.includes(flag), !doc.roles || doc.roles.includes('connect'), `connect ${flag}`);
      assert.equal(endpoint.includes(flag), !doc.roles || doc.roles.includes('endpoint'), `endpoint ${flag}`);
    }
    assert.match(connect, /--router-port/);
    assert.doesNotMatch(endpoint, /--router-port/);
  });

  it('has --help on every command', () => {
    const top = herald('--help');
    for (const cmd of ['serve', 'connect', 'endpoint', 'keys', 'vapid', 'send']) {
      assert.match(top, new RegExp(`\\b${cmd}\\b`));
      assert.match(herald(cmd, '--help'), /Usage: herald/);
    }
  });

  it('prints a new crypto key and a VAPID key pair', () => {
    assert.match(herald('keys').trim(), /^[A-Za-z0-9_-]{43}=$/);
    const pair = JSON.parse(herald('vapid', '--json')) as { publicKey: string; privateKey: string };
    assert.equal(Buffer.from(pair.publicKey, 'base64url').length, 65);
    assert.equal(Buffer.from(pair.privateKey, 'base64url').length, 32);
  });

  it('refuses a bad flag value with a message naming the flag', () => {
    assert.throws(
      () => execFileSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'serve', '--port', 'x'], { cwd: root, stdio: 'pipe' }),
      (e: { status: number; stderr: Buffer }) => e.status === 2 && /--port/.test(e.stderr.toString()),
    );
  });

  it('serves with --port, --db sqlite:PATH and --endpoint-url, printing the URLs, and keeps its keys', async () => {
    const h = await startHerald();
    dirs.push(h.dataDir);
    try {
      assert.match(h.output(), new RegExp(`ws://127\\.0\\.0\\.1:${h.port}/`));
      assert.match(h.output(), /Generated crypto keys/);
      const keyFile = join(h.dataDir, 'herald-keys.json');
      assert.ok(existsSync(keyFile));
      assert.equal(statSync(keyFile).mode & 0o777, 0o600);
      const keys = readFileSync(keyFile, 'utf8');
      const c = await RawClient.connect(h.wsUrl);
      await c.hello();
      const { pushEndpoint } = await c.register('5a0d3a4e-8a6f-4a1e-9d7e-0c1b2a3d4e5f');
      assert.ok(pushEndpoint.startsWith(`${h.endpointUrl}/wpush/v1/`));
      c.close();
      await h.restart();
      assert.doesNotMatch(h.output(), /Generated crypto keys/);
      assert.equal(readFileSync(keyFile, 'utf8'), keys);
      const res = await fetch(pushEndpoint, { method: 'POST', headers: { TTL: '60' } });
      assert.equal(res.status, 201, 'an endpoint made before the restart still resolves');
    } finally {
      await h.stop();
    }
  });

  it('answers the health routes', async () => {
    const h = await startHerald();
    dirs.push(h.dataDir);
    try {
      const hb = await fetch(`${h.endpointUrl}/__heartbeat__`);
      assert.equal(hb.status, 200);
      assert.equal((await hb.json()).status, 'OK');
      assert.equal((await fetch(`${h.endpointUrl}/__lbheartbeat__`)).status, 200);
      assert.equal((await (await fetch(`${h.endpointUrl}/status`)).json()).status, 'OK');
      assert.equal((await (await fetch(`${h.endpointUrl}/health`)).json()).status, 'OK');
      assert.ok((await (await fetch(`${h.endpointUrl}/__version__`)).json()).version);
    } finally {
      await h.stop();
    }
  });

  it('stores in ./data/ under the working directory when no --db is given', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'herald-cwd-'));
    dirs.push(cwd);
    const port = await freePort();
    const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
    const proc = spawn(process.execPath, ['--import', tsx, join(root, 'src/cli/main.ts'), 'serve', '--port', String(port), '--host', '127.0.0.1', '--router-port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d));
    proc.stderr.on('data', (d: Buffer) => (out += d));
    try {
      await waitFor('the start-up lines', () => out.includes('is running'), 20_000);
      assert.ok(existsSync(join(cwd, 'data', 'herald.db')), 'the SQLite file is in ./data/');
      assert.ok(existsSync(join(cwd, 'data', 'herald-keys.json')), 'the keys are in ./data/');
      assert.match(out, new RegExp(`http://127\\.0\\.0\\.1:${port}/wpush/`));
    } finally {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
  });
});
