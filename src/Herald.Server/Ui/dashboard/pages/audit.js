// Audit: who did what to which resource, newest first, filtered by action, actor, target and time (admin keys only).
import { api, PAGE, query } from '../api.js';
import { clear, h } from '../dom.js';
import { localInput, when } from '../format.js';
import { hashParams, page, pager, say, table } from '../layout.js';
import { auditActions } from '../openapi.js';
import { isAdmin } from '../state.js';

export async function audit(main) {
  const params = hashParams();
  page(main, 'Audit', h('p', { class: 'muted' }, 'Operator actions: templates published, dead letters replayed, providers switched, users erased, and more. Sends are not listed.'));
  if (!isAdmin()) {
    main.append(h('p', { class: 'muted' }, 'The audit log needs an admin key.'));
    return;
  }
  const field = (name, label, attrs = {}) => h('label', {}, label, h('input', { name, value: params.get(name) || '', ...attrs }));
  // The actions are the server's own (its OpenAPI document); until they arrive the select holds the searched one alone.
  const searched = params.get('action');
  const action = h('select', { name: 'action', 'aria-busy': 'true' }, h('option', { value: '' }, 'any'), searched ? h('option', { value: searched, selected: true }, searched) : null);
  auditActions().then(
    (all) => clear(action, h('option', { value: '' }, 'any'), all.map((a) => h('option', { value: a, selected: searched === a }, a))),
    (err) => { if (action.isConnected) say('Could not load the actions to filter by: ' + err.message, true); })
    .finally(() => action.removeAttribute('aria-busy'));
  const form = h('form', {
    class: 'panel row', role: 'search', onsubmit: (e) => {
      e.preventDefault();
      const q = new URLSearchParams();
      for (const [k, v] of new FormData(form)) {
        if (v) q.set(k, (k === 'from' || k === 'to') ? new Date(v).toISOString() : v);
      }
      location.hash = '#/audit' + (q.toString() ? '?' + q : '');
    },
  },
    h('label', {}, 'Action', action),
    field('actor', 'Actor', { placeholder: 'key id or system' }),
    field('target', 'Target', { placeholder: 'resource id' }),
    h('label', {}, 'From', h('input', { name: 'from', type: 'datetime-local', value: localInput(params.get('from')) })),
    h('label', {}, 'To', h('input', { name: 'to', type: 'datetime-local', value: localInput(params.get('to')) })),
    h('button', { class: 'primary', type: 'submit' }, 'Search'));
  const results = h('section', { 'aria-label': 'Results' });
  main.append(form, results);
  const list = await api('/api/v1/audit' + query({
    action: params.get('action'), actor: params.get('actor'), target: params.get('target'),
    from: params.get('from'), to: params.get('to'), cursor: params.get('cursor'), limit: PAGE,
  }));
  clear(results,
    table('Operator actions, newest first', ['When', 'Action', 'Actor', 'Target', 'Details'],
      list.entries.map((e) => h('tr', {},
        // Ids and details are long unbroken strings: they wrap anywhere, so the table fits a phone without scrolling.
        h('td', {}, when(e.at)), h('td', { class: 'breakable' }, e.action), h('td', { class: 'mono breakable' }, e.actor),
        h('td', { class: 'mono breakable' }, e.target), h('td', { class: 'mono breakable' }, e.details ? JSON.stringify(e.details) : '—'))),
      'No action matches.'),
    pager(list.next_cursor, params, '#/audit'));
}
