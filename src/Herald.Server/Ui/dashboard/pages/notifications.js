// Notifications: search (recipient, event type, status, time range), paged on the server, and a test send.
import { api, CHANNELS, PAGE, query } from '../api.js';
import { clear, h } from '../dom.js';
import { localInput, when } from '../format.js';
import { chip, hashParams, page, pager, say, table } from '../layout.js';
import { notificationStatuses } from '../openapi.js';

export async function notifications(main) {
  const params = hashParams();
  page(main, 'Notifications');
  const field = (name, label, attrs = {}) => h('label', {}, label, h('input', { name, value: params.get(name) || '', ...attrs }));
  // The statuses are the server's own (its OpenAPI document, fetched once per load). Until they arrive the select holds
  // the searched status alone, so a search sent meanwhile keeps it.
  const searched = params.get('status');
  const status = h('select', { name: 'status', 'aria-busy': 'true' }, h('option', { value: '' }, 'any'), searched ? h('option', { value: searched, selected: true }, searched) : null);
  notificationStatuses().then(
    (statuses) => clear(status, h('option', { value: '' }, 'any'), statuses.map((s) => h('option', { value: s, selected: searched === s }, s))),
    (err) => { if (status.isConnected) say('Could not load the statuses to filter by: ' + err.message, true); })
    .finally(() => status.removeAttribute('aria-busy'));
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
