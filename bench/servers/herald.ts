/**
 * Herald for the bench: `startServer` from the compiled `dist/` (or from `src/` under tsx, for the
 * smoke runs), wired exactly as `herald serve` wires it, plus the bench's IPC so the orchestrator
 * can read `process.memoryUsage()` after a GC. Nothing in src/ knows about the bench.
 *
 * Environment: HERALD_BENCH_BASE (absolute dist/ or src/ directory), HERALD_BENCH_DB (DSN),
 * HERALD_BENCH_KEYS (key file path), HERALD_BENCH_SETTINGS (JSON of extra settings, optional).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serveChild } from './child-ipc.js';

type ServeModule = typeof import('../../src/cli/serve.js');
type SettingsModule = typeof import('../../src/config/load-settings.js');
type KeyFileModule = typeof import('../../src/cli/key-file.js');

const base = process.env.HERALD_BENCH_BASE;
const db = process.env.HERALD_BENCH_DB;
const keysFile = process.env.HERALD_BENCH_KEYS;
if (!base || !db || !keysFile) throw new Error('HERALD_BENCH_BASE, HERALD_BENCH_DB and HERALD_BENCH_KEYS must be set');
const load = <T>(file: string) => import(pathToFileURL(join(base, file)).href) as Promise<T>;
const { startServer } = await load<ServeModule>('cli/serve.js');
const { loadSettings } = await load<SettingsModule>('config/load-settings.js');
const { loadOrCreateKeys } = await load<KeyFileModule>('cli/key-file.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const extra = JSON.parse(process.env.HERALD_BENCH_SETTINGS ?? '{}') as Record<string, string | number>;
const port = await freePort();
const settings = loadSettings({
  host: '127.0.0.1',
  port,
  db,
  endpointUrl: `http://127.0.0.1:${port}`,
  // Its own router port, on loopback: two bench runs (or a bench and a test) may run side by side.
  routerPort: 0,
  routerHost: '127.0.0.1',
  logLevel: 'warn',
  ...extra,
});
const { keys } = loadOrCreateKeys(keysFile);
const server = await startServer({ ...settings, cryptoKeys: keys.cryptoKeys });

/**
 * A CPU profile of one phase only (e.g. the storage scenario's drain, without its fill):
 * `profile-start`, then `profile-stop { path }` writes the `.cpuprofile` there.
 */
let inspector: Session | null = null;
const handlers = {
  'profile-start': async () => {
    inspector = new Session();
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.setSamplingInterval', { interval: 1000 });
    await inspector.post('Profiler.start');
    return null;
  },
  'profile-stop': async (args: Record<string, unknown>) => {
    if (inspector === null) throw new Error('profile-stop without profile-start');
    const { profile } = await inspector.post('Profiler.stop');
    inspector.disconnect();
    inspector = null;
    writeFileSync(String(args.path), JSON.stringify(profile));
    return null;
  },
};
serveChild({ ready: { port: server.port }, close: () => server.close(), handlers, stopGraceMs: 15_000 });
