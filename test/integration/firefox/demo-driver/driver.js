// Injected into the subscription-manager page by the Firefox test (demo-page-driver.ts): runs the
// test's commands against the page as a user would (clicking its buttons) and reports results.
// The page itself is unchanged; it exposes `window.subscriptionManager` for automation.
const report = (event) => fetch('/__test/report', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
window.onerror = (msg) => report({ type: 'page-error', message: String(msg) });
window.onunhandledrejection = (e) => report({ type: 'page-error', message: String(e.reason) });

const until = async (what, check, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
const $ = (id) => document.getElementById(id);
const manager = await until('the page script', () => window.subscriptionManager, 30_000);
if (document.visibilityState === 'hidden') {
  // Not the tab the test opened (e.g. a background thumbnail browser): stay out of the commands.
  await report({ type: 'hidden-page' });
  await new Promise(() => {});
}
await report({ type: 'page-ready' });

// The test sends commands only once Firefox's push service is up; the page's own first look at
// the subscription may have been made before that and never settle, so look again.
const state = async () => {
  await manager.showState();
  const subscription = await manager.registration.pushManager.getSubscription();
  return { permission: Notification.permission, shown: $('subscription').textContent, error: $('error').textContent, subscription: subscription?.toJSON() ?? null };
};

/** Click a button and wait until the page shows the result (or an error). */
const click = async (id, done) => {
  await state();
  await until(`#${id} to be enabled`, () => !$(id).disabled);
  $(id).click();
  await until(`the page to show the result of #${id}`, async () => $('error').textContent || done(await state()));
  if ($('error').textContent) throw new Error($('error').textContent);
  return state();
};

const actions = {
  state,
  subscribe: () => click('subscribe', (s) => s.subscription && s.shown.startsWith('on')),
  unsubscribe: () => click('unsubscribe', (s) => !s.subscription && s.shown === 'off'),
  async notifications() {
    const list = await manager.registration.getNotifications();
    return { notifications: list.map((n) => ({ title: n.title, body: n.body })) };
  },
  async close() {
    // A shown notification is a window of its own (alerts.useSystemBackend=false): close it too,
    // or Firefox keeps running after the page's window closes.
    for (const n of await manager.registration.getNotifications()) n.close();
    await until('the notifications to close', async () => (await manager.registration.getNotifications()).length === 0, 5000);
    setTimeout(() => window.close(), 300);
    return {};
  },
};

for (;;) {
  let cmd;
  try {
    const res = await fetch('/__test/command');
    if (res.status === 204) continue;
    cmd = await res.json();
  } catch {
    await new Promise((r) => setTimeout(r, 200));
    continue;
  }
  try {
    await report({ type: 'result', id: cmd.id, ok: true, ...(await actions[cmd.type](cmd)) });
  } catch (err) {
    await report({ type: 'result', id: cmd.id, ok: false, error: `${err.name}: ${err.message}` });
  }
}
