/**
 * The benchmarks never rot: every scenario of `npm run bench` runs in its tiny `--smoke` form
 * (a few dozen clients, about a second of load, Herald from src/), prints its summary table and
 * writes its JSON and SVG. Nothing here looks at the speed.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
/** Generous: a smoke run takes 3-10 s; the bench kills its own children at its --timeout. */
const RUN_TIMEOUT_S = 90;

interface Run {
  code: number | null;
  output: string;
}

function runBench(scenario: string, out: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', join(root, 'bench/cli.ts'), scenario, '--smoke', '--herald', 'src', '--out', out, '--timeout', String(RUN_TIMEOUT_S)];
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    // A last resort beyond the bench's own --timeout.
    const timer = setTimeout(() => child.kill('SIGKILL'), (RUN_TIMEOUT_S + 15) * 1000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('bench smoke runs', { timeout: 7 * (RUN_TIMEOUT_S + 20) * 1000 }, () => {
  let out: string;
  before(() => {
    out = mkdtempSync(join(tmpdir(), 'herald-bench-smoke-'));
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  for (const scenario of ['idle', 'throughput', 'latency', 'two-senders', 'storage', 'endpoint', 'storm']) {
    it(`${scenario} prints its summary table and writes its JSON and plot`, async () => {
      const { code, output } = await runBench(scenario, out);
      assert.equal(code, 0, `npm run bench -- ${scenario} --smoke failed:\n${output}`);
      assert.match(output, /=== Summary: /);

      const files = readdirSync(out).filter((f) => f.startsWith(`${scenario}-`));
      const json = files.find((f) => f.endsWith('.json'));
      const svg = files.find((f) => f.endsWith('.svg'));
      assert.ok(json, `no ${scenario}-*.json in ${out}`);
      assert.ok(svg, `no ${scenario}-*.svg in ${out}`);

      const result = JSON.parse(readFileSync(join(out, json), 'utf8')) as {
        scenario: string;
        machine: { cores: number; node: string };
        summary: { columns: string[]; rows: unknown[][] };
      };
      assert.equal(result.scenario, scenario);
      assert.ok(result.machine.cores > 0 && result.machine.node.startsWith('v'));
      assert.ok(result.summary.columns.length > 0);
      assert.ok(result.summary.rows.length > 0, 'the summary table has no rows');
      // The table printed is the table saved.
      assert.ok(output.includes(result.summary.columns.join('  ').split('  ')[0]!));
      assert.match(readFileSync(join(out, svg), 'utf8'), /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    });
  }
});
