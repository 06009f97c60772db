// Start the site: `node server.js`. Settings come from the environment:
//   PORT (3000), HOST (127.0.0.1), DATA_DIR (./data beside this file): SQLite file and VAPID keys
//   VAPID_SUBJECT (mailto:admin@localhost): the contact the push service sees in the VAPID token
//   VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY: the site's keys; made once and kept in DATA_DIR if unset
// Open http://localhost:PORT/ (localhost, not 127.0.0.1: push needs a secure context).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import webpush from 'web-push';
import { buildApp } from './app.js';
import { openStore } from './store.js';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const dataDir = process.env.DATA_DIR ?? new URL('./data/', import.meta.url).pathname;
mkdirSync(dataDir, { recursive: true, mode: 0o700 });

/** The site's VAPID key pair: subscriptions made with its public key only accept pushes it signs. */
function vapidKeys() {
  if (process.env.VAPID_PUBLIC_KEY && process.env.VAPID_PRIVATE_KEY) {
    return { publicKey: process.env.VAPID_PUBLIC_KEY, privateKey: process.env.VAPID_PRIVATE_KEY };
  }
  const file = join(dataDir, 'vapid.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const keys = webpush.generateVAPIDKeys();
  writeFileSync(file, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  return keys;
}

const store = openStore(join(dataDir, 'subscriptions.db'));
const app = buildApp({ store, vapid: { ...vapidKeys(), subject: process.env.VAPID_SUBJECT ?? 'mailto:admin@localhost' } });
await app.listen({ port, host });
console.log(`Subscription manager: http://localhost:${port}/  (admin: http://localhost:${port}/admin)`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await app.close();
    store.close();
    process.exit(0);
  });
}
