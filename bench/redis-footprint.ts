/**
 * `node --import tsx bench/redis-footprint.ts [--users N] [--messages N] [--bytes N] [--calls N]`:
 * what one user agent and one stored message cost a Redis shard, for the capacity plan
 * (docs/scaling.md, bench/capacity-plan.ts). On a throw-away Redis server (test/support/servers.ts):
 *
 * - memory: `used_memory` before and after N router records with one channel each, then after N
 *   stored messages of B payload bytes (base64url in the record, as the endpoint stores them);
 * - server CPU per call: `used_cpu_sys + used_cpu_user` of the Redis process (INFO) over C calls
 *   of each push-path operation from 64 concurrent callers, so the figure is the shard's own cost,
 *   not the client's or the machine's other load.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startRedis } from '../test/support/servers.js';
import { openRedisStore } from '../src/storage/redis/redis-store.js';

const HELP = `Usage: node --import tsx bench/redis-footprint.ts [options]

Measures Redis memory per user agent and per stored message, and Redis server CPU per storage
call of the push path, on a throw-away Redis server. Prints a table.

  --users N      router records created (default 20000)
  --messages N   messages stored (default 20000)
  --bytes N      payload bytes per message (default 2048)
  --calls N      calls per operation for the CPU figures (default 20000)
  --help         this text`;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} takes a positive whole number (got ${process.argv[i + 1]})`);
  return v;
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) return console.log(HELP);
  const users = option('users', 20_000);
  const messages = option('messages', 20_000);
  const bytes = option('bytes', 2048);
  const calls = option('calls', 20_000);
  const server = await startRedis();
  const store = await openRedisStore(server.dsn);
  const probe = new Redis(server.dsn);
  try {
    const info = async (field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(await probe.info())![1]);
    const cpu = async () => (await info('used_cpu_sys')) + (await info('used_cpu_user'));
    const inBatches = async (n: number, work: (i: number) => Promise<unknown>) => {
      for (let i = 0; i < n; i += 64) await Promise.all(Array.from({ length: Math.min(64, n - i) }, (_, j) => work(i + j)));
    };
    const uaids = Array.from({ length: users }, () => randomBytes(16).toString('hex'));
    const chid = randomUUID();
    const now = Date.now();

    const mem0 = await info('used_memory');
    await inBatches(users, async (i) => {
      await store.addUser({ uaid: uaids[i]!, connectedAt: now, nodeId: 'http://10.0.0.21:8081' });
      await store.addChannel(uaids[i]!, chid);
    });
    const mem1 = await info('used_memory');
    const data = randomBytes(bytes).toString('base64url');
    const saveOne = (i: number) =>
      store.saveMessage(uaids[i % users]!, { channelID: chid, version: `v${i}-${randomUUID()}`, ttl: 3600, topic: null, timestamp: Math.floor(now / 1000), data, headers: { encoding: 'aes128gcm' } });
    const cpu0 = await cpu();
    await inBatches(messages, saveOne);
    const cpuSave = (await cpu()) - cpu0;
    const mem2 = await info('used_memory');

    const timed = async (n: number, work: (i: number) => Promise<unknown>) => {
      const c0 = await cpu();
      await inBatches(n, work);
      return ((await cpu()) - c0) / n;
    };
    const lookup = await timed(calls, (i) => store.lookupChannel(uaids[i % users]!, chid));
    const hello = await timed(calls, (i) => store.connectUser(uaids[i % users]!, now + 1 + i, 'http://10.0.0.22:8081'));
    const fetch = await timed(calls, (i) => store.fetchTimestampMessages(uaids[i % users]!, 0, 10));

    const rows: [string, string][] = [
      ['router record + 1 channel, bytes per user agent', ((mem1 - mem0) / users).toFixed(0)],
      [`stored message of ${bytes} payload bytes, bytes each`, ((mem2 - mem1) / messages).toFixed(0)],
      ['Redis CPU µs per lookupChannel (push read)', (lookup * 1e6).toFixed(1)],
      ['Redis CPU µs per saveMessage (script)', ((cpuSave / messages) * 1e6).toFixed(1)],
      ['Redis CPU µs per connectUser (hello, script)', (hello * 1e6).toFixed(1)],
      ['Redis CPU µs per fetchTimestampMessages (batch of 10, script)', (fetch * 1e6).toFixed(1)],
    ];
    console.log(`Redis footprint: ${users} users, ${messages} messages of ${bytes} bytes, ${calls} calls per operation\n`);
    console.log('| measure | value |\n|---|---:|');
    for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
  } finally {
    probe.disconnect();
    await store.close();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
