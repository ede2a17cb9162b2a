// Overview: live charts from /metrics (Prometheus text) and /api/v1/providers, refreshed every 2 s.
import { api, CHANNELS } from '../api.js';
import { lineChart, parseMetrics, sum } from '../charts.js';
import { clear, h } from '../dom.js';
import { ms, pct } from '../format.js';
import { chip, page, say, table } from '../layout.js';

export async function overview(main) {
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
