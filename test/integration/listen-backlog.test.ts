/**
 * The public port listens with the longest backlog the kernel allows (src/cli/serve.ts
 * `PUBLIC_LISTEN_BACKLOG`, capped by `net.core.somaxconn`), with one process and with
 * `--workers`, where the primary holds the listening socket. Node's default of 511 overflowed in a
 * reconnect storm (docs/benchmarks.md). The backlog of a listening socket is what `ss` shows as its
 * Send-Q.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PUBLIC_LISTEN_BACKLOG } from '../../src/cli/serve.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';

/** The backlog of the TCP socket listening on `port`, from `ss -ltn` (Send-Q of a LISTEN row). */
function listenBacklog(port: number): number {
  const rows = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  assert.equal(rows.length, 1, `one socket listens on ${port}: ${rows.join(' | ')}`);
  // State Recv-Q Send-Q Local Peer
  return Number(rows[0]!.trim().split(/\s+/)[2]);
}

const expected = Math.min(PUBLIC_LISTEN_BACKLOG, Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8')));

describe('public port listen backlog', () => {
  const started: HeraldProcess[] = [];
  after(async () => Promise.all(started.map((h) => h.dispose())));

  it('is as long as net.core.somaxconn allows with one process', async () => {
    const herald = await startHerald();
    started.push(herald);
    assert.ok(expected > 511, `net.core.somaxconn is ${expected}, the test needs more than Node's default 511`);
    assert.equal(listenBacklog(herald.port), expected);
  });

  it('is as long with --workers, where the primary listens', async () => {
    const herald = await startHerald({ args: ['--workers', '2'] });
    started.push(herald);
    assert.equal(listenBacklog(herald.port), expected);
  });
});
