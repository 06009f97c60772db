/**
 * `npm run demo` (scripts/demo.mjs) as a developer runs it: Herald and the example site start,
 * the banner gives both URLs and the Firefox settings, a subscription made through this Herald
 * gets the site's message, and Ctrl-C (SIGINT) stops both.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PushUserAgent } from '../../src/sdk/index.js';
import { freePort } from './helpers/herald-process.js';
import { collectPushes } from './helpers/pushes.js';
import { waitFor } from './helpers/wait.js';

const root = new URL('../../', import.meta.url).pathname;

describe('npm run demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-demo-script-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts Herald and the site, prints the URLs and Firefox prefs, delivers, and stops both on Ctrl-C', async () => {
    const [heraldPort, sitePort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, ['scripts/demo.mjs', '--port', String(heraldPort), '--router-port', '0', '--db', `sqlite:${join(dir, 'herald.db')}`], {
      cwd: root,
      env: { ...process.env, DEMO_PORT: String(sitePort), DEMO_DATA_DIR: join(dir, 'site') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(`the demo banner; output so far:\n${out}`, () => out.includes('Herald demo is running'), 60_000);
      const wsUrl = `ws://127.0.0.1:${heraldPort}/`;
      const site = `http://localhost:${sitePort}/`;
      assert.ok(out.includes(`Demo site:              ${site}`), out);
      assert.ok(out.includes(`${site}admin`));
      assert.match(out, new RegExp(`dom\\.push\\.serverURL\\s+= ${wsUrl}`));
      assert.match(out, /dom\.push\.testing\.allowInsecureServerURL\s+= true/);
      assert.ok(out.includes(`user_pref("dom.push.serverURL", "${wsUrl}");`));

      const ua = new PushUserAgent({ serverUrl: wsUrl, reconnect: false });
      const pushes = collectPushes(ua);
      await ua.connect();
      try {
        const { vapidPublicKey } = (await (await fetch(`${site}api/config`)).json()) as { vapidPublicKey: string };
        const sub = await ua.subscribe({ vapidPublicKey });
        const saved = await fetch(`${site}api/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subscription: sub }) });
        assert.equal(saved.status, 201);
        const sent = await fetch(`${site}api/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'from npm run demo' }) });
        assert.equal(((await sent.json()) as { delivered: number }).delivered, 1);
        assert.equal((await pushes.waitCount(1))[0]!.text, 'from npm run demo');
      } finally {
        await ua.close();
      }
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, out);
    for (const url of [`http://127.0.0.1:${heraldPort}/__heartbeat__`, `http://127.0.0.1:${sitePort}/api/config`]) {
      await assert.rejects(fetch(url), `${url} is closed`);
    }
  });
});
