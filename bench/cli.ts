/**
 * `npm run bench -- <scenario> [options]`: run one benchmark scenario, print progress and a
 * summary table, and write the results as JSON and an SVG plot into bench/results/ (or --out).
 * Everything it starts is a child process it tracks and ends; the run has a hard time limit.
 * See bench/README.md.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { benchDir, buildChildren } from './lib/build.js';
import { killAll } from './lib/children.js';
import { parseOptions, USAGE, type BenchOptions } from './lib/options.js';
import { machineInfo, raiseFdLimit } from './lib/proc.js';
import type { Scenario, ScenarioReport } from './lib/scenario.js';
import { ensureDist, newRunTmp } from './lib/servers.js';
import { renderTable } from './lib/table.js';
import { endpoint } from './scenarios/endpoint.js';
import { idle } from './scenarios/idle.js';
import { latency } from './scenarios/latency.js';
import { storage } from './scenarios/storage.js';
import { storm } from './scenarios/storm.js';
import { throughput } from './scenarios/throughput.js';
import { twoSenders } from './scenarios/two-senders.js';

const scenarios: Record<string, Scenario> = { idle, throughput, latency, 'two-senders': twoSenders, storage, endpoint, storm };

function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-');
}

function printReport(opts: BenchOptions, report: ScenarioReport): void {
  console.log(`\n=== Summary: ${report.title}${opts.smoke ? ' (smoke run: numbers mean nothing)' : ''}\n`);
  console.log(renderTable(report.table));
  for (const t of report.extraTables ?? []) console.log(`\n${t.title}\n${renderTable(t.table)}`);
  if (report.notes.length) console.log('\n' + report.notes.map((n) => `- ${n}`).join('\n'));
}

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseOptions(process.argv.slice(2), join(benchDir, 'results'));
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const scenario = scenarios[opts.scenario];
  if (!scenario) {
    console.error(`unknown scenario ${JSON.stringify(opts.scenario)}\n${USAGE}`);
    return 2;
  }
  raiseFdLimit();
  const started = new Date();
  const t0 = performance.now();
  const log = (line: string) => {
    const s = Math.floor((performance.now() - t0) / 1000);
    console.log(`[${opts.scenario} ${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${line}`);
  };
  const limit = setTimeout(() => {
    console.error(`\n${opts.scenario}: no result within --timeout ${opts.timeout} s; stopping everything.`);
    killAll();
    process.exit(124);
  }, opts.timeout * 1000);
  limit.unref();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      killAll();
      process.exit(130);
    });
  }

  const tmp = newRunTmp();
  try {
    if (opts.herald === 'dist') ensureDist(log);
    buildChildren();
    const machine = machineInfo();
    log(`${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, open files ${machine.fdLimit.soft}/${machine.fdLimit.hard}, load average ${machine.loadAverage.join(' ')}; Herald from ${opts.herald}/`);
    const report = await scenario({ opts, servers: { heraldFrom: opts.herald, tmp }, log });
    const finished = new Date();
    printReport(opts, report);
    mkdirSync(opts.out, { recursive: true });
    const base = join(opts.out, `${opts.scenario}-${stamp(started)}`);
    const { scenario: _s, out: _o, ...options } = opts;
    const json = {
      scenario: opts.scenario,
      title: report.title,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      seconds: Math.round((finished.getTime() - started.getTime()) / 100) / 10,
      machine,
      loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
      options,
      summary: report.table,
      extraTables: report.extraTables ?? [],
      notes: report.notes,
      data: report.data,
    };
    writeFileSync(`${base}.json`, JSON.stringify(json, null, 2) + '\n');
    writeFileSync(`${base}.svg`, report.plot);
    console.log(`\nResults: ${base}.json\nPlot:    ${base}.svg`);
    return 0;
  } catch (err) {
    console.error(`\n${opts.scenario} failed: ${(err as Error).stack ?? err}`);
    killAll();
    return 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exit(await main());
