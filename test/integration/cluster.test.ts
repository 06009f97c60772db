/**
 * The cluster scenarios (helpers/cluster-scenarios.ts) on a SQLite file shared by three
 * processes on one host.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClusterScenarios } from './helpers/cluster-scenarios.js';

let dir: string | undefined;
runClusterScenarios({
  name: 'sqlite (one shared file)',
  dsn: async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-cluster-'));
    return `sqlite:${join(dir, 'herald.db')}`;
  },
  cleanup: async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
});
