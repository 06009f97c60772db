/**
 * `node --import tsx src/storage/redis/rekey-hash-tags.ts --db redis://HOST:PORT/DB [--prefix herald:] [--dry-run]`:
 * moves the account, mailbox and blocklist keys of a single Redis server from the names Herald used
 * before Redis Cluster support to the hash-tagged names it uses now (docs/storage.md "Redis
 * Cluster"). Run it once, with every Herald node stopped; running it again finds nothing to move.
 * The push store's keys already had their hash tags and are left alone.
 */
import { Redis } from 'ioredis';

const HELP = `Usage: node --import tsx src/storage/redis/rekey-hash-tags.ts --db redis://HOST:PORT/DB [options]

Renames Herald's account, mailbox and blocklist keys on one Redis server to the hash-tagged names
of the Redis Cluster release (docs/storage.md). Stop every Herald node first.

  --db DSN        the Redis server (redis://… or rediss://…; not a cluster: the old names only
                  ever lived on one server)
  --prefix P      the key prefix (default herald:)
  --dry-run       print what would move, change nothing
  --help          this text`;

export interface RekeyReport {
  renamed: number;
  pointers: number;
  expiryEntries: number;
}

/** Move every old-style key under `prefix`; returns what it did (or would do, with `dryRun`). */
export async function rekey(redis: Redis, prefix: string, dryRun = false, log: (line: string) => void = () => undefined): Promise<RekeyReport> {
  const report: RekeyReport = { renamed: 0, pointers: 0, expiryEntries: 0 };
  const esc = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const rules: [RegExp, (m: RegExpExecArray) => string][] = [
    [new RegExp(`^${esc}acct:([^{:]+)$`), (m) => `${prefix}acct:{${m[1]}}`],
    [new RegExp(`^${esc}acct:([^{:]+):(sessions|devices)$`), (m) => `${prefix}acct:{${m[1]}}:${m[2]}`],
    [new RegExp(`^${esc}acct-email:([^{].*)$`), (m) => `${prefix}acct-email:{${m[1]}}`],
    [new RegExp(`^${esc}device:([^{:]+):(.+)$`), (m) => `${prefix}acct:{${m[1]}}:device:${m[2]}`],
    [new RegExp(`^${esc}mailbox:([^{:]+):(.+)$`), (m) => `${prefix}mailbox:{${m[1]}}:${m[2]}`],
    [new RegExp(`^${esc}blocklist$`), () => `${prefix}{blocklist}`],
    [new RegExp(`^${esc}blocklist:info$`), () => `${prefix}{blocklist}:info`],
  ];
  const session = new RegExp(`^${esc}session:([^{].*)$`);
  const move = async (from: string, to: string) => {
    log(`${from} -> ${to}`);
    report.renamed++;
    if (!dryRun) await redis.rename(from, to);
  };

  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');

  for (const key of keys) {
    const s = session.exec(key);
    if (s && (await redis.type(key)) === 'hash') {
      // A session moves into its account's slot; a pointer by its id names the account.
      const uid = await redis.hget(key, 'uid');
      if (uid === null) continue;
      await move(key, `${prefix}acct:{${uid}}:session:${s[1]}`);
      report.pointers++;
      if (!dryRun) await redis.set(`${prefix}session:{${s[1]}}`, uid);
      continue;
    }
    for (const [pattern, target] of rules) {
      const m = pattern.exec(key);
      if (m) {
        await move(key, target(m));
        break;
      }
    }
  }

  // The one expiry set of all mailboxes becomes one per account (member DEVICE:BOX:INDEX).
  const expiry = `${prefix}mailbox-expiry`;
  const flat = await redis.zrange(expiry, '0', '-1', 'WITHSCORES');
  for (let i = 0; i < flat.length; i += 2) {
    const m = /^([^:]*):(.*)$/.exec(flat[i]!);
    if (!m) continue;
    report.expiryEntries++;
    if (!dryRun) await redis.zadd(`${prefix}mailbox:{${m[1]}}:expiry`, flat[i + 1]!, m[2]!);
  }
  if (!dryRun && flat.length > 0) await redis.del(expiry);
  return report;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.length === 0) return console.log(HELP);
  const value = (name: string) => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : args[i + 1];
  };
  const dsn = value('--db');
  if (!dsn || !/^rediss?:\/\//.test(dsn)) throw new Error('--db takes the redis:// DSN of the one server holding the old keys; see --help');
  const redis = new Redis(dsn, { lazyConnect: true });
  await redis.connect();
  try {
    const dryRun = args.includes('--dry-run');
    const r = await rekey(redis, value('--prefix') ?? 'herald:', dryRun, (line) => console.log(line));
    console.log(`${dryRun ? 'would rename' : 'renamed'} ${r.renamed} keys, ${r.pointers} session pointers, ${r.expiryEntries} mailbox expiry entries`);
  } finally {
    redis.disconnect();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
