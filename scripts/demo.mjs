#!/usr/bin/env node
// `npm run demo`: Herald on its embedded default (`herald serve`: port 8080, SQLite in ./data)
// and the subscription-manager example site (examples/subscription-manager, port 3000), with
// what to set in Firefox to use this Herald. Extra arguments go to `herald serve`
// (`npm run demo -- --port 9000`); the site's port and data folder come from DEMO_PORT and
// DEMO_DATA_DIR. Ctrl-C stops both.
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const sitePort = process.env.DEMO_PORT ?? '3000';
const children = new Set();

/** Start a child, echoing its output with a prefix; resolve with its output once `ready` matches. */
function start(name, args, env, ready) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d) => {
      out += d;
      for (const line of d.toString().split('\n')) if (line.trim()) console.log(`[${name}] ${line}`);
      if (ready.test(out)) resolve(out);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      children.delete(child);
      reject(new Error(`${name} exited (${signal ?? code}) before it was ready`));
      if (!stopping) stop(`${name} exited (${signal ?? code})`, 1);
    });
  });
}

let stopping = false;
function stop(why, code = 0) {
  if (stopping) return;
  stopping = true;
  if (why) console.log(`\nStopping: ${why}`);
  for (const child of children) child.kill('SIGTERM');
  const done = () => children.size === 0 && process.exit(code);
  for (const child of children) child.once('exit', () => setImmediate(done));
  done();
}
process.on('SIGINT', () => stop('Ctrl-C'));
process.on('SIGTERM', () => stop('SIGTERM'));

try {
  const heraldOut = await start('herald', ['--import', 'tsx', 'src/cli/main.ts', 'serve', ...process.argv.slice(2)], {}, /Stop with Ctrl-C/);
  const wsUrl = /User agents \(WebSocket\):\s+(\S+)/.exec(heraldOut)?.[1];
  await start('site', ['examples/subscription-manager/server.js'], { PORT: sitePort, ...(process.env.DEMO_DATA_DIR ? { DATA_DIR: process.env.DEMO_DATA_DIR } : {}) }, /Subscription manager: http/);
  const site = `http://localhost:${sitePort}/`;
  console.log(`
Herald demo is running.
  Herald (push service):  ${wsUrl} for browsers; the endpoints it hands out take the site's pushes
  Demo site:              ${site}  (admin view: ${site}admin)

Point Firefox at this Herald (about:config, or a user.js in the profile), then restart it:
  dom.push.serverURL                         = ${wsUrl}
  dom.push.testing.allowInsecureServerURL    = true

A throwaway Firefox profile that does both:
  mkdir -p /tmp/herald-demo-profile && printf '%s\\n' \\
    'user_pref("dom.push.serverURL", "${wsUrl}");' \\
    'user_pref("dom.push.testing.allowInsecureServerURL", true);' > /tmp/herald-demo-profile/user.js
  firefox --no-remote --profile /tmp/herald-demo-profile ${site}

Open the site at localhost (a secure context: push works over plain http there), turn
notifications on, and send from the admin view. Stop with Ctrl-C.`);
} catch (err) {
  console.error(`npm run demo: ${err.message}`);
  stop('', 1);
}
