/**
 * The cluster scenarios (helpers/cluster-scenarios.ts) on a real Redis Cluster started for this
 * file (test/support/servers.ts: 3 masters, 3 replicas on loopback): two `herald connect` nodes
 * and one `herald endpoint` node, separate processes, on `--db redis+cluster://…`; live delivery
 * through the router port and stored delivery on reconnect.
 */
import { after, before } from 'node:test';
import { startRedisCluster, type RedisCluster } from '../support/servers.js';
import { runClusterScenarios } from './helpers/cluster-scenarios.js';

let cluster: RedisCluster | undefined;

before(async () => {
  cluster = await startRedisCluster();
});
after(async () => {
  await cluster?.stop();
});

runClusterScenarios({
  name: 'redis cluster',
  // The uaids are fresh per scenario, so the one cluster needs no clean-up between them.
  dsn: async () => {
    if (!cluster) throw new Error('Redis Cluster did not start');
    return cluster.dsn;
  },
});
