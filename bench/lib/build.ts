/**
 * The bench's child processes (servers and load generators) run as plain JavaScript, without the
 * tsx loader: tsx adds a loader thread and ~35 MB of RSS to a process, which would blur the
 * per-connection memory of the baselines and steal CPU from the generators. Their sources are
 * transpiled (types stripped, nothing bundled) into bench/.build/ at the start of each run;
 * bench/.build/ sits inside the package, so `ws` still resolves from node_modules.
 *
 * Only files under these folders are transpiled; they must not import the orchestrator's files.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

export const benchDir = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
export const rootDir = dirname(benchDir);
export const buildDir = join(benchDir, '.build');

/** Child-side sources, relative to bench/. */
const CHILD_SOURCES = ['bare-relay.ts', 'servers', 'load'];

function tsFiles(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(path, f));
}

/** Transpile the child programs; returns the path of bench/.build. Rewrites only changed files. */
export function buildChildren(): string {
  for (const entry of CHILD_SOURCES) {
    for (const file of tsFiles(join(benchDir, entry))) {
      const out = join(buildDir, relative(benchDir, file)).replace(/\.ts$/, '.js');
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, sourceMap: false },
      });
      if (existsSync(out) && readFileSync(out, 'utf8') === outputText) continue;
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, outputText);
    }
  }
  return buildDir;
}
