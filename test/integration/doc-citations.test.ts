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
