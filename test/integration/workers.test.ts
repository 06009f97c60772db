/**
 * `herald serve --workers N`: worker processes share the public port, each is a node with its own
 * router port, messages reach a user agent whichever worker took the POST, and a worker at its
 * connection cap refuses new WebSockets with 503 instead of failing. The public port listens with
 * the longest backlog the kernel allows, with one process and with --workers (one socket, shared).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { PUBLIC_LISTEN_BACKLOG } from '../../src/cli/serve.js';
import { PushUserAgent } from '../../src/sdk/index.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { collectPushes } from './helpers/pushes.js';
import { sendNotification } from './helpers/web-push-send.js';

/** The backlog of the TCP socket listening on `port`: what `ss` shows as a LISTEN row's Send-Q. */
function listenBacklog(port: number): number {
  const rows = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8', timeout: 10_000 }).trim().split('\n').filter(Boolean);
  assert.equal(rows.length, 1, `one socket listens on ${port}: ${rows.join(' | ')}`);
  return Number(rows[0]!.trim().split(/\s+/)[2]); // State Recv-Q Send-Q Local Peer
}

/**
 * `PUBLIC_LISTEN_BACKLOG` (src/cli/serve.ts) as the kernel caps it (`net.core.somaxconn`); Node's
 * default of 511 overflowed in a reconnect storm (docs/benchmarks.md).
 */
function expectedBacklog(): number {
  const expected = Math.min(PUBLIC_LISTEN_BACKLOG, Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8')));
  assert.ok(expected > 511, `net.core.somaxconn is ${expected}: the test needs more than Node's default of 511`);
  return expected;
}

describe('herald serve --workers', () => {
  let herald: HeraldProcess;
  before(async () => {
    herald = await startHerald({ args: ['--workers', '2'] });
  });
  after(async () => herald?.dispose());

  it('starts the workers as separate nodes and prints their node ids', () => {
    const line = /Workers: +2 \((http:\/\/127\.0\.0\.1:\d+), (http:\/\/127\.0\.0\.1:\d+)\)/.exec(herald.output());
    assert.ok(line, herald.output());
    assert.notEqual(line[1], line[2], 'each worker has its own router port');
  });

  it('delivers to every user agent whichever worker holds it and whichever takes the POST', async () => {
    const agents = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const ua = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false });
        const pushes = collectPushes(ua);
        await ua.connect();
        return { ua, pushes, sub: await ua.subscribe() };
      }),
    );
    try {
      for (const [i, a] of agents.entries()) {
        for (let k = 0; k < 3; k++) assert.equal((await sendNotification(a.sub, `ua${i}-m${k}`, { TTL: 60 })).statusCode, 201);
      }
      for (const [i, a] of agents.entries()) {
        const got = await a.pushes.waitCount(3);
        assert.deepEqual(got.map((p) => p.text).sort(), [`ua${i}-m0`, `ua${i}-m1`, `ua${i}-m2`]);
      }
    } finally {
      await Promise.all(agents.map((a) => a.ua.close()));
    }
  });

  it('listens on the public port (one socket, shared by the workers) with the longest backlog the kernel allows', () => {
    assert.equal(listenBacklog(herald.port), expectedBacklog());
  });

  it('stops every worker on SIGTERM with a clean exit', async () => {
    assert.equal(await herald.stop('SIGTERM'), 0);
    await herald.restart();
  });
});

/** Established sockets on the public `port`, by the id of the process that holds them. */
function socketsByPid(port: number): Map<number, number> {
  const rows = execFileSync('ss', ['-tnpH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8', timeout: 10_000 });
  const by = new Map<number, number>();
  for (const m of rows.matchAll(/pid=(\d+)/g)) by.set(Number(m[1]), (by.get(Number(m[1])) ?? 0) + 1);
  return by;
}

/** The processes holding the socket that listens on `port`. */
function listeners(port: number): Set<number> {
  const rows = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8', timeout: 10_000 });
  return new Set([...rows.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])));
}

/** A WebSocket that has said hello and had its answer. */
function helloSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['push-notification']);
    ws.once('open', () => ws.send(JSON.stringify({ messageType: 'hello', use_webpush: true })));
    ws.once('message', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('spreading connections over workers', () => {
  let herald: HeraldProcess;
  const open: WebSocket[] = [];
  before(async () => {
    herald = await startHerald({ args: ['--workers', '2'] });
  });
  after(async () => {
    for (const ws of open) ws.terminate();
    await herald?.dispose();
  });

  it('keeps accepting past a hung worker, pauses one well over the mean, and resumes it once the other catches up', async () => {
    const workers = execFileSync('pgrep', ['-P', String(herald.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
    assert.equal(workers.length, 2, `two workers: ${workers.join(' ')}`);
    const [busy, frozen] = workers as [number, number];
    const held = (pid: number) => socketsByPid(herald.port).get(pid) ?? 0;
    /** `n` hellos, 20 every 100 ms, so that reports (every 250 ms) see the counts grow. */
    const paced = async (n: number) => {
      const sockets: Promise<WebSocket>[] = [];
      for (let i = 0; i < n; i++) {
        sockets.push(helloSocket(herald.wsUrl));
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 100));
      }
      open.push(...(await Promise.all(sockets)));
    };
    // A frozen worker (SIGSTOP) stops reporting: once silent for a second it no longer counts as
    // accepting, so the other is not paused for it (or resumes) and every hello is answered.
    process.kill(frozen, 'SIGSTOP');
    try {
      await paced(300);
      assert.equal(held(busy), 300);
    } finally {
      process.kill(frozen, 'SIGCONT');
    }
    // Thawed, it reports again: the busy worker, far over the mean, pauses, and new hellos go to
    // the thawed one.
    for (let waited = 0; listeners(herald.port).has(busy); waited += 100) {
      assert.ok(waited < 20_000, 'the busy worker stops listening once the thawed one reports');
      await new Promise((r) => setTimeout(r, 100));
    }
    await paced(100);
    assert.equal(held(busy), 300, 'the busy worker paused');
    assert.equal(held(frozen), 100);
    // Once the other is near it, the paused worker accepts again.
    await paced(200);
    for (let round = 0; round < 20 && held(busy) <= 300; round++) await paced(20);
    assert.ok(held(busy) > 300, `the paused worker accepts again: ${held(busy)}, the other ${held(frozen)}`);
  });
});

describe('connection cap', () => {
  let herald: HeraldProcess;
  before(async () => {
    herald = await startHerald({ args: ['--max-connections', '3'] });
  });
  after(async () => herald?.dispose());

  it('listens on the public port with the longest backlog the kernel allows (one process)', () => {
    assert.equal(listenBacklog(herald.port), expectedBacklog());
  });

  it('refuses WebSockets over the cap with 503 and Retry-After, and serves again below it', async () => {
    const open: WebSocket[] = [];
    const outcomes: Array<number | 'open'> = [];
    for (let i = 0; i < 5; i++) {
      const ws = new WebSocket(herald.wsUrl, ['push-notification']);
      outcomes.push(
        await new Promise<number | 'open'>((resolve) => {
          ws.once('open', () => {
            open.push(ws);
            resolve('open');
          });
          ws.once('unexpected-response', (_req, res) => {
            assert.equal(res.headers['retry-after'], '5');
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          ws.once('error', () => {});
        }),
      );
    }
    assert.deepEqual(outcomes, ['open', 'open', 'open', 503, 503]);
    open[0]!.close();
    await new Promise((r) => setTimeout(r, 200));
    const ua = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false });
    await ua.connect();
    await ua.close();
    for (const ws of open) ws.terminate();
  });
});
