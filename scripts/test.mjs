#!/usr/bin/env node
// The whole test suite: type check, unit tests (next to the code), integration tests (real
// sockets, real server processes). Exits non-zero on the first failing stage.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureSystemPackages } from './system-packages.mjs';

const root = new URL('..', import.meta.url).pathname;

function testFiles(dir, suffix = '.test.ts') {
  return readdirSync(join(root, dir), { recursive: true })
    .filter((f) => f.endsWith(suffix) && !f.split('/').includes('node_modules'))
    .map((f) => join(dir, f))
    .sort();
}

function run(title, cmd, args) {
  const started = Date.now();
  console.log(`\n=== ${title}`);
  // CI=1 makes server-backed tests fail rather than skip when a server cannot start.
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, CI: process.env.CI ?? '1' } });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`=== ${title}: FAILED after ${secs} s`);
    process.exit(r.status ?? 1);
  }
  console.log(`=== ${title}: passed in ${secs} s`);
}

const only = process.argv[2]; // optional: "unit" or "integration"

// Real servers and browsers the tests drive: install what is missing (apt-get, non-interactive,
// progress on the terminal). No silent skip: if something cannot be installed, the run fails here.
const systemPackages = [
  { binary: '/usr/lib/postgresql/*/bin/postgres', pkg: 'postgresql' }, // storage backend tests
  { binary: '/usr/lib/postgresql/*/bin/initdb', pkg: 'postgresql' },
  { binary: 'redis-server', pkg: 'redis-server' }, // storage backend tests
  { binary: 'firefox-esr', pkg: 'firefox-esr' }, // test/integration/firefox: the reference user agent
  { binary: '/usr/bin/chromium', pkg: 'chromium' }, // device page tests (playwright-core)
  { binary: '/usr/sbin/mosquitto', pkg: 'mosquitto' }, // the idle benchmark's baseline (bench smoke test)
  { binary: 'ss', pkg: 'iproute2' }, // workers.test.ts reads the public port's listen backlog
];
try {
  const installed = ensureSystemPackages(systemPackages);
  if (installed.length) console.log(`=== installed ${installed.join(', ')}`);
} catch (err) {
  console.error(`\n=== FAILED before starting: ${err instanceof Error ? err.message : String(err)}`);
  console.error(`=== the tests need these Debian packages: ${[...new Set(systemPackages.map((p) => p.pkg))].join(' ')}`);
  process.exit(1);
}
const reporter = process.env.TEST_REPORTER ?? 'spec';
if (!only) run('type check', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
if (!only || only === 'unit') {
  // The examples are plain JavaScript with tests of their own (examples/*/test/*.test.js).
  const files = [...testFiles('src'), ...testFiles('examples', '.test.js')];
  run('unit tests', process.execPath, ['--import', 'tsx', '--test', `--test-reporter=${reporter}`, '--test-concurrency=2', ...files]);
}
if (!only || only === 'integration') {
  const files = testFiles('test/integration');
  if (files.length) run('integration tests', process.execPath, ['--import', 'tsx', '--test', `--test-reporter=${reporter}`, '--test-concurrency=1', ...files]);
}
console.log(`\nAll tests passed (${relative(process.cwd(), root) || '.'}).`);
