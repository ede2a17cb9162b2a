// Herald dashboard: one ES module, no build step, no dependencies. Talks to Herald's own API with the API key the
// operator signs in with (kept in this tab's sessionStorage only). Every list is paged by the server (cursor + limit).
'use strict';

const PAGE = 25;
const CHANNELS = ['push', 'email', 'sms', 'in_app', 'webhook'];
const STATUSES = ['accepted', 'scheduled', 'planning', 'planned', 'completed', 'failed', 'cancelled', 'expired', 'suppressed'];
const THEMES = ['system', 'light', 'dark'];

let key = sessionStorage.getItem('herald.key');
let scopes = [];
let cleanup = null;

// ---- DOM helpers: elements are built with properties and text nodes, never from HTML strings, so data cannot inject markup.

function h(tag, attrs, ...children) {
  const svg = ['svg', 'polyline', 'line', 'text', 'title', 'desc', 'g', 'path', 'rect', 'circle'].includes(tag);
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'style') Object.assign(el.style, value);
    else if (name === 'class') el.setAttribute('class', value);
    else if (!svg && name in el && typeof value !== 'string') el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function clear(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

const when = (iso) => iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }) : '—';
const clock = (iso) => iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 23) + 'Z' : '';
const pct = (x) => x === null || x === undefined || Number.isNaN(x) ? '—' : (x * 100).toFixed(1) + ' %';
const ms = (x) => x === null || x === undefined ? '—' : x < 1000 ? Math.round(x) + ' ms' : (x / 1000).toFixed(2) + ' s';
const isAdmin = () => scopes.includes('admin');

function chip(text) {
  const tone = /^(delivered|sent|completed|closed|published|enabled|live|opened|clicked)$/.test(text) ? 'ok'
    : /^(dead|failed|open|isolated|bounced|complained|disabled|rejected)$/.test(text) ? 'bad'
      : /^(deferred|retrying|held|half_open|draft|scheduled|queued|sending|unknown|expired|suppressed|cancelled)$/.test(text) ? 'warn' : '';
  return h('span', { class: 'chip ' + tone }, text);
}

function say(message, isError) {
  const status = document.getElementById('status');
  if (status) clear(status, h('span', { class: isError ? 'error' : '' }, message));
}

// ---- API

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function api(path, options = {}) {
  const headers = { Authorization: 'Bearer ' + key };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method: options.method || 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  let data = null;
  if (text && (response.headers.get('content-type') || '').includes('json')) data = JSON.parse(text);
  if (response.status === 401 && !options.signingIn) {
    signOut('The API key was refused; sign in again.');
    throw new ApiError(401, data);
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}

// ---- Shell, sign-in, theme, router

const NAV = [
  ['#/overview', 'Overview'],
  ['#/notifications', 'Notifications'],
  ['#/dead-letters', 'Dead letters'],
  ['#/templates', 'Templates'],
  ['#/users', 'Users'],
  ['#/providers', 'Providers & endpoints'],
];

function applyTheme() {
  const theme = localStorage.getItem('herald.theme') || 'system';
  if (theme === 'system') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', theme);
  return theme;
}

function logo() {
  return h('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true', fill: 'none', stroke: 'currentColor', 'stroke-width': '2' },
    h('path', { d: 'M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9' }), h('path', { d: 'M10.3 21a1.94 1.94 0 0 0 3.4 0' }));
}

