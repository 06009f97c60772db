/**
 * The behaviour of the admin dashboard, plain browser JavaScript (no framework, no build). The
 * admin token is typed into the page and kept in `sessionStorage` (this tab only); every API
 * call sends it as a bearer token. Server data is shown with `textContent` only, and the charts
 * are SVG elements built with the DOM, so nothing from the server is ever parsed as markup.
 */
export const dashboardJs = `'use strict';
(function () {
  var TOKEN_KEY = 'herald.adminToken';
  var REFRESH_MS = 2000;
  var SVG = 'http://www.w3.org/2000/svg';
  var timer = null;
  var byId = function (id) { return document.getElementById(id); };
  var fmt = function (n) { return typeof n === 'number' ? n.toLocaleString('en') : '–'; };

  function status(text, isError) {
    var s = byId('status');
    s.textContent = text;
    s.className = isError ? 'error' : '';
  }

  function api(path, opts) {
    opts = opts || {};
    var headers = { authorization: 'Bearer ' + sessionStorage.getItem(TOKEN_KEY) };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    return fetch('/admin/api/' + path, { method: opts.method || 'GET', headers: headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) })
      .then(function (res) {
        if (res.status === 401) { signOut('That admin token was refused.'); throw new Error('unauthorized'); }
        if (res.status === 204) return null;
        return res.json().then(function (body) {
          if (!res.ok) throw new Error(body && body.error ? body.error : 'HTTP ' + res.status);
          return body;
        });
      });
  }

  function el(tag, className, text) {
    var n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function svg(tag, attrs, text) {
    var n = document.createElementNS(SVG, tag);
    for (var k in attrs) n.setAttribute(k, String(attrs[k]));
    if (text !== undefined) n.textContent = text;
    return n;
  }

  /** A line chart of several series (arrays of numbers, same length) into the element with id. */
  function chart(id, series) {
    var W = 1000, H = 180, L = 46, R = 8, T = 10, B = 22;
    var max = 0, len = 0;
    series.forEach(function (s) { len = Math.max(len, s.values.length); s.values.forEach(function (v) { max = Math.max(max, v); }); });
    max = max > 0 ? max * 1.1 : 1;
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none', role: 'img', 'aria-label': id });
    root.appendChild(svg('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'axis' }));
    root.appendChild(svg('line', { x1: L, y1: T, x2: L, y2: H - B, class: 'axis' }));
    root.appendChild(svg('text', { x: 4, y: T + 8 }, max >= 10 ? Math.round(max).toString() : max.toFixed(2)));
    root.appendChild(svg('text', { x: 4, y: H - B }, '0'));
    root.appendChild(svg('text', { x: L, y: H - 6 }, len > 1 ? Math.round((len - 1) * 10 / 60) + ' min ago' : 'now'));
    root.appendChild(svg('text', { x: W - R - 24, y: H - 6 }, 'now'));
    series.forEach(function (s) {
      var n = s.values.length;
      var pts = s.values.map(function (v, i) {
        var x = L + (n <= 1 ? (W - L - R) : (i * (W - L - R)) / (n - 1));
        var y = H - B - (v / max) * (H - B - T);
        return x.toFixed(1) + ',' + y.toFixed(1);
      });
      if (pts.length === 1) pts.unshift((L).toFixed(1) + ',' + pts[0].split(',')[1]);
      root.appendChild(svg('polyline', { points: pts.join(' '), class: 's-' + s.name, 'data-series': s.name }));
    });
    var box = byId(id);
    box.replaceChildren(root);
  }

  function perSecond(samples, key) {
    return samples.map(function (s) { return s.seconds > 0 ? (s.deltas[key] || 0) / s.seconds : 0; });
  }

  function renderSummary(sum) {
    var t = sum.totals;
    byId('node').textContent = sum.node.role + (sum.node.nodeId ? ' · ' + sum.node.nodeId : '') + ' · up ' + sum.node.uptimeSeconds + ' s';
    byId('connections').textContent = fmt(sum.connections);
    byId('received').textContent = fmt(t.received);
    byId('delivered').textContent = fmt(t.delivered);
    byId('acked').textContent = fmt(t.acked);
    byId('stored').textContent = fmt(t.storageWrites);
    byId('rejected').textContent = fmt(t.rejected);
    byId('rate-limited').textContent = fmt(t.rateLimited);
    byId('blocked-count').textContent = sum.blocks === null ? 'n/a' : fmt(sum.blocks);
  }

  function renderRates(r) {
    var s = r.samples;
    chart('chart-messages', [
      { name: 'received', values: perSecond(s, 'received') },
      { name: 'delivered', values: perSecond(s, 'delivered') },
      { name: 'rejected', values: perSecond(s, 'rejected') },
    ]);
    chart('chart-connections', [{ name: 'connections', values: s.map(function (x) { return x.gauges.connections || 0; }) }]);
  }

  function renderSenders(r) {
    var body = byId('senders').tBodies[0];
    body.replaceChildren();
    r.senders.forEach(function (s) {
      var tr = el('tr');
      tr.appendChild(el('td', 'key', s.vapidKey === null ? '(no VAPID)' : s.vapidKey));
      tr.appendChild(el('td', '', fmt(s.messages) + (s.error > 0 ? ' (±' + s.error + ')' : '')));
      tr.appendChild(el('td', '', new Date(s.lastSeen).toLocaleTimeString()));
      body.appendChild(tr);
    });
  }

  function renderBlocks(r) {
    var body = byId('blocks').tBodies[0];
    body.replaceChildren();
    r.blocks.forEach(function (b) {
      var tr = el('tr');
      tr.dataset.ip = b.ip;
      tr.appendChild(el('td', 'key', b.ip));
      tr.appendChild(el('td', '', b.reason));
      tr.appendChild(el('td', '', new Date(b.expiresAt).toLocaleString()));
      var td = el('td');
      var lift = el('button', 'lift', 'Lift');
      lift.type = 'button';
      lift.addEventListener('click', function () {
        api('blocks/' + encodeURIComponent(b.ip), { method: 'DELETE' }).then(function () { status('Lifted the block of ' + b.ip + '.'); refresh(); }, fail);
      });
      td.appendChild(lift);
      tr.appendChild(td);
      body.appendChild(tr);
    });
  }

  function fail(err) {
    if (err && err.message !== 'unauthorized') status(err.message, true);
  }

  function refresh() {
    return Promise.all([
      api('summary').then(renderSummary),
      api('rates').then(renderRates),
      api('top-senders?limit=20').then(renderSenders),
      api('blocks').then(renderBlocks, function () { /* no blocklist on this node */ }),
    ]).then(function () { byId('dashboard').dataset.updated = String(Date.now()); }, fail);
  }

  function show() {
    byId('token-form').hidden = true;
    byId('dashboard').hidden = false;
    byId('sign-out').hidden = false;
    refresh();
    clearInterval(timer);
    timer = setInterval(refresh, REFRESH_MS);
  }

  function signOut(message) {
    clearInterval(timer);
    sessionStorage.removeItem(TOKEN_KEY);
    byId('dashboard').hidden = true;
    byId('sign-out').hidden = true;
    byId('token-form').hidden = false;
    status(message || 'Enter the admin token (--admin-token).', Boolean(message));
  }

  /** Check the token with one request before the dashboard asks for everything: a wrong one costs one 401. */
  function signIn() {
    api('summary').then(function () { status(''); show(); }, fail);
  }

  function lookup(endpoint) {
    var dl = byId('lookup-result');
    dl.replaceChildren();
    api('subscription?endpoint=' + encodeURIComponent(endpoint)).then(function (s) {
      [['uaid', s.uaid], ['channel', s.channelID], ['VAPID-bound (v2)', s.vapidBound ? 'yes' : 'no'],
       ['user agent known', s.userExists ? 'yes' : 'no'], ['connected to', s.nodeId || 'offline'],
       ['last hello', s.connectedAt ? new Date(s.connectedAt).toLocaleString() : '–'],
       ['channel present', s.channelExists ? 'yes' : 'no'], ['stored messages', String(s.storedMessages)]].forEach(function (row) {
        dl.appendChild(el('dt', '', row[0]));
        dl.appendChild(el('dd', '', row[1]));
      });
    }, fail);
  }

  document.addEventListener('DOMContentLoaded', function () {
    byId('token-form').addEventListener('submit', function (e) {
      e.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, byId('token').value);
      byId('token').value = '';
      status('Checking the token…');
      signIn();
    });
    byId('sign-out').addEventListener('click', function () { signOut(); });
    byId('block-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var ip = byId('block-ip').value.trim();
      var secs = byId('block-seconds').value;
      var body = { ip: ip };
      if (secs !== '') body.seconds = Number(secs);
      api('blocks', { method: 'POST', body: body }).then(function () { status('Blocked ' + ip + '.'); byId('block-ip').value = ''; refresh(); }, fail);
    });
    byId('lookup-form').addEventListener('submit', function (e) {
      e.preventDefault();
      lookup(byId('lookup-endpoint').value);
    });
    if (sessionStorage.getItem(TOKEN_KEY)) signIn(); else signOut();
  });
})();
`;
