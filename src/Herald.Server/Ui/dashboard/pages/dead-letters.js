// Dead letters: filter, inspect, replay a selection with confirmation and progress.
import { api, CHANNELS, PAGE, query } from '../api.js';
import { clear, h } from '../dom.js';
import { when } from '../format.js';
import { chip, hashParams, page, pager, say, table } from '../layout.js';
import { isAdmin } from '../state.js';

export async function deadLetters(main) {
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
