/** The SDK example in README.md runs as written against a real Herald. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';

const root = new URL('../../', import.meta.url).pathname;

describe('README', () => {
  let herald: HeraldProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'herald-readme-'));
  after(async () => {
    await herald?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has a client SDK example that sends and receives a push', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = /```ts\n(import \{ PushUserAgent[\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(example, 'README has the SDK example');
    assert.ok(example.trim().split('\n').length <= 12, 'the example stays short');
    herald = await startHerald();
    const script = example
      .replace("'herald-push/sdk'", JSON.stringify(pathToFileURL(join(root, 'src/sdk/index.ts')).href))
      .replace('ws://127.0.0.1:8080/', herald.wsUrl);
    const file = join(dir, 'example.mts');
    writeFileSync(file, script);
    const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', tsx, file], { timeout: 20_000 });
    // The push may arrive before the sender has read its 201: either order is right.
    assert.deepEqual(stdout.trim().split('\n').sort(), ['received Hello from Herald', 'sent 201']);
  });
});
