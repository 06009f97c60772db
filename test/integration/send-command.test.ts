/**
 * `herald send` as an operator runs it, against a real Herald process and a client-SDK user
 * agent: the exact text arrives; a subscription Herald no longer knows gets 410 with its errno
 * explained; bad input exits 2 before anything is sent.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PushUserAgent } from '../../src/sdk/index.js';
import { generateVapidKeys } from '../../src/crypto/vapid.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { collectPushes } from './helpers/pushes.js';

const root = new URL('../../', import.meta.url).pathname;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function heraldSend(...args: string[]): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'send', ...args], { cwd: root });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('herald send', () => {
  let herald: HeraldProcess;
  let ua: PushUserAgent;
  let pushes: ReturnType<typeof collectPushes>;
  const dir = mkdtempSync(join(tmpdir(), 'herald-send-'));
  const vapid = generateVapidKeys();
  const vapidFile = join(dir, 'vapid.txt');

  before(async () => {
    herald = await startHerald();
    ua = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false });
    pushes = collectPushes(ua);
    await ua.connect();
    // The two lines `herald vapid` prints.
    writeFileSync(vapidFile, `public key:  ${vapid.publicKey}\nprivate key: ${vapid.privateKey}\n`);
  });
  after(async () => {
    await ua?.close();
    await herald?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the exact text to a subscription file, signed with the key file `herald vapid` wrote, and prints 201 and Location', async () => {
    const sub = await ua.subscribe({ vapidPublicKey: vapid.publicKey });
    const file = join(dir, 'sub.json');
    writeFileSync(file, JSON.stringify({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }));
    const text = 'Grüße vom Operator ✓';
    const run = await heraldSend(file, text, '--vapid-key', vapidFile, '--vapid-subject', 'mailto:ops@example.com', '--ttl', '120', '--topic', 'ops', '--urgency', 'high');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^201 Created$/m);
    assert.match(run.stdout, new RegExp(`^Location: ${herald.endpointUrl}/m/\\S+$`, 'm'));
    assert.match(run.stdout, /^TTL: 120$/m);
    const [push] = await pushes.waitCount(1);
    assert.equal(push!.text, text);
    assert.equal(push!.channelID, sub.channelID);
  });

  it('takes the subscription JSON inline and the --json key pair as the private key alone', async () => {
    const sub = await ua.subscribe({ vapidPublicKey: vapid.publicKey });
    const run = await heraldSend(JSON.stringify(sub), 'inline', '--vapid-key', vapid.privateKey, '--encoding', 'aesgcm');
    assert.equal(run.code, 0, run.stderr);
    const received = await pushes.waitCount(2);
    assert.equal(received[1]!.text, 'inline');
  });

  it('prints 410 with errno 106 explained, and exits 1, once the user agent unsubscribed', async () => {
    const sub = await ua.subscribe();
    assert.equal(await ua.unsubscribe(sub.channelID), true);
    const run = await heraldSend(JSON.stringify(sub), 'too late');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^410 Gone$/m);
    assert.match(run.stderr, /^errno 106 \(no-subscription\): No such subscription$/m);
    assert.match(run.stderr, /^what to do: drop the subscription$/m);
  });

  it('explains a v2 endpoint sent without VAPID (401, errno 109), and a bare endpoint gets an empty push', async () => {
    const sub = await ua.subscribe({ vapidPublicKey: vapid.publicKey });
    const unsigned = await heraldSend(JSON.stringify(sub), 'unsigned');
    assert.equal(unsigned.code, 1);
    assert.match(unsigned.stderr, /^401 Unauthorized$/m);
    assert.match(unsigned.stderr, /^errno 109 \(vapid\): /m);
    assert.match(unsigned.stderr, /^what to do: fix the VAPID signature$/m);

    const bare = await heraldSend(sub.endpoint, '--vapid-key', vapidFile);
    assert.equal(bare.code, 0, bare.stderr);
    const received = await pushes.waitCount(3);
    assert.equal(received[2]!.text, '');
  });

  it('refuses bad input with exit 2 and a message saying how to fix it, sending nothing', async () => {
    const sub = await ua.subscribe();
    const cases: Array<[string[], RegExp]> = [
      [[join(dir, 'missing.json'), 'x'], /neither an http\(s\) endpoint URL nor a file/],
      [['{"endpoint": 5}', 'x'], /has no "endpoint"/],
      [[JSON.stringify({ ...sub, keys: { p256dh: 'short', auth: sub.keys.auth } }), 'x'], /keys\.p256dh must be 65 bytes/],
      [[sub.endpoint, 'text needs keys'], /an endpoint alone has no keys/],
      [[JSON.stringify(sub), 'x', '--vapid-key', 'not-a-key'], /not a VAPID key/],
      [[JSON.stringify(sub), 'x', '--vapid-key', vapidFile.replace('vapid', 'nothere') + 'x'], /not a VAPID key/],
      [[JSON.stringify(sub), 'x', '--ttl', '-5'], /--ttl/],
      [[JSON.stringify(sub), 'x', '--urgency', 'urgent'], /Allowed choices/],
    ];
    for (const [args, message] of cases) {
      const run = await heraldSend(...args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
    assert.equal(pushes.list.length, 3, 'nothing more was delivered');
  });

  it('says which endpoint it could not reach, with exit 1', async () => {
    // Port 9 (discard) on loopback: nothing listens there.
    const run = await heraldSend('http://127.0.0.1:9/', '--ttl', '0');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /could not reach http:\/\/127\.0\.0\.1:9\//);
  });
});
