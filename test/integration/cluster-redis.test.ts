/**
 * The cluster scenarios (helpers/cluster-scenarios.ts) on a real Redis server started for this
 * file (test/support/servers.ts): two `herald connect` nodes and one `herald endpoint` node,
 * separate processes, sharing one logical database of the server.
 */
import { after, before } from 'node:test';
import { startRedis, type RedisServer } from '../support/servers.js';
import { runClusterScenarios } from './helpers/cluster-scenarios.js';

let server: RedisServer | undefined;
let databases = 0;

before(async () => {
  server = await startRedis();
});
after(async () => {
  await server?.stop();
});

runClusterScenarios({
  name: 'redis',
  // A fresh logical database per call (redis://HOST:PORT/N; the server has 16), so no keys are shared.
  dsn: async () => {
    if (!server) throw new Error('Redis did not start');
    return server.dsn.replace(/\/0$/, `/${++databases}`);
  },
});
