/**
 * docs/scaling.md quotes the plan bench/capacity-plan.ts computes with its defaults; this keeps the
 * two equal, and the script's command line working.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaults, plan } from '../../bench/capacity-plan.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('capacity plan', () => {
  it('docs/scaling.md holds the plan the script computes with its defaults (regenerate: node --import tsx bench/capacity-plan.ts)', () => {
    const doc = readFileSync(join(root, 'docs/scaling.md'), 'utf8');
    const quoted = /<!-- capacity-plan:start[^>]*-->\n([\s\S]*?)<!-- capacity-plan:end -->/.exec(doc)?.[1];
    assert.ok(quoted, 'docs/scaling.md has the capacity-plan markers');
    const p = plan(defaults());
    assert.equal(quoted.trim(), `${p.text.trim()}\n\nConnection nodes ${p.connectionNodes}, endpoint nodes ${p.endpointNodes}, Redis Cluster ${p.shards} masters + ${p.shards} replicas.`);
  });

  it('follows its inputs: more pushes need more endpoint nodes and shards', () => {
    const base = plan(defaults());
    const double = plan({ ...defaults(), pushes: 200_000 });
    assert.ok(double.endpointNodes > base.endpointNodes);
    assert.ok(double.shards > base.shards);
    assert.equal(plan({ ...defaults(), uas: 1000, pushes: 10 }).shards, 3, 'never fewer than 3 masters');
  });

  it('prints --help with every input\'s source, and refuses an unknown option', () => {
    const run = (...args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench/capacity-plan.ts'), ...args], { cwd: root, encoding: 'utf8' });
    assert.match(run('--help'), /--rss-per-ua-kb\s+9\.64\s+benchmarks\.md "Idle"/);
    assert.throws(() => run('--bogus', '1'), /unknown option --bogus/);
  });
});
