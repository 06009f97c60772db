// The service worker: shows each push as a notification, brings the site up on a click, and
// subscribes again when the browser replaces or drops the subscription.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  const text = event.data ? event.data.text() : 'New message';
  event.waitUntil(self.registration.showNotification('Subscription manager', { body: text, data: { url: '/' } }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    (async () => {
      const url = new URL(event.notification.data?.url ?? '/', self.location.origin).href;
      const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const tab = open.find((c) => c.url === url);
      return tab ? tab.focus() : self.clients.openWindow(url);
    })(),
  );
});

// The push service or the browser ended the subscription (e.g. the push service reset this
// browser). Subscribe again and tell the server which endpoint the new one replaces.
self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(
    (async () => {
      const { vapidPublicKey } = await (await fetch('/api/config')).json();
      const subscription =
        event.newSubscription ?? (await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: vapidPublicKey }));
      await fetch('/api/subscriptions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ subscription: subscription.toJSON(), replaces: event.oldSubscription?.endpoint }),
      });
      for (const client of await self.clients.matchAll({ type: 'window' })) client.postMessage('subscription-changed');
    })(),
  );
});
