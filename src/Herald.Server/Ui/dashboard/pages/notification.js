// One notification: its deliveries per channel with their timelines, and the decision trace in plain words.
import { api } from '../api.js';
import { h } from '../dom.js';
import { clock, when } from '../format.js';
import { chip, page } from '../layout.js';

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

export async function notificationDetail(main, id) {
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
