// Providers (failover order, circuits, switches) and webhook endpoints.
import { api, PAGE, query } from '../api.js';
import { h } from '../dom.js';
import { clock, ms, pct, when } from '../format.js';
import { chip, hashParams, page, pager, say, table } from '../layout.js';
import { isAdmin } from '../state.js';

export async function providers(main) {
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
