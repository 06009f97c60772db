/**
 * `--db postgres`, `--db redis` and `--db redis-cluster` (3 masters, 3 replicas): a throw-away
 * server or cluster for the run, started the way the tests
 * start theirs (test/support/servers.ts) and stopped by pid when the run ends. Any other value is
 * a DSN passed to Herald as it is; none means a fresh SQLite file per Herald.
 */
import { startPostgres, startRedis, startRedisCluster } from '../../test/support/servers.js';

export interface BenchDatabase {
  /** The DSN for Herald; undefined: a fresh SQLite file per run. */
  dsn: string | undefined;
  /** The backend's name for tables and notes. */
  backend: string;
  stop(): Promise<void>;
}

export async function benchDatabase(db: string | undefined, log: (line: string) => void): Promise<BenchDatabase> {
  if (db === 'redis-cluster') {
    log('starting a throw-away Redis Cluster (3 masters, 3 replicas)');
    const cluster = await startRedisCluster();
    return { dsn: cluster.dsn, backend: 'Redis Cluster', stop: () => cluster.stop() };
  }
  if (db === 'postgres' || db === 'redis') {
    log(`starting a throw-away ${db === 'postgres' ? 'PostgreSQL' : 'Redis'} server`);
    const server = db === 'postgres' ? await startPostgres() : await startRedis();
    return { dsn: server.dsn, backend: db === 'postgres' ? 'PostgreSQL' : 'Redis', stop: () => server.stop() };
  }
  const backend = db === undefined || db.startsWith('sqlite') ? 'SQLite' : db.startsWith('redis+cluster') || db.startsWith('rediss+cluster') ? 'Redis Cluster' : db.startsWith('redis') ? 'Redis' : 'PostgreSQL';
  return { dsn: db, backend, stop: async () => {} };
}
