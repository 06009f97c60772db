#!/usr/bin/env node
// The whole test suite: type check, unit tests (next to the code), integration tests (real
// sockets, real server processes). Exits non-zero on the first failing stage.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function testFiles(dir) {
  return readdirSync(join(root, dir), { recursive: true })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(dir, f))
    .sort();
}

function run(title, cmd, args) {
  const started = Date.now();
  console.log(`\n=== ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`=== ${title}: FAILED after ${secs} s`);
    process.exit(r.status ?? 1);
  }
  console.log(`=== ${title}: passed in ${secs} s`);
}

const only = process.argv[2]; // optional: "unit" or "integration"
const reporter = process.env.TEST_REPORTER ?? 'spec';
if (!only) run('type check', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
if (!only || only === 'unit') {
  run('unit tests', process.execPath, ['--import', 'tsx', '--test', `--test-reporter=${reporter}`, '--test-concurrency=2', ...testFiles('src')]);
}
if (!only || only === 'integration') {
  const files = testFiles('test/integration');
  if (files.length) run('integration tests', process.execPath, ['--import', 'tsx', '--test', `--test-reporter=${reporter}`, '--test-concurrency=1', ...files]);
}
console.log(`\nAll tests passed (${relative(process.cwd(), root) || '.'}).`);
