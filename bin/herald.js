#!/usr/bin/env node
// Runs the compiled CLI (`npm install` builds it into dist/ through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  console.error('herald: dist/ is missing. Run `npm install` (or `npm run build`) in the Herald folder first.');
  process.exit(1);
}
await import(main);