function renderSignIn(message) {
  const input = h('input', { id: 'api-key', type: 'password', autocomplete: 'current-password', required: true });
  const status = h('p', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' }, message ? h('span', { class: 'error' }, message) : '');
  const form = h('form', {
    class: 'panel', onsubmit: async (e) => {
      e.preventDefault();
      key = input.value.trim();
      try {
        const me = await api('/api/v1/me', { signingIn: true });
        scopes = me.scopes;
        if (!scopes.includes('read') && !scopes.includes('admin')) throw new ApiError(403, { detail: 'this key has neither the read nor the admin scope' });
        sessionStorage.setItem('herald.key', key);
        if (!location.hash || location.hash === '#/signin') location.hash = '#/overview';
        renderShell();
      } catch (err) {
        key = null;
        clear(status, h('span', { class: 'error' }, err.status === 401 ? 'That API key is not valid.' : err.message));
      }
    },
  },
    h('h1', {}, 'Sign in to Herald'),
    h('p', { class: 'muted' }, 'Use an API key with the read scope to look, or the admin scope to act (replay, publish, edit).'),
    h('label', { for: 'api-key' }, 'API key', input),
    h('p', {}, h('button', { class: 'primary', type: 'submit' }, 'Sign in')),
    status);
  clear(document.getElementById('app'), h('main', { id: 'main', class: 'signin', tabindex: '-1' }, form));
  document.title = 'Sign in · Herald';
  input.focus();
}

function signOut(message) {
  key = null;
  scopes = [];
  sessionStorage.removeItem('herald.key');
  if (cleanup) cleanup();
  cleanup = null;
  renderSignIn(message);
}

function renderShell() {
  const themeButton = h('button', { type: 'button', id: 'theme' });
  const setThemeLabel = () => { themeButton.textContent = 'Theme: ' + applyTheme(); };
  themeButton.addEventListener('click', () => {
    const current = localStorage.getItem('herald.theme') || 'system';
    localStorage.setItem('herald.theme', THEMES[(THEMES.indexOf(current) + 1) % THEMES.length]);
    setThemeLabel();
  });
  setThemeLabel();
  const shell = h('div', { class: 'shell' },
    h('header', { class: 'side' },
      h('div', { class: 'brand' }, logo(), 'Herald'),
      h('nav', { 'aria-label': 'Main' }, h('ul', {}, NAV.map(([href, label]) => h('li', {}, h('a', { href }, label))))),
      h('div', { class: 'foot' },
        h('span', {}, 'Key scopes: ' + scopes.join(', ')),
        themeButton,
        h('button', { type: 'button', onclick: () => signOut() }, 'Sign out'))),
    h('main', { id: 'main', tabindex: '-1' }));
  clear(document.getElementById('app'), shell);
  route();
}

const ROUTES = [
  [/^#\/overview$/, overview],
  [/^#\/notifications\/([^/?]+)$/, notificationDetail],
  [/^#\/notifications$/, notifications],
  [/^#\/dead-letters$/, deadLetters],
  [/^#\/templates\/([^/?]+)$/, templateDetail],
  [/^#\/templates$/, templates],
  [/^#\/users\/([^/?]+)$/, userDetail],
  [/^#\/users$/, users],
  [/^#\/providers$/, providers],
];

function hashParams() {
  const at = location.hash.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : location.hash.slice(at + 1));
}

async function route() {
  const main = document.getElementById('main');
  if (!key || !main) return;
  if (cleanup) cleanup();
  cleanup = null;
  const path = (location.hash || '#/overview').split('?')[0];
  const match = ROUTES.map(([re, page]) => [path.match(re), page]).find(([m]) => m);
  for (const a of document.querySelectorAll('.side nav a')) {
    if (path.startsWith(a.getAttribute('href'))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!match) {
    location.replace('#/overview');
    return;
  }
  const [m, render] = match;
  // Each route renders into its own view: a page still waiting for the API when the next route starts finishes into a
  // detached view, so two pages never mix (and its cleanup runs at once).
  const view = h('div', { class: 'view' }, h('p', { class: 'muted' }, 'Loading…'));
  clear(main, view);
  try {
    const stop = await render(view, ...m.slice(1).map(decodeURIComponent)) || null;
    if (view.isConnected) cleanup = stop;
    else if (stop) stop();
  } catch (err) {
    if (err.status !== 401 && view.isConnected) clear(view, h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, err.message));
  }
}

/** Starts a page: its heading (focused, so screen readers announce the new page), the title, and a live status line. */
function page(main, title, ...intro) {
  const heading = h('h1', { tabindex: '-1' }, title);
  clear(main, heading, intro, h('p', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' }));
  if (main.isConnected) {
    document.title = title + ' · Herald';
    heading.focus({ preventScroll: true });
  }
  return main;
}

function table(caption, headers, rows, emptyText) {
  if (rows.length === 0) return h('p', { class: 'muted' }, emptyText || 'Nothing here.');
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headers.map((x) => typeof x === 'string' ? h('th', { scope: 'col' }, x) : x))),
    h('tbody', {}, rows)));
}

function pager(nextCursor, params, base) {
  const nav = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  if (params.get('cursor')) {
    const first = new URLSearchParams(params);
    first.delete('cursor');
    append(nav, h('a', { class: 'button', href: base + (first.toString() ? '?' + first : '') }, 'First page'));
  }
  if (nextCursor) {
    const next = new URLSearchParams(params);
    next.set('cursor', nextCursor);
    append(nav, h('a', { class: 'button', href: base + '?' + next }, 'Next page'));
  }
  return nav;
}

// ---- Overview: live charts from /metrics (Prometheus text) and /api/v1/providers, refreshed every 2 s.

function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: parseFloat(m[3]) });
  }
  return samples;
}

const sum = (samples, name, filter = () => true) => samples.filter((s) => s.name === name && filter(s.labels)).reduce((a, s) => a + s.value, 0);

function lineChart(title, series, unit) {
  const width = 600, height = 140, pad = 28;
  const all = series.flatMap((s) => s.points);
  const max = Math.max(1, ...all);
  const n = Math.max(2, ...series.map((s) => s.points.length));
  const svg = h('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title },
    h('line', { class: 'axis', x1: pad, y1: height - pad / 2, x2: width, y2: height - pad / 2 }),
    h('text', { x: 0, y: 12 }, `${max.toFixed(max < 10 ? 1 : 0)} ${unit}`),
    h('text', { x: 0, y: height - pad / 2 }, '0'));
  series.forEach((s, i) => {
    if (s.points.length < 2) return;
    const points = s.points.map((v, j) => `${pad + (j + n - s.points.length) * (width - pad) / (n - 1)},${(height - pad / 2) - (v / max) * (height - pad)}`).join(' ');
    svg.append(h('polyline', { points, fill: 'none', stroke: ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#e377c2'][i % 5], 'stroke-width': 2, 'vector-effect': 'non-scaling-stroke' }));
  });
  const legend = h('ul', { class: 'legend' }, series.map((s, i) => h('li', {}, h('span', { class: 'swatch sw' + (i % 5) }), `${s.name}: ${(s.points.at(-1) ?? 0).toFixed(1)} ${unit}`)));
  return [svg, legend];
}

async function overview(main) {
  page(main, 'Overview', h('p', { class: 'muted' }, 'Live: refreshed every 2 seconds.'));
  const grid = h('div', { class: 'cards' });
  const cards = {};
  for (const [id, title, wide] of [['within', 'Delivered within 30 s'], ['dlq', 'Dead letters'], ['accepted', 'Accepted per second'], ['oldest', 'Oldest waiting'],
    ['throughput', 'Throughput by channel (sent per second)', true], ['lanes', 'Lanes: queue depth and oldest item', true], ['providers', 'Providers: errors and latency (last 5 minutes)', true]]) {
    cards[id] = h('div', {});
    grid.append(h('section', { class: 'card' + (wide ? ' wide' : ''), 'aria-labelledby': 'h-' + id }, h('h2', { id: 'h-' + id }, title), cards[id]));
  }
  main.append(grid);
  const history = Object.fromEntries(CHANNELS.map((c) => [c, []]));
  const accepted = [];
  let previous = null;
  let stopped = false;

  async function tick() {
    const [text, providerList] = await Promise.all([fetch('/metrics').then((r) => r.text()), api('/api/v1/providers')]);
    const samples = parseMetrics(text);
    const at = performance.now();
    const sent = Object.fromEntries(CHANNELS.map((c) => [c, sum(samples, 'herald_deliveries_total', (l) => l.channel === c && l.outcome === 'sent')]));
    const acceptedTotal = sum(samples, 'herald_notifications_accepted_total');
    if (previous) {
      const seconds = Math.max(0.001, (at - previous.at) / 1000);
      for (const c of CHANNELS) history[c] = [...history[c], Math.max(0, sent[c] - previous.sent[c]) / seconds].slice(-60);
      accepted.push(Math.max(0, acceptedTotal - previous.accepted) / seconds);
      if (accepted.length > 60) accepted.shift();
    }
    previous = { at, sent, accepted: acceptedTotal };

    const within = sum(samples, 'herald_delivery_latency_seconds_bucket', (l) => l.le === '30');
    const count = sum(samples, 'herald_delivery_latency_seconds_count');
    clear(cards.within, h('div', { class: 'big' }, count ? pct(within / count) : '—'),
      h('div', { class: 'meter', role: 'presentation' }, h('div', { style: { width: count ? (100 * within / count) + '%' : '0' } })),
      h('p', { class: 'muted' }, `${within} of ${count} deliveries since start`));
    const dead = sum(samples, 'herald_dlq_depth');
    clear(cards.dlq, h('div', { class: 'big' }, String(dead)), h('a', { href: '#/dead-letters' }, 'Open the dead-letter queue'));
    clear(cards.accepted, h('div', { class: 'big' }, (accepted.at(-1) ?? 0).toFixed(1)), h('p', { class: 'muted' }, `${acceptedTotal} accepted since start`));
    const ages = samples.filter((s) => s.name === 'herald_queue_oldest_age_seconds');
    const oldest = ages.reduce((a, s) => (s.value > a.value ? s : a), { value: 0, labels: {} });
    clear(cards.oldest, h('div', { class: 'big' }, ms(oldest.value * 1000)), h('p', { class: 'muted' }, oldest.value ? `${oldest.labels.channel} · ${oldest.labels.priority}` : 'every lane is empty'));
    clear(cards.throughput, lineChart('Deliveries sent per second by channel, last two minutes', CHANNELS.map((c) => ({ name: c, points: history[c] })), '/s'));

    const depth = samples.filter((s) => s.name === 'herald_queue_depth');
    const rows = depth.filter((s) => s.value > 0 || s.labels.priority === 'urgent').map((s) => {
      const age = ages.find((a) => a.labels.channel === s.labels.channel && a.labels.priority === s.labels.priority);
      return h('tr', {}, h('td', {}, s.labels.channel), h('td', {}, s.labels.priority), h('td', { class: 'num' }, String(s.value)), h('td', { class: 'num' }, ms((age?.value ?? 0) * 1000)));
    });
    clear(cards.lanes, table('Lanes with waiting deliveries, and the urgent lanes', ['Channel', 'Priority', h('th', { scope: 'col', class: 'num' }, 'Waiting'), h('th', { scope: 'col', class: 'num' }, 'Oldest')], rows, 'No lane has waiting deliveries.'));
    clear(cards.providers, table('Providers', ['Provider', 'Channel', 'Circuit', h('th', { scope: 'col', class: 'num' }, 'Calls'), h('th', { scope: 'col', class: 'num' }, 'Error rate'), h('th', { scope: 'col', class: 'num' }, 'p95')],
      providerList.providers.map((p) => h('tr', {}, h('td', {}, p.name), h('td', {}, p.channel), h('td', {}, chip(p.enabled ? p.circuit : 'disabled')),
        h('td', { class: 'num' }, String(p.stats.recent_calls)), h('td', { class: 'num' }, pct(p.stats.error_rate)), h('td', { class: 'num' }, ms(p.stats.p95_ms)))),
    'No providers are configured.'));
  }

  async function loop() {
    while (!stopped) {
      try {
        await tick();
      } catch (err) {
        if (err.status === 401) return;
        say('Could not refresh: ' + err.message, true);
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  loop();
  return () => { stopped = true; };
}

// ---- Notifications: search, detail with timeline and trace, send test

async function notifications(main) {
  const params = hashParams();
  page(main, 'Notifications');
  const field = (name, label, attrs = {}) => h('label', {}, label, h('input', { name, value: params.get(name) || '', ...attrs }));
  const status = h('select', { name: 'status' }, h('option', { value: '' }, 'any'), STATUSES.map((s) => h('option', { value: s, selected: params.get('status') === s }, s)));
  const form = h('form', {
    class: 'panel row', role: 'search', onsubmit: (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const q = new URLSearchParams();
      for (const [k, v] of data) {
        if (!v) continue;
        q.set(k, (k === 'from' || k === 'to') ? new Date(v).toISOString() : v);
      }
      location.hash = '#/notifications' + (q.toString() ? '?' + q : '');
    },
  },
    field('recipient_id', 'Recipient', { placeholder: 'user id' }),
    field('event_type', 'Event type', { placeholder: 'order.shipped' }),
    h('label', {}, 'Status', status),
    h('label', {}, 'From', h('input', { name: 'from', type: 'datetime-local', value: localInput(params.get('from')) })),
    h('label', {}, 'To', h('input', { name: 'to', type: 'datetime-local', value: localInput(params.get('to')) })),
    h('button', { class: 'primary', type: 'submit' }, 'Search'));
  main.append(form);
  const results = h('section', { 'aria-label': 'Results' });
  main.append(results, sendTestForm());
  const list = await api('/api/v1/notifications' + query({
    recipient_id: params.get('recipient_id'), event_type: params.get('event_type'), status: params.get('status'),
    from: params.get('from'), to: params.get('to'), cursor: params.get('cursor'), limit: PAGE,
  }));
  clear(results,
    table('Newest first', ['Created', 'Notification', 'Recipient', 'Event type', 'Priority', 'Status'],
      list.notifications.map((n) => h('tr', {},
        h('td', {}, when(n.created_at)), h('td', {}, h('a', { href: '#/notifications/' + encodeURIComponent(n.id), class: 'mono' }, n.id)),
        h('td', {}, n.recipient_id), h('td', {}, n.event_type), h('td', {}, n.priority), h('td', {}, chip(n.status)))),
      'No notification matches.'),
    pager(list.next_cursor, params, '#/notifications'));
}

function localInput(iso) {
  const d = new Date(iso || '');
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function sendTestForm() {
  const out = h('p', { role: 'status', 'aria-live': 'polite' });
  const form = h('form', {
    onsubmit: async (e) => {
      e.preventDefault();
      const data = new FormData(form);
      let payload;
      try {
        payload = JSON.parse(data.get('data') || '{}');
      } catch {
        clear(out, h('span', { class: 'error' }, 'Data must be a JSON object.'));
        return;
      }
      const channels = CHANNELS.filter((c) => data.get('ch-' + c));
      try {
        const accepted = await api('/api/v1/notifications', {
          method: 'POST',
          body: { recipient_id: data.get('recipient_id'), event_type: data.get('event_type'), template_id: data.get('template_id') || undefined, priority: data.get('priority'), channels: channels.length ? channels : undefined, data: payload },
        });
        clear(out, 'Accepted: ', h('a', { href: '#/notifications/' + accepted.id, class: 'mono' }, accepted.id));
      } catch (err) {
        clear(out, h('span', { class: 'error' }, err.message));
      }
    },
  },
    h('div', { class: 'row' },
      h('label', {}, 'Recipient', h('input', { name: 'recipient_id', required: true })),
      h('label', {}, 'Event type', h('input', { name: 'event_type', required: true })),
      h('label', {}, 'Template (default: the event type)', h('input', { name: 'template_id' })),
      h('label', {}, 'Priority', h('select', { name: 'priority' }, ['normal', 'urgent', 'low'].map((p) => h('option', { value: p }, p))))),
    h('fieldset', { class: 'row' }, h('legend', {}, 'Channels (none: every channel of the template)'),
      CHANNELS.map((c) => h('label', { class: 'inline' }, h('input', { type: 'checkbox', name: 'ch-' + c }), c))),
    h('label', {}, 'Data (JSON)', h('textarea', { name: 'data', rows: 4 }, '{}')),
    h('p', {}, h('button', { class: 'primary', type: 'submit' }, 'Send test')), out);
  return h('details', { class: 'panel' }, h('summary', {}, 'Send a test notification'), form);
}

const DECISIONS = {
  accepted: 'was accepted', queued: 'was queued', planned: 'was planned', deferred: 'was held back', suppressed: 'was not sent', sent: 'was handed to the provider',
  delivered: 'was delivered', failed: 'failed', dead: 'went to the dead-letter queue', retrying: 'will be retried', retry: 'will be retried',
  cancelled: 'was cancelled', expired: 'expired', replayed: 'was replayed', held: 'was held for a disabled endpoint',
  released: 'was released to its re-enabled endpoint', recovered: 'was recovered for its endpoint', folded: 'was folded into a digest', skipped: 'skipped a provider',
  failover: 'failed over to the next provider', opened: 'was opened', clicked: 'was clicked', bounced: 'bounced', read: 'was read',
};

function traceSentence(t) {
  const what = t.channel ? `The ${t.channel.replace('_', '-')} delivery` : 'The notification';
  return `${what} ${DECISIONS[t.decision] || t.decision} at the ${t.stage} stage: ${t.reason}.`.replace(/\.\.$/, '.');
}

async function notificationDetail(main, id) {
  const n = await api('/api/v1/notifications/' + encodeURIComponent(id));
  page(main, 'Notification ' + n.id);
  main.append(h('section', { class: 'panel' }, h('dl', { class: 'kv' },
    h('dt', {}, 'Status'), h('dd', {}, chip(n.status)),
    h('dt', {}, 'Recipient'), h('dd', {}, h('a', { href: '#/users/' + encodeURIComponent(n.recipient_id) }, n.recipient_id)),
    h('dt', {}, 'Event type'), h('dd', {}, n.event_type),
    h('dt', {}, 'Priority'), h('dd', {}, n.priority),
    h('dt', {}, 'Template'), h('dd', {}, h('a', { href: '#/templates/' + encodeURIComponent(n.template_id) }, n.template_id + (n.template_version ? ' v' + n.template_version : ''))),
    h('dt', {}, 'Created'), h('dd', {}, when(n.created_at)))));
  main.append(h('h2', {}, 'Deliveries'));
  const channels = [...new Set([...n.deliveries.map((d) => d.channel), ...n.trace.filter((t) => t.channel).map((t) => t.channel)])];
  const grid = h('div', { class: 'cards' });
  for (const c of channels) {
    const ds = n.deliveries.filter((d) => d.channel === c);
    const steps = n.trace.filter((t) => t.channel === c);
    grid.append(h('section', { class: 'card', 'aria-label': c + ' delivery' },
      h('h3', {}, c.replace('_', '-'), ' ', ds.map((d) => chip(d.status))),
      ds.map((d) => h('dl', { class: 'kv' },
        h('dt', {}, 'To'), h('dd', { class: 'mono' }, d.target),
        h('dt', {}, 'Provider'), h('dd', {}, d.provider || '—'),
        h('dt', {}, 'Attempts'), h('dd', {}, String(d.attempts)),
        h('dt', {}, 'Sent'), h('dd', {}, when(d.sent_at)),
        h('dt', {}, 'Delivered'), h('dd', {}, when(d.delivered_at)),
        d.last_error ? [h('dt', {}, 'Last error'), h('dd', { class: 'error' }, d.last_error)] : null)),
      h('ol', { class: 'timeline', 'aria-label': c + ' timeline' }, steps.map((t) => h('li', {}, h('time', { datetime: t.at }, clock(t.at)), h('div', {}, chip(t.decision), ' ', t.reason))))));
  }
  main.append(channels.length ? grid : h('p', { class: 'muted' }, 'No deliveries yet.'));
  main.append(h('h2', {}, 'Decision trace'),
    h('ol', { class: 'timeline', id: 'trace' }, n.trace.map((t) => h('li', {}, h('time', { datetime: t.at }, clock(t.at)), h('div', {}, traceSentence(t))))));
}

// ---- Dead letters: filter, inspect, replay a selection with confirmation and progress

async function deadLetters(main) {
  const params = hashParams();
  page(main, 'Dead letters', h('p', { class: 'muted' }, 'Deliveries that failed for good or ran out of attempts. Replaying sends them again with a fresh attempt budget.'));
  const channel = h('select', { name: 'channel', id: 'dlq-channel' }, h('option', { value: '' }, 'every channel'), CHANNELS.map((c) => h('option', { value: c, selected: params.get('channel') === c }, c)));
  channel.addEventListener('change', () => { location.hash = '#/dead-letters' + query({ channel: channel.value }); });
  main.append(h('div', { class: 'panel row' }, h('label', { for: 'dlq-channel' }, 'Channel', channel)));
  const list = await api('/api/v1/dead-letters' + query({ channel: params.get('channel'), cursor: params.get('cursor'), limit: PAGE }));
  const selected = new Set();
  const replayButton = h('button', { class: 'primary', type: 'button', disabled: true }, 'Replay selected');
  const inspector = h('section', { class: 'panel', 'aria-label': 'Dead letter details', hidden: true });
  const statusCells = new Map();
  const attemptCells = new Map();
  const update = () => {
    replayButton.disabled = selected.size === 0 || !isAdmin();
    replayButton.textContent = `Replay selected (${selected.size})`;
  };
  const boxes = [];
  const rows = list.dead_letters.map((d) => {
    const box = h('input', {
      type: 'checkbox', 'aria-label': 'Select ' + d.delivery_id, onchange: () => {
        if (box.checked) selected.add(d.delivery_id); else selected.delete(d.delivery_id);
        row.classList.toggle('selected', box.checked);
        update();
      },
    });
    boxes.push([box, d.delivery_id]);
    statusCells.set(d.delivery_id, h('td', {}, chip(d.status || 'dead')));
    attemptCells.set(d.delivery_id, h('td', { class: 'num' }, String(d.attempts)));
    const row = h('tr', { 'data-id': d.delivery_id },
      h('td', {}, box),
      h('td', {}, h('button', { type: 'button', class: 'mono', onclick: () => inspect(d.delivery_id) }, d.delivery_id)),
      h('td', {}, d.channel), h('td', {}, d.recipient_id), h('td', {}, d.event_type),
      attemptCells.get(d.delivery_id), h('td', {}, d.last_error || '—'), h('td', {}, when(d.updated_at)), statusCells.get(d.delivery_id));
    return row;
  });
  const all = h('input', {
    type: 'checkbox', 'aria-label': 'Select every dead letter on this page', onchange: () => {
      for (const [box, id] of boxes) {
        box.checked = all.checked;
        if (all.checked) selected.add(id); else selected.delete(id);
        box.closest('tr').classList.toggle('selected', all.checked);
      }
      update();
    },
  });

  async function inspect(id) {
    const d = await api('/api/v1/dead-letters/' + encodeURIComponent(id));
    inspector.hidden = false;
    clear(inspector, h('h2', { tabindex: '-1' }, 'Delivery ' + d.delivery_id),
      h('dl', { class: 'kv' },
        h('dt', {}, 'Status'), h('dd', {}, chip(d.status)),
        h('dt', {}, 'Notification'), h('dd', {}, h('a', { href: '#/notifications/' + d.notification_id, class: 'mono' }, d.notification_id)),
        h('dt', {}, 'Channel'), h('dd', {}, d.channel),
        h('dt', {}, 'To'), h('dd', { class: 'mono' }, d.target),
        h('dt', {}, 'Attempts'), h('dd', {}, String(d.attempts)),
        h('dt', {}, 'Last error'), h('dd', { class: 'error' }, d.last_error || '—')),
      h('h3', {}, 'Payload'), d.content === null
        ? h('p', { class: 'muted' }, 'The rendered payload needs a key with the content:read scope.')
        : h('pre', {}, JSON.stringify(d.content, null, 2)));
    inspector.querySelector('h2').focus();
  }

  const dialog = h('dialog', { 'aria-labelledby': 'replay-title' });
  main.append(h('div', { class: 'row' }, replayButton, isAdmin() ? null : h('span', { class: 'muted' }, 'Replaying needs an admin key.')));
  main.append(table('Dead letters, oldest first', [h('th', { scope: 'col' }, all), 'Delivery', 'Channel', 'Recipient', 'Event type', h('th', { scope: 'col', class: 'num' }, 'Attempts'), 'Last error', 'Updated', 'Status'], rows, 'The dead-letter queue is empty.'),
    pager(list.next_cursor, params, '#/dead-letters'), inspector, dialog);
  update();

  replayButton.addEventListener('click', () => {
    const ids = [...selected];
    const progress = h('progress', { max: ids.length, value: 0 });
    const progressText = h('p', { role: 'status', 'aria-live': 'polite' }, `0 of ${ids.length} replayed`);
    const confirm = h('button', { class: 'primary', type: 'button' }, `Replay ${ids.length}`);
    const cancel = h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel');
    clear(dialog, h('h2', { id: 'replay-title' }, `Replay ${ids.length} dead letter${ids.length === 1 ? '' : 's'}?`),
      h('p', {}, 'Each is sent again through its channel with a fresh attempt budget. Deliveries that were already sent are refused, never sent twice.'),
      h('div', { class: 'row' }, confirm, cancel));
    confirm.addEventListener('click', async () => {
      confirm.disabled = true;
      cancel.disabled = true;
      dialog.append(progress, progressText);
      let done = 0, failed = 0;
      for (const id of ids) {
        try {
          const r = await api(`/api/v1/dead-letters/${encodeURIComponent(id)}/replay`, { method: 'POST' });
          clear(statusCells.get(id), chip(r.status));
        } catch (err) {
          failed++;
          clear(statusCells.get(id), h('span', { class: 'error' }, err.message));
        }
        progress.value = ++done;
        progressText.textContent = `${done} of ${ids.length} replayed${failed ? `, ${failed} refused` : ''}`;
      }
      dialog.close();
      say(`${done - failed} of ${ids.length} replayed; following their new attempts…`);
      follow(ids);
    });
    dialog.showModal();
    confirm.focus();
  });

  // Replayed rows stay on the page and show their new status and attempt count as the pipeline moves them.
  async function follow(ids) {
    for (let round = 0; round < 15; round++) {
      await new Promise((r) => setTimeout(r, 1000));
      if (!document.body.contains(replayButton)) return;
      let settled = true;
      for (const id of ids) {
        const d = await api('/api/v1/dead-letters/' + encodeURIComponent(id));
        clear(statusCells.get(id), chip(d.status));
        clear(attemptCells.get(id), String(d.attempts));
        if (!['delivered', 'sent', 'dead', 'failed', 'suppressed', 'cancelled', 'expired'].includes(d.status)) settled = false;
      }
      if (settled) {
        say('Every replayed delivery has settled.');
        return;
      }
    }
  }
}

// ---- Templates: list, versions, editor with live preview, diff, publish

async function templates(main) {
  page(main, 'Templates');
  const list = await api('/api/v1/templates');
  const idInput = h('input', { name: 'template_id', required: true, pattern: '[A-Za-z0-9][A-Za-z0-9_.:-]*', placeholder: 'order.shipped' });
  main.append(table('Templates (latest version of each)', ['Template', 'Latest version', 'Status', 'Description', 'Created'],
    list.templates.map((t) => h('tr', {}, h('td', {}, h('a', { href: '#/templates/' + encodeURIComponent(t.template_id) }, t.template_id)),
      h('td', {}, 'v' + t.version), h('td', {}, chip(t.status)), h('td', {}, t.description || ''), h('td', {}, when(t.created_at)))),
    'No templates yet.'),
  h('form', { class: 'panel row', onsubmit: (e) => { e.preventDefault(); location.hash = '#/templates/' + encodeURIComponent(idInput.value.trim()); } },
    h('label', {}, 'New template id', idInput), h('button', { type: 'submit' }, 'Create')));
}

function definitionOf(version) {
  const d = version?.definition || {};
  return { description: version?.description || '', variables: d.variables || [], channels: d.channels || { in_app: { title: 'Hello {{name}}', body: '' } }, locales: d.locales || undefined, dedup: d.dedup || undefined };
}

function lineDiff(a, b) {
  const x = a.split('\n'), y = b.split('\n');
  const lcs = Array.from({ length: x.length + 1 }, () => new Array(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) for (let j = y.length - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out = [];
  let i = 0, j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) { out.push([' ', x[i]]); i++; j++; }
    else if (j < y.length && (i === x.length || lcs[i][j + 1] >= lcs[i + 1][j])) { out.push(['+', y[j]]); j++; }
    else { out.push(['-', x[i]]); i++; }
  }
  return out;
}

async function templateDetail(main, id) {
  let t = null;
  try {
    t = await api('/api/v1/templates/' + encodeURIComponent(id));
  } catch (err) {
    if (err.status !== 404) throw err;
  }
  page(main, 'Template ' + id);
  const versions = t?.versions || [];
  const editing = versions.at(-1);
  const pretty = (v) => JSON.stringify(definitionOf(v), null, 2);

  const versionsSection = h('section', { 'aria-label': 'Versions' }, h('h2', {}, 'Versions'),
    table(t ? `Published: ${t.published_version ? 'v' + t.published_version : 'none'}` : 'Not saved yet', ['Version', 'Status', 'Created', 'Published', 'Actions'],
      versions.slice().reverse().map((v) => h('tr', {}, h('td', {}, 'v' + v.version), h('td', {}, chip(v.status)), h('td', {}, when(v.created_at)), h('td', {}, when(v.published_at)),
        h('td', {}, h('div', { class: 'row' },
          h('button', { type: 'button', onclick: () => { editor.value = pretty(v); preview(); say(`Editing a copy of v${v.version}.`); } }, `Edit v${v.version}`),
          v.status === 'draft' ? h('button', { type: 'button', class: 'primary', disabled: !isAdmin(), onclick: () => publish(v.version) }, `Publish v${v.version}`) : null)))),
      'This template has no versions yet: write one below and save it.'));

  const editor = h('textarea', { id: 'tpl-editor', rows: 18, spellcheck: 'false', 'aria-describedby': 'tpl-help' }, pretty(editing));
  const channel = h('select', { id: 'tpl-channel' }, h('option', { value: '' }, 'every channel'), CHANNELS.map((c) => h('option', { value: c }, c)));
  const locale = h('input', { id: 'tpl-locale', placeholder: 'en', size: 8 });
  const sample = h('textarea', { id: 'tpl-sample', rows: 6, spellcheck: 'false' }, JSON.stringify(Object.fromEntries((definitionOf(editing).variables || []).map((v) => [v, 'sample ' + v])), null, 2));
  const output = h('div', { id: 'tpl-preview', 'aria-live': 'polite' });
  let timer = null;

  async function preview() {
    let definition, data;
    try {
      definition = JSON.parse(editor.value);
      data = JSON.parse(sample.value || '{}');
    } catch (err) {
      clear(output, h('p', { class: 'error' }, 'Not valid JSON: ' + err.message));
      return;
    }
    try {
      // Rendering an unsaved draft needs the admin scope (it is any template its author likes); a read key previews the stored version.
      const r = await api(`/api/v1/templates/${encodeURIComponent(id)}/preview`, { method: 'POST', body: { definition: isAdmin() ? definition : undefined, data, channel: channel.value || undefined, locale: locale.value || undefined } });
      clear(output, Object.entries(r.channels).map(([c, parts]) => h('section', { class: 'preview-part', 'aria-label': c + ' preview' }, h('h3', {}, c),
        h('dl', { class: 'kv' }, Object.entries(parts || {}).map(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))])))),
        isAdmin() ? null : h('p', { class: 'muted' }, `Showing stored v${r.version}: previewing edits needs an admin key.`));
    } catch (err) {
      clear(output, h('p', { class: 'error' }, err.message));
    }
  }
  const schedule = () => { clearTimeout(timer); timer = setTimeout(preview, 250); };
  for (const el of [editor, sample, locale]) el.addEventListener('input', schedule);
  channel.addEventListener('change', preview);

  const save = h('button', {
    type: 'button', class: 'primary', disabled: !isAdmin(), onclick: async () => {
      try {
        const d = JSON.parse(editor.value);
        const created = await api('/api/v1/templates', { method: 'POST', body: { template_id: id, description: d.description, variables: d.variables, channels: d.channels, locales: d.locales, dedup: d.dedup } });
        say(`Saved as v${created.version} (draft).`);
        await templateDetail(main, id);
        say(`Saved as v${created.version} (draft). Publish it to use it for new notifications.`);
      } catch (err) {
        say(err.message, true);
      }
    },
  }, 'Save as new version');

  async function publish(version) {
    try {
      await api(`/api/v1/templates/${encodeURIComponent(id)}/versions/${version}/publish`, { method: 'POST' });
      await templateDetail(main, id);
      say(`v${version} is published: new notifications use it.`);
    } catch (err) {
      say(err.message, true);
    }
  }

  const from = h('select', { id: 'diff-from' }, versions.map((v, i) => h('option', { value: v.version, selected: i === versions.length - 2 }, 'v' + v.version)));
  const to = h('select', { id: 'diff-to' }, versions.map((v, i) => h('option', { value: v.version, selected: i === versions.length - 1 }, 'v' + v.version)));
  const diffOut = h('div', { 'aria-live': 'polite' });
  const compare = () => {
    const a = versions.find((v) => String(v.version) === from.value), b = versions.find((v) => String(v.version) === to.value);
    const lines = lineDiff(pretty(a), pretty(b));
    const changed = lines.filter(([k]) => k !== ' ').length;
    clear(diffOut, h('p', { class: 'muted' }, changed ? `${changed} changed line${changed === 1 ? '' : 's'} from v${from.value} to v${to.value}` : 'The two versions are the same.'),
      h('ol', { class: 'diff', 'aria-label': `Differences from v${from.value} to v${to.value}` }, lines.map(([k, text]) =>
        h('li', { class: k === '+' ? 'add' : k === '-' ? 'del' : '' }, h('span', { 'aria-hidden': 'false' }, k === '+' ? '+ ' : k === '-' ? '- ' : '  '), text))));
  };

  main.append(versionsSection,
    h('section', { 'aria-label': 'Editor' }, h('h2', {}, 'Editor'),
      h('div', { class: 'split' },
        h('div', {},
          h('label', { for: 'tpl-editor' }, 'Definition (JSON: description, variables, channels, locales)'), editor,
          h('p', { id: 'tpl-help', class: 'muted' }, 'Handlebars placeholders such as {{name}}; per-locale overrides under "locales"; content dedup for the event type under "dedup" ({"window": "PT1H", "urgent": false}). The preview updates as you type.'),
          h('div', { class: 'row' }, save, isAdmin() ? null : h('span', { class: 'muted' }, 'Saving and publishing need an admin key.'))),
        h('div', {},
          h('div', { class: 'row' }, h('label', { for: 'tpl-channel' }, 'Channel', channel), h('label', { for: 'tpl-locale' }, 'Locale', locale)),
          h('label', { for: 'tpl-sample' }, 'Sample data (JSON)'), sample,
          h('h3', {}, 'Preview'), output))),
    versions.length > 1 ? h('section', { 'aria-label': 'Compare versions' }, h('h2', {}, 'Compare versions'),
      h('div', { class: 'row' }, h('label', { for: 'diff-from' }, 'From', from), h('label', { for: 'diff-to' }, 'To', to), h('button', { type: 'button', onclick: compare }, 'Compare')), diffOut) : null);
  if (versions.length > 1) compare();
  preview();
}

// ---- Users: profile, devices, preferences (quiet hours with a time-zone picker), feed preview

async function users(main) {
  page(main, 'Users');
  const input = h('input', { name: 'user', required: true, placeholder: 'user id' });
  main.append(h('form', { class: 'panel row', role: 'search', onsubmit: (e) => { e.preventDefault(); location.hash = '#/users/' + encodeURIComponent(input.value.trim()); } },
    h('label', {}, 'User id', input), h('button', { class: 'primary', type: 'submit' }, 'Open')),
  h('p', { class: 'muted' }, 'Users are found by id; the notifications page searches by recipient.'));
  input.focus();
}

const ZONES = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];

function zonePicker(id, value) {
  return h('select', { id }, h('option', { value: '' }, '(the user\'s time zone)'), ZONES.map((z) => h('option', { value: z, selected: z === value }, z)));
}

async function userDetail(main, id) {
  const enc = encodeURIComponent(id);
  const [profile, devices, preferences, feed] = await Promise.all([
    api(`/api/v1/users/${enc}`).catch((err) => { if (err.status === 404) return null; throw err; }),
    api(`/api/v1/users/${enc}/devices`), api(`/api/v1/users/${enc}/preferences`), api(`/api/v1/users/${enc}/feed?limit=10`).catch((err) => { if (err.status === 403) return null; throw err; })]);
  page(main, 'User ' + id, h('p', {}, h('a', { href: '#/notifications?recipient_id=' + enc }, 'Their notifications')));

  const f = (name, label, value) => h('label', {}, label, h('input', { name, value: value || '' }));
  const tz = zonePicker('profile-tz', profile?.timezone);
  tz.name = 'timezone';
  tz.firstChild.textContent = '(none: UTC)';
  const profileForm = h('form', {
    class: 'panel', onsubmit: async (e) => {
      e.preventDefault();
      const d = new FormData(profileForm);
      try {
        await api(`/api/v1/users/${enc}`, { method: 'PUT', body: { email: d.get('email') || null, phone: d.get('phone') || null, locale: d.get('locale') || null, timezone: d.get('timezone') || null } });
        say('Profile saved.');
      } catch (err) {
        say(err.message, true);
      }
    },
  }, h('h2', {}, 'Profile'), profile ? null : h('p', { class: 'muted' }, 'No profile stored yet.'),
  h('div', { class: 'row' }, f('email', 'Email', profile?.email), f('phone', 'Phone', profile?.phone), f('locale', 'Locale', profile?.locale), h('label', { for: 'profile-tz' }, 'Time zone', tz)),
  h('p', {}, h('button', { class: 'primary', type: 'submit', disabled: !isAdmin() }, 'Save profile')));

  const deviceRows = devices.devices.map((d) => h('tr', {}, h('td', { class: 'mono' }, d.id), h('td', {}, d.platform), h('td', { class: 'mono' }, d.token), h('td', {}, d.app_version || ''), h('td', {}, when(d.created_at)),
    h('td', {}, h('button', {
      type: 'button', class: 'danger', disabled: !isAdmin(), onclick: async () => {
        await api(`/api/v1/users/${enc}/devices/${encodeURIComponent(d.id)}`, { method: 'DELETE' });
        await userDetail(main, id);
        say('Device removed.');
      },
    }, 'Remove'))));

  const rulesBox = h('div', {});
  const rules = (preferences.rules || []).map((r) => ({ ...r }));
  const drawRules = () => clear(rulesBox, rules.length ? null : h('p', { class: 'muted' }, 'No rules: every event type goes to every channel, any time.'), rules.map((r, i) => {
    const n = i + 1;
    const channel = h('select', { id: `rule-${n}-channel`, onchange: () => { r.channel = channel.value || null; } }, h('option', { value: '' }, 'any channel'), CHANNELS.map((c) => h('option', { value: c, selected: r.channel === c }, c)));
    const zone = zonePicker(`rule-${n}-tz`, r.quiet_hours?.timezone);
    const quiet = () => {
      const start = document.getElementById(`rule-${n}-qs`).value, end = document.getElementById(`rule-${n}-qe`).value;
      r.quiet_hours = start && end ? { start, end, timezone: zone.value || null } : null;
    };
    zone.addEventListener('change', quiet);
    return h('fieldset', { class: 'panel' }, h('legend', {}, `Rule ${n}`),
      h('div', { class: 'row' },
        h('label', {}, 'Event type or pattern', h('input', { value: r.event_type || '', placeholder: 'order.* (any)', oninput: (e) => { r.event_type = e.target.value || null; } })),
        h('label', { for: `rule-${n}-channel` }, 'Channel', channel),
        h('label', { class: 'inline' }, h('input', { type: 'checkbox', checked: r.enabled !== false, onchange: (e) => { r.enabled = e.target.checked; } }), 'Enabled'),
        h('label', {}, 'At most per day', h('input', { type: 'number', min: 1, value: r.frequency_cap ?? '', oninput: (e) => { r.frequency_cap = e.target.value ? Number(e.target.value) : null; } }))),
      h('div', { class: 'row' },
        h('label', { for: `rule-${n}-qs` }, 'Quiet from', h('input', { id: `rule-${n}-qs`, type: 'time', value: r.quiet_hours?.start || '', oninput: quiet })),
        h('label', { for: `rule-${n}-qe` }, 'Quiet until', h('input', { id: `rule-${n}-qe`, type: 'time', value: r.quiet_hours?.end || '', oninput: quiet })),
        h('label', { for: `rule-${n}-tz` }, 'Quiet hours time zone', zone),
        h('button', { type: 'button', class: 'danger', onclick: () => { rules.splice(i, 1); drawRules(); } }, `Remove rule ${n}`)));
  }));
  drawRules();
  const prefs = h('section', { class: 'panel', 'aria-label': 'Preferences' }, h('h2', {}, 'Preferences'), rulesBox,
    h('div', { class: 'row' },
      h('button', { type: 'button', onclick: () => { rules.push({ enabled: true }); drawRules(); } }, 'Add rule'),
      h('button', {
        type: 'button', class: 'primary', disabled: !isAdmin(), onclick: async () => {
          try {
            const clean = rules.map((r) => ({ event_type: '*', ...Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null && v !== undefined && v !== '')) }));
            await api(`/api/v1/users/${enc}/preferences`, { method: 'PUT', body: { rules: clean } });
            say('Preferences saved.');
          } catch (err) {
            say(err.message, true);
          }
        },
      }, 'Save preferences')));

  main.append(profileForm,
    h('section', { class: 'panel', 'aria-label': 'Devices' }, h('h2', {}, 'Devices'), table('Push devices (tokens masked)', ['Device', 'Platform', 'Token', 'App version', 'Added', ''], deviceRows, 'No devices.')),
    prefs,
    h('section', { class: 'panel', 'aria-label': 'Feed' }, feed === null
      ? [h('h2', {}, 'In-app feed'), h('p', { class: 'muted' }, 'Reading a user\'s feed needs a key with the content:read scope.')]
      : [h('h2', {}, `In-app feed (${feed.unread_count} unread)`),
        table('The ten newest items', ['Created', 'Title', 'Body', 'Read'], feed.notifications.map((i) => h('tr', {}, h('td', {}, when(i.created_at)), h('td', {}, i.title || ''), h('td', {}, i.body || ''), h('td', {}, i.read ? 'read' : chip('unread')))), 'The feed is empty.')]));
}

// ---- Providers and webhook endpoints

async function providers(main) {
  const params = hashParams();
  const [list, endpoints] = await Promise.all([api('/api/v1/providers'), api('/api/v1/webhook-endpoints' + query({ cursor: params.get('cursor'), limit: PAGE }))]);
  page(main, 'Providers & endpoints');
  const toggleProvider = async (p) => {
    try {
      await api(`/api/v1/providers/${encodeURIComponent(p.name)}/${p.enabled ? 'disable' : 'enable'}`, { method: 'POST' });
      await providers(main);
      say(`${p.name} ${p.enabled ? 'disabled' : 'enabled'}.`);
    } catch (err) {
      say(err.message, true);
    }
  };
  const toggleEndpoint = async (e) => {
    try {
      await api(`/api/v1/webhook-endpoints/${encodeURIComponent(e.id)}/${e.enabled ? 'disable' : 'enable'}`, { method: 'POST' });
      await providers(main);
      say(`Endpoint ${e.id} ${e.enabled ? 'disabled' : 'enabled'}.`);
    } catch (err) {
      say(err.message, true);
    }
  };
  main.append(h('h2', {}, 'Providers'),
    table('In failover order per channel; figures over the last 5 minutes on this node', ['Channel', 'Order', 'Provider', 'Type', 'Circuit', 'State', h('th', { scope: 'col', class: 'num' }, 'Calls'), h('th', { scope: 'col', class: 'num' }, 'Errors'), h('th', { scope: 'col', class: 'num' }, 'p50'), h('th', { scope: 'col', class: 'num' }, 'p95'), 'Recent circuit changes', ''],
      list.providers.map((p) => h('tr', {}, h('td', {}, p.channel), h('td', {}, String(p.order)), h('td', {}, p.name), h('td', {}, p.type), h('td', {}, chip(p.circuit)), h('td', {}, chip(p.enabled ? 'enabled' : 'disabled')),
        h('td', { class: 'num' }, String(p.stats.recent_calls)), h('td', { class: 'num' }, pct(p.stats.error_rate)), h('td', { class: 'num' }, ms(p.stats.p50_ms)), h('td', { class: 'num' }, ms(p.stats.p95_ms)),
        h('td', {}, p.transitions.slice(-3).map((t) => h('div', {}, `${clock(t.at)} ${t.state}`))),
        h('td', {}, h('button', { type: 'button', disabled: !isAdmin(), 'aria-label': `${p.enabled ? 'Disable' : 'Enable'} ${p.name}`, onclick: () => toggleProvider(p) }, p.enabled ? 'Disable' : 'Enable')))),
      'No providers are configured.'),
    h('h2', {}, 'Webhook endpoints'),
    table('Endpoints by id', ['Endpoint', 'URL', 'For', 'Event types', 'State', 'Failing since', ''],
      endpoints.endpoints.map((e) => h('tr', {}, h('td', { class: 'mono' }, e.id), h('td', { class: 'mono' }, e.url), h('td', {}, e.recipient_id || 'operational'), h('td', {}, (e.event_types || []).join(', ') || 'all'),
        h('td', {}, chip(e.enabled ? 'enabled' : 'disabled'), e.disabled_reason ? h('div', { class: 'muted' }, e.disabled_reason) : null), h('td', {}, when(e.failing_since)),
        h('td', {}, h('button', { type: 'button', disabled: !isAdmin(), 'aria-label': `${e.enabled ? 'Disable' : 'Enable'} ${e.id}`, onclick: () => toggleEndpoint(e) }, e.enabled ? 'Disable' : 'Enable')))),
      'No webhook endpoints.'),
    pager(endpoints.next_cursor, params, '#/providers'));
}

// ---- Start

applyTheme();
window.addEventListener('hashchange', route);
document.querySelector('.skip')?.addEventListener('click', (e) => { e.preventDefault(); document.getElementById('main')?.focus(); });
if (!key) {
  renderSignIn();
} else {
  api('/api/v1/me').then((me) => { scopes = me.scopes; renderShell(); }).catch(() => {});
}
