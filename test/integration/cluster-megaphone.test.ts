/**
 * Megaphone broadcasts across a cluster (issue 3, "Megaphone broadcasts";
 * docs/protocol.md#megaphone-broadcasts):
 * a broadcast source served by this test over HTTP, and two `herald connect` processes on one
 * shared store that poll it, one configured by `AUTOCONNECT__MEGAPHONE_*` variables and one by
 * flags. Each answers `hello` and `broadcast_subscribe` with the changed versions and `errors` for
 * unknown ids, and sends a change to its subscribed user agents on the ping tick.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateFernetKey } from '../../src/crypto/fernet.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { RawClient } from './helpers/raw-client.js';

type Broadcasts = Record<string, string | Record<string, string>>;
type Frame = { messageType: string; status?: number; uaid?: string; broadcasts?: Broadcasts };

const MONITOR = 'remote-settings/monitor_changes';
const OTHER = 'test/other';

describe('Megaphone broadcasts on two connection nodes polling one source', { timeout: 60_000 }, () => {
  /** What the source serves now; the test changes it. */
  const versions: Record<string, string> = { [MONITOR]: '"100"', [OTHER]: 'o1' };
  let polls = 0;
  let source: Server;
  let sourceUrl: string;
  let dir: string;
  let a: HeraldProcess | undefined;
  let b: HeraldProcess | undefined;
  const clients: RawClient[] = [];

  before(async () => {
    source = createServer((req, res) => {
      polls++;
      if (req.url !== '/v1/broadcasts') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 200, broadcasts: versions }));
    });
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    sourceUrl = `http://127.0.0.1:${(source.address() as { port: number }).port}/v1/broadcasts`;
    dir = mkdtempSync(join(tmpdir(), 'herald-megaphone-'));
    const shared = { db: `sqlite:${join(dir, 'herald.db')}`, args: ['--crypto-keys', generateFernetKey()] };
    [a, b] = await Promise.all([
      startHerald({
        ...shared,
        role: 'connect',
        args: [...shared.args, '--auto-ping-interval', '0.5'],
        env: { AUTOCONNECT__MEGAPHONE_API_URL: sourceUrl, AUTOCONNECT__MEGAPHONE_POLL_INTERVAL: '0.2' },
      }),
      startHerald({
        ...shared,
        role: 'connect',
        args: [...shared.args, '--auto-ping-interval', '0.5', '--megaphone-api-url', sourceUrl, '--megaphone-poll-interval', '0.2'],
      }),
    ]);
  });

  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([a?.dispose(), b?.dispose()]);
    await new Promise<void>((resolve) => source?.close(() => resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function hello(node: HeraldProcess, broadcasts: Record<string, string>): Promise<{ client: RawClient; reply: Frame }> {
    const client = await RawClient.connect(node.wsUrl);
    clients.push(client);
    client.send({ messageType: 'hello', use_webpush: true, broadcasts });
    const reply = await client.next<Frame>(5000);
    assert.equal(reply.messageType, 'hello');
    assert.equal(reply.status, 200);
    return { client, reply };
  }

  /** The next `broadcast` frame within `ms` (WebSocket pings are answered by the client itself). */
  async function nextBroadcast(c: RawClient, ms = 5000): Promise<Broadcasts> {
    const f = await c.next<Frame>(ms);
    assert.equal(f.messageType, 'broadcast', JSON.stringify(f));
    return f.broadcasts!;
  }

  let onA: RawClient;
  let onB: RawClient;

  it('answers hello with the versions that differ, and errors for unknown ids, on both nodes', async () => {
    const first = await hello(a!, { [MONITOR]: '"99"', [OTHER]: 'o1', 'nope/x': 'v' });
    assert.deepEqual(first.reply.broadcasts, { [MONITOR]: '"100"', errors: { 'nope/x': 'Broadcast not found' } });
    onA = first.client;
    const second = await hello(b!, { [MONITOR]: '"100"' });
    assert.deepEqual(second.reply.broadcasts, {}, 'nothing differs');
    onB = second.client;
  });

  it('answers broadcast_subscribe with what differs', async () => {
    onB.send({ messageType: 'broadcast_subscribe', broadcasts: { [OTHER]: 'o0', 'nope/y': 'v' } });
    assert.deepEqual(await nextBroadcast(onB), { [OTHER]: 'o1', errors: { 'nope/y': 'Broadcast not found' } });
  });

  it('sends a change at the source to the subscribed user agents of both nodes on the ping tick', async () => {
    const unsubscribed = (await hello(a!, {})).client;
    const pollsBefore = polls;
    versions[MONITOR] = '"101"';
    const started = Date.now();
    assert.deepEqual(await nextBroadcast(onA), { [MONITOR]: '"101"' });
    assert.deepEqual(await nextBroadcast(onB), { [MONITOR]: '"101"' });
    // Within a poll (0.2 s) and a ping tick (0.5 s), with slack for a loaded machine.
    assert.ok(Date.now() - started < 4000, `arrived after ${Date.now() - started} ms`);
    assert.ok(polls > pollsBefore, 'the nodes polled the source');
    // Once only, and nothing for a UA that did not subscribe.
    assert.ok(await onA.quiet(1200), 'no second broadcast frame for the same change');
    assert.ok(await unsubscribed.quiet(0), 'a UA that subscribed to nothing gets no broadcast frame');
  });

  it('sends a change to broadcasts subscribed by hello (even at the current version) and by broadcast_subscribe', async () => {
    versions[OTHER] = 'o2';
    assert.deepEqual(await nextBroadcast(onA), { [OTHER]: 'o2' }, 'subscribed by hello on A');
    assert.deepEqual(await nextBroadcast(onB), { [OTHER]: 'o2' }, 'subscribed by broadcast_subscribe on B');
  });
});
