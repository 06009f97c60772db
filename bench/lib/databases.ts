/**
 * `--db postgres` and `--db redis`: a throw-away server for the run, started the way the tests
 * start theirs (test/support/servers.ts) and stopped by pid when the run ends. Any other value is
 * a DSN passed to Herald as it is; none means a fresh SQLite file per Herald.
 */
import { startPostgres, startRedis } from '../../test/support/servers.js';

export interface BenchDatabase {
  /** The DSN for Herald; undefined: a fresh SQLite file per run. */
  dsn: string | undefined;
  /** The backend's name for tables and notes. */
  backend: string;
  stop(): Promise<void>;
}

export async function benchDatabase(db: string | undefined, log: (line: string) => void): Promise<BenchDatabase> {
  if (db === 'postgres' || db === 'redis') {
    log(`starting a throw-away ${db === 'postgres' ? 'PostgreSQL' : 'Redis'} server`);
    const server = db === 'postgres' ? await startPostgres() : await startRedis();
    return { dsn: server.dsn, backend: db === 'postgres' ? 'PostgreSQL' : 'Redis', stop: () => server.stop() };
  }
  const backend = db === undefined || db.startsWith('sqlite') ? 'SQLite' : db.startsWith('redis') ? 'Redis' : 'PostgreSQL';
  return { dsn: db, backend, stop: async () => {} };
}
