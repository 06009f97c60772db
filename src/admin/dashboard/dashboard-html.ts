/** The admin dashboard page (`GET /admin/`): static markup; `dashboard.js` fills it in. */
export const dashboardHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herald admin</title>
<link rel="stylesheet" href="/admin/dashboard.css">
<script src="/admin/dashboard.js" defer></script>
</head>
<body>
<header><h1>Herald admin</h1><span id="node"></span><button id="sign-out" type="button" hidden>Forget token</button></header>
<p id="status" role="status"></p>
<form id="token-form" hidden>
  <label for="token">Admin token</label>
  <input id="token" type="password" autocomplete="off" required>
  <button type="submit">Open dashboard</button>
</form>
<main id="dashboard" hidden>
  <section class="cards" aria-label="Live counts">
    <div class="card"><span class="label">Connections</span><span class="value" id="connections">–</span></div>
    <div class="card"><span class="label">Pushes received</span><span class="value" id="received">–</span></div>
    <div class="card"><span class="label">Delivered</span><span class="value" id="delivered">–</span></div>
    <div class="card"><span class="label">Acked</span><span class="value" id="acked">–</span></div>
    <div class="card"><span class="label">Stored writes</span><span class="value" id="stored">–</span></div>
    <div class="card"><span class="label">Rejected requests</span><span class="value" id="rejected">–</span></div>
    <div class="card"><span class="label">Rate-limited</span><span class="value" id="rate-limited">–</span></div>
    <div class="card"><span class="label">Blocked IPs</span><span class="value" id="blocked-count">–</span></div>
  </section>
  <section aria-labelledby="rates-title">
    <h2 id="rates-title">Messages per second (last hour)</h2>
    <div id="chart-messages" class="chart"></div>
    <p class="legend"><span class="k received">received</span> <span class="k delivered">delivered</span> <span class="k rejected">rejected</span></p>
    <h2>Connections (last hour)</h2>
    <div id="chart-connections" class="chart"></div>
  </section>
  <section aria-labelledby="senders-title">
    <h2 id="senders-title">Top senders (VAPID key)</h2>
    <table id="senders"><thead><tr><th>VAPID public key</th><th>Messages</th><th>Last push</th></tr></thead><tbody></tbody></table>
  </section>
  <section aria-labelledby="blocks-title">
    <h2 id="blocks-title">Blocked IPs</h2>
    <table id="blocks"><thead><tr><th>IP</th><th>Reason</th><th>Until</th><th></th></tr></thead><tbody></tbody></table>
    <form id="block-form">
      <input id="block-ip" placeholder="IP address" required>
      <input id="block-seconds" type="number" min="1" placeholder="seconds (default: penalty time)">
      <button type="submit">Block</button>
    </form>
  </section>
  <section aria-labelledby="lookup-title">
    <h2 id="lookup-title">Subscription lookup</h2>
    <form id="lookup-form">
      <input id="lookup-endpoint" placeholder="https://push.example.com/wpush/v2/…" required>
      <button type="submit">Look up</button>
    </form>
    <dl id="lookup-result"></dl>
  </section>
</main>
</body>
</html>
`;
