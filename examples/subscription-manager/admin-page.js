// The admin view: subscriptions and the outcome of the last sends, rendered on the server (no
// script), every value escaped. The form posts to /api/send through a few lines of page script.
const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function adminPage(subscriptions, sends) {
  const subRows = subscriptions
    .map((s) => `<tr><td>${esc(s.id)}</td><td>${esc(new URL(s.endpoint).origin)}</td><td>${esc(s.created_at)}</td><td>${esc(s.last_outcome)}</td><td>${esc(s.last_status)}</td><td>${esc(s.last_sent_at)}</td></tr>`)
    .join('');
  const sendRows = sends
    .map((l) => `<tr><td>${esc(l.at)}</td><td>${esc(l.subscription_id)}</td><td>${esc(l.status)}</td><td>${esc(l.outcome)}</td><td>${esc(l.attempts)}</td><td>${esc(l.detail)}</td></tr>`)
    .join('');
  return `<!doctype html>
<meta charset="utf-8">
<title>Subscription manager: admin</title>
<link rel="stylesheet" href="/style.css">
<h1>Subscriptions (${subscriptions.length})</h1>
<form id="send"><input name="text" placeholder="Message" required> <button>Send to all</button> <output></output></form>
<table><tr><th>id</th><th>push service</th><th>since</th><th>last outcome</th><th>status</th><th>at</th></tr>${subRows}</table>
<h2>Last sends</h2>
<table><tr><th>at</th><th>subscription</th><th>status</th><th>outcome</th><th>attempts</th><th>detail</th></tr>${sendRows}</table>
<script type="module">
document.querySelector('#send').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = new FormData(event.target).get('text');
  const res = await fetch('/api/send', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
  const { delivered, dropped, gaveUp, refused } = await res.json();
  event.target.querySelector('output').textContent = refused ? 'refused: too large' : \`delivered \${delivered}, dropped \${dropped}, gave up \${gaveUp}\`;
  setTimeout(() => location.reload(), 1500);
});
</script>
`;
}
