// The service worker under test: reports every push to the test server. A payload starting with
// "fail" makes the handler reject, so Firefox sends a nack.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('push', (event) => {
  const text = event.data ? event.data.text() : null;
  const reported = fetch('/report', { method: 'POST', body: JSON.stringify({ type: 'push', text, hasData: event.data !== null }) });
  event.waitUntil(reported.then(() => (text && text.startsWith('fail') ? Promise.reject(new Error('handler failed on purpose')) : undefined)));
});
self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(fetch('/report', { method: 'POST', body: JSON.stringify({ type: 'pushsubscriptionchange' }) }));
});
