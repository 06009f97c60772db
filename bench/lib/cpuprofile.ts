/**
 * Summarise a V8 `.cpuprofile` (what `node --cpu-prof` writes): self time and inclusive time per
 * function, and self time per area (a src/ folder, an npm package, Node internals, GC).
 */
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time: the function itself was on top of the stack. */
  self: ProfileEntry[];
  /** Inclusive time of Herald's own functions (src/): itself plus what it called. */
  inclusive: ProfileEntry[];
  byArea: ProfileEntry[];
}

function shortUrl(url: string, root: string): string {
  let u = url.replace(/^file:\/\//, '');
  if (u.startsWith(root)) u = u.slice(root.length + 1);
  return u.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
}

function area(file: string): string {
  if (file === '') return 'V8 / native (no script)';
  if (file.startsWith('node:')) return 'Node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (pkg) return `npm ${pkg[1]}`;
  const src = /^src\/([^/]+)/.exec(file);
  if (src) return `src/${src[1]}`;
  return file;
}

export function summariseProfile(path: string, root: string, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const key = (n: ProfileNode) => {
    const file = shortUrl(n.callFrame.url, root);
    const fn = n.callFrame.functionName || '(anonymous)';
    return file ? `${file}:${n.callFrame.lineNumber + 1} ${fn}` : fn;
  };
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const us = p.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node || us <= 0) return;
    total += us;
    const k = key(node);
    self.set(k, (self.get(k) ?? 0) + us);
    const fn = node.callFrame.functionName;
    const a = fn === '(garbage collector)' || fn === '(idle)' || fn === '(program)' ? fn : area(shortUrl(node.callFrame.url, root));
    areas.set(a, (areas.get(a) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (!shortUrl(n.callFrame.url, root).startsWith('src/')) continue;
      const kk = key(n);
      if (seen.has(kk)) continue;
      seen.add(kk);
      incl.set(kk, (incl.get(kk) ?? 0) + us);
    }
  });
  const list = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: Math.round((us / total) * 1000) / 10 }));
  return { totalMs: Math.round(total / 1000), self: list(self), inclusive: list(incl), byArea: list(areas) };
}

/**
 * The `.cpuprofile` a Herald run started now will write into `dir`: remembers what is there
 * already, and `collect` summarises the new file (the largest, when several processes wrote one) (null, and a log line, when none appeared).
 */
export function watchForProfile(dir: string, root: string): { collect(log: (line: string) => void): Promise<{ profile: ProfileSummary; path: string } | null> } {
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  return {
    async collect(log) {
      await new Promise((r) => setTimeout(r, 500)); // the process writes it as it exits
      // Several when Herald ran with workers (each process writes one): the largest, a busy worker's.
      const fresh = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && !before.has(f));
      const file = fresh.sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0];
      if (file === undefined) {
        log('no .cpuprofile was written');
        return null;
      }
      const path = join(dir, file);
      return { profile: summariseProfile(path, root), path };
    },
  };
}
