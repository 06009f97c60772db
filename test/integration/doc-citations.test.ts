/**
 * Citations in code comments and docs point at documents that ship with Herald: no source file
 * or doc cites the notes Herald was built from (they are not in the repository), every cited
 * `docs/<name>.md` exists, and every cited section anchor (`docs/protocol.md#hello`, or
 * `(protocol.md#hello)` between docs) is a heading of that file.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const self = relative(root, new URL(import.meta.url).pathname);

function filesUnder(dir: string, exts: readonly string[]): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => exts.some((e) => f.endsWith(e)) && !f.includes('node_modules'))
    .map((f) => join(dir, f));
}

const sources = ['src', 'bench', 'test', 'scripts'].flatMap((d) => filesUnder(d, ['.ts', '.mjs'])).filter((f) => f !== self);
const docs = [...filesUnder('docs', ['.md']), 'README.md'];

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to dashes, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (!m) continue;
    const base = m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(doc: string): Set<string> {
  let a = anchorCache.get(doc);
  if (a === undefined) anchorCache.set(doc, (a = headingAnchors(readFileSync(join(root, doc), 'utf8'))));
  return a;
}

/** Names of the notes outside the repository, built so this file does not match itself. */
const OUTSIDE = [
  new RegExp(`(^|[\\s(\`'"])${'spec'}/`),
  new RegExp(`\\.\\./${'shared'}/`),
  new RegExp(`\\b(${['autopush', 'firefox-client', 'test-vectors', 'unifiedpush'].join('|')})\\.md\\b`),
];

