// The parts every page is made of: heading and status line, status chips, tables, pagers, and the hash's query.
import { append, clear, h } from './dom.js';

/** Starts a page: its heading (focused, so screen readers announce the new page), the title, and a live status line. */
export function page(main, title, ...intro) {
  const heading = h('h1', { tabindex: '-1' }, title);
  clear(main, heading, intro, h('p', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' }));
  if (main.isConnected) {
    document.title = title + ' · Herald';
    heading.focus({ preventScroll: true });
  }
  return main;
}

/** Tells the page's live status line (see page) what happened. */
export function say(message, isError) {
  const status = document.getElementById('status');
  if (status) clear(status, h('span', { class: isError ? 'error' : '' }, message));
}

/** A state as a chip, toned good, bad or waiting. */
export function chip(text) {
  const tone = /^(delivered|sent|completed|closed|published|enabled|live|opened|clicked|active)$/.test(text) ? 'ok'
    : /^(dead|failed|open|isolated|bounced|complained|disabled|rejected|revoked)$/.test(text) ? 'bad'
      : /^(deferred|retrying|held|half_open|draft|scheduled|queued|sending|unknown|expired|suppressed|cancelled|rotating)$/.test(text) ? 'warn' : '';
  return h('span', { class: 'chip ' + tone }, text);
}

export function table(caption, headers, rows, emptyText) {
  if (rows.length === 0) return h('p', { class: 'muted' }, emptyText || 'Nothing here.');
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headers.map((x) => typeof x === 'string' ? h('th', { scope: 'col' }, x) : x))),
    h('tbody', {}, rows)));
}

/** Links to the first page and the next one of a cursor-paged list whose query is params, under the route base. */
export function pager(nextCursor, params, base) {
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

/** The query part of the hash route (#/notifications?status=…). */
export function hashParams() {
  const at = location.hash.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : location.hash.slice(at + 1));
}
