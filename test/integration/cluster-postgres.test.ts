/**
 * The cluster scenarios (helpers/cluster-scenarios.ts) on a real PostgreSQL server started for
 * this file (test/support/servers.ts): two `herald connect` nodes and one `herald endpoint` node,
 * separate processes, on a fresh database. Without a server a local run skips; CI fails.
 */
import { after, before } from 'node:test';
import { startPostgres, type PostgresServer } from '../support/servers.js';
import { runClusterScenarios } from './helpers/cluster-scenarios.js';

let server: PostgresServer | undefined;
let databases = 0;

before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

runClusterScenarios({
  name: 'postgres',
  dsn: async () => {
    if (!server) throw new Error('PostgreSQL did not start');
    return server.createDatabase(`cluster_${process.pid}_${++databases}`);
  },
});
