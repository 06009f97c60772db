// The page: ask for permission, subscribe with the site's VAPID public key, tell the server,
// show the state, unsubscribe. Push needs a secure context: https, or http://localhost.
const $ = (id) => document.getElementById(id);
const registration = await navigator.serviceWorker.register('/sw.js');
await navigator.serviceWorker.ready;
const { vapidPublicKey } = await (await fetch('/api/config')).json();

async function showState() {
  const subscription = await registration.pushManager.getSubscription();
  $('permission').textContent = Notification.permission;
  $('subscription').textContent = subscription ? `on (${new URL(subscription.endpoint).origin})` : 'off';
  $('subscribe').disabled = subscription !== null || Notification.permission === 'denied';
  $('unsubscribe').disabled = subscription === null;
  return subscription;
}

async function subscribe() {
  // Browsers allow the permission prompt only from a click; granted once, it is not asked again.
  if (Notification.permission !== 'granted' && (await Notification.requestPermission()) !== 'granted') {
    throw new Error('notifications are not allowed for this site');
  }
  // userVisibleOnly: every push shows a notification (browsers require it).
  const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: vapidPublicKey });
  const res = await fetch('/api/subscriptions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ subscription: subscription.toJSON() }),
  });
  if (!res.ok) throw new Error(`the server did not keep the subscription (${res.status})`);
  return subscription.toJSON();
}

// Unsubscribing in the browser is enough: the next message the server sends gets 410 from the
// push service and the server deletes the subscription. That also covers a user who turns
// notifications off in the browser's settings, where no page code runs.
async function unsubscribe() {
  const subscription = await registration.pushManager.getSubscription();
  return subscription ? subscription.unsubscribe() : false;
}

const run = (action) => async () => {
  $('error').textContent = '';
  try {
    await action();
  } catch (err) {
    $('error').textContent = err.message;
  }
  await showState();
};
$('subscribe').onclick = run(subscribe);
$('unsubscribe').onclick = run(unsubscribe);
navigator.serviceWorker.addEventListener('message', () => showState()); // the worker re-subscribed
// For automation (the demo's Firefox test): the same actions, with their results.
window.subscriptionManager = { subscribe, unsubscribe, showState, registration };
// NOTE: not awaited. When this page is the one Firefox starts with, the push service comes up a
// few seconds after the page, and a getSubscription() made before that never settles.
showState();