describe('citations of documents', () => {
  it('finds the files to check', () => {
    assert.ok(sources.length > 300, `${sources.length} source files`);
    assert.ok(docs.includes('docs/protocol.md'));
  });

  it('no source file or doc cites notes outside the repository', () => {
    const bad: string[] = [];
    for (const file of [...sources, ...docs]) {
      readFileSync(join(root, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (OUTSIDE.some((re) => re.test(line))) bad.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(bad, [], 'cite docs/protocol.md (or another file under docs/) instead');
  });

  it('every section sign in a source file follows the document it belongs to (an RFC, a standard), never a bare "§2.4"', () => {
    const bad: string[] = [];
    for (const file of sources) {
      readFileSync(join(root, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          for (const m of line.matchAll(/§/g)) {
            const before = line.slice(Math.max(0, m.index! - 25), m.index);
            if (!/(RFC ?\d+|SEC \d|draft-[\w-]+|encoding-\d+|MQTT [\d.]+)/.test(before)) bad.push(`${file}:${i + 1}: ${line.trim()}`);
          }
        });
    }
    assert.deepEqual(bad, [], 'name the document (RFC 8030 §5.3), or cite a docs/ section anchor');
  });

  it('every docs/ file a source file cites exists, and so does every cited section anchor', () => {
    const bad: string[] = [];
    let anchors = 0;
    for (const file of sources) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const m of text.matchAll(/\bdocs\/([\w-]+\.md)(?:#([\w-]+))?/g)) {
        const doc = `docs/${m[1]}`;
        if (!existsSync(join(root, doc))) bad.push(`${file}: ${m[0]} (no such file)`);
        else if (m[2] !== undefined && (anchors++, !anchorsOf(doc).has(m[2]))) bad.push(`${file}: ${m[0]} (no such section)`);
      }
    }
    assert.deepEqual(bad, []);
    assert.ok(anchors > 100, `${anchors} section anchors checked`);
  });

  it('every link between docs names an existing file and section', () => {
    const bad: string[] = [];
    for (const file of docs) {
      const text = readFileSync(join(root, file), 'utf8');
      const dir = file === 'README.md' ? '' : 'docs/';
      for (const m of text.matchAll(/\]\((?!https?:)([\w./-]*\.md)?(?:#([\w-]+))?\)/g)) {
        if (m[1] === undefined && m[2] === undefined) continue;
        const target = m[1] === undefined ? file : join(dir, m[1]);
        if (!existsSync(join(root, target))) bad.push(`${file}: ${m[0]} (no such file)`);
        else if (m[2] !== undefined && !anchorsOf(target).has(m[2])) bad.push(`${file}: ${m[0]} (no such section)`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('reads anchors as GitHub does', () => {
    const a = headingAnchors('# Protocol reference\n## urgency (Herald extension)\n```\n# not a heading\n```\n## Limits\n### Limits\n');
    assert.deepEqual([...a], ['protocol-reference', 'urgency-herald-extension', 'limits', 'limits-1']);
  });
});

/**
 * The titles of the `it(...)` calls of a test file, as patterns: a template literal's `${…}`
 * parts match anything, so table-driven tests are found by the names they produce.
 */
export function testTitlePatterns(source: string): RegExp[] {
  const patterns: RegExp[] = [];
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const m of source.matchAll(/\bit\(\s*(['"`])/g)) {
    const quote = m[1]!;
    let i = m.index! + m[0].length;
    let pattern = '';
    let literal = '';
    for (; i < source.length && source[i] !== quote; i++) {
      if (source[i] === '\\') literal += source[++i];
      else if (quote === '`' && source.startsWith('${', i)) {
        pattern += `${escape(literal)}.+?`;
        literal = '';
        for (let depth = 0; i < source.length; i++) {
          if (source[i] === '{') depth++;
          else if (source[i] === '}' && --depth === 0) break;
        }
      } else literal += source[i];
    }
    patterns.push(new RegExp(`^${pattern}${escape(literal)}$`));
  }
  return patterns;
}

describe('docs/compatibility.md', () => {
  it('reads test titles, template literals included', () => {
    const p = testTitlePatterns("it('plain \\'quoted\\' one', f); it(`answers ${what} with ${s}${e ? ` errno ${e}` : ''}`, f);");
    assert.ok(p[0]!.test("plain 'quoted' one"));
    assert.ok(p[1]!.test('answers a missing TTL with 400 errno 111'));
    assert.ok(!p[1]!.test('refuses a missing TTL with 400'));
  });

  it('every named test file exists and every quoted test name is one of its tests', () => {
    // Numbered list items continue on indented lines: join them so each citation is on one line.
    const lines = readFileSync(join(root, 'docs/compatibility.md'), 'utf8').replace(/\n {2,}/g, ' ').split('\n');
    const missing: string[] = [];
    let checked = 0;
    for (const line of lines) {
      // `file` › "name"; "name", up to the next file, table cell or end of line.
      for (const m of line.matchAll(/`([\w./-]+\.test\.ts)` › (.*?)(?=`[\w./-]+\.test\.ts`|\s\|\s|\s\|$|$)/g)) {
        const file = join(root, m[1]!);
        if (!existsSync(file)) {
          missing.push(`${m[1]} (no such file)`);
          continue;
        }
        const titles = testTitlePatterns(readFileSync(file, 'utf8'));
        const known = (name: string) => titles.some((p) => p.test(name));
        // A name may hold quotes (`{"messageType":"ping"}`, `"vapid t=…" (RFC 8292)`): it ends at
        // the first quote before ; . ( ) | or the end that makes it a known title, else the first.
        const text = m[2]!;
        for (let start = text.indexOf('"'); start !== -1; ) {
          const ends = [...text.slice(start + 1).matchAll(/"(?=\s*(?:[;.()|]|$))/g)].map((e) => start + 1 + e.index!);
          if (ends.length === 0) break;
          const end = ends.find((e) => known(text.slice(start + 1, e))) ?? ends[0]!;
          const name = text.slice(start + 1, end);
          checked++;
          if (!known(name)) missing.push(`${m[1]} › "${name}"`);
          start = text.indexOf('"', end + 1);
        }
      }
    }
    assert.deepEqual(missing, []);
    assert.ok(checked > 100, `${checked} test names checked`);
  });
});
