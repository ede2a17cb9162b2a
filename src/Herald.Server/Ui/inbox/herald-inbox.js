// <herald-inbox>: Herald's in-app inbox as a web component. Add it to any page:
//
//   <script src="https://herald.example.com/inbox/herald-inbox.js" defer></script>
//   <herald-inbox user="u_123" token="SUBSCRIBER_TOKEN"></herald-inbox>
//
// The token comes from your backend (POST /api/v1/users/{id}/subscriber-token, or minted there with the subscriber
// secret); it reads and marks this user's feed only, and it expires: when Herald refuses it the component fires
// `herald-token-expired`, and setting a fresh `token` attribute reconnects. Live updates arrive over Server-Sent Events,
// opened with a short-lived stream ticket (EventSource cannot send headers, and the token stays out of URLs). Every feed
// item carries a sequence number: after a dropped connection the component reconnects from the highest one it holds, so
// items sent meanwhile arrive once, none lost, none doubled.
// Every text is translatable: give the `strings` attribute a JSON object (or set the `strings` property) mapping keys of
// STRINGS below to your texts; {name} placeholders are filled in. `lang` on the element sets how times are written.
(() => {
  'use strict';
  const scriptOrigin = document.currentScript?.src ? new URL(document.currentScript.src).origin : location.origin;

  // A feed item's link becomes an href in the host page: only http(s) and relative URLs, resolved the browser's way, so
  // a javascript: or data: link (from event data, or stored before the server checked links) never runs there.
  const safeHref = (url) => {
    if (typeof url !== 'string' || url.trim() === '') return null;
    try {
      const u = new URL(url, document.baseURI);
      return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
    } catch {
      return null;
    }
  };

  const CSS = `
    :host { color-scheme: light dark; --hi-bg: light-dark(#ffffff, #1a1f25); --hi-text: light-dark(#1b1f24, #e6e9ed); --hi-muted: light-dark(#545d68, #a3adb8);
      --hi-line: light-dark(#d5dae0, #333b44); --hi-accent: light-dark(#1f5fbf, #6ea8fe); --hi-badge: light-dark(#b42318, #ff8a80);
      --hi-badge-text: light-dark(#ffffff, #1b1f24); --hi-unread: light-dark(#eef4ff, #1f2a3a); --hi-focus: light-dark(#1f5fbf, #9cc3ff);
      position: relative; display: inline-block; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--hi-text); }
    :host([theme="light"]) { color-scheme: light; }
    :host([theme="dark"]) { color-scheme: dark; }
    * { box-sizing: border-box; }
    :focus-visible { outline: 3px solid var(--hi-focus); outline-offset: 2px; }
    button { font: inherit; color: inherit; cursor: pointer; }
    .bell { position: relative; background: var(--hi-bg); border: 1px solid var(--hi-line); border-radius: 999px; width: 2.6rem; height: 2.6rem; display: grid; place-items: center; }
    .bell svg { width: 1.3rem; height: 1.3rem; }
    .badge { position: absolute; top: -.35rem; right: -.35rem; min-width: 1.3rem; height: 1.3rem; padding: 0 .3rem; border-radius: 999px; background: var(--hi-badge);
      color: var(--hi-badge-text); font-size: .75rem; font-weight: 700; display: grid; place-items: center; }
    .badge[hidden] { display: none; }
    .panel { position: absolute; right: 0; top: calc(100% + .5rem); width: min(24rem, calc(100vw - 1.5rem)); max-height: min(32rem, 80vh); display: flex; flex-direction: column;
      background: var(--hi-bg); border: 1px solid var(--hi-line); border-radius: 10px; box-shadow: 0 10px 30px rgb(0 0 0 / .18); z-index: 1000; }
    .panel[hidden] { display: none; }
    header { display: flex; align-items: center; gap: .5rem; padding: .6rem .8rem; border-bottom: 1px solid var(--hi-line); }
    h2 { font-size: 1rem; margin: 0; flex: 1; }
    .state { font-size: .75rem; color: var(--hi-muted); display: inline-flex; align-items: center; gap: .3rem; }
    .state::before { content: ""; width: .5rem; height: .5rem; border-radius: 50%; background: var(--hi-muted); }
    .state[data-state="live"]::before { background: #1a7f37; }
    .state[data-state="reconnecting"]::before, .state[data-state="offline"]::before { background: var(--hi-badge); }
    .link { background: none; border: 0; color: var(--hi-accent); padding: .2rem; font-size: .85rem; }
    .link:disabled { color: var(--hi-muted); cursor: default; }
    ul { list-style: none; margin: 0; padding: 0; overflow-y: auto; }
    li { border-bottom: 1px solid var(--hi-line); padding: .6rem .8rem; display: grid; grid-template-columns: 1fr auto; gap: .2rem .5rem; }
    li.unread { background: var(--hi-unread); }
    .title { font-weight: 600; overflow-wrap: anywhere; }
    .unread .title::before { content: ""; display: inline-block; width: .5rem; height: .5rem; border-radius: 50%; background: var(--hi-accent); margin-right: .4rem; vertical-align: 1px; }
    .body { grid-column: 1; color: var(--hi-text); overflow-wrap: anywhere; }
    .body a { color: var(--hi-accent); }
    time { grid-column: 1; font-size: .75rem; color: var(--hi-muted); }
    .actions { grid-column: 2; grid-row: 1 / span 3; display: flex; flex-direction: column; gap: .2rem; align-items: flex-end; }
    .empty, .more { padding: 1rem .8rem; color: var(--hi-muted); text-align: center; }
    .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }`;

  const STRINGS = {
    connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline', missing: 'Set the user and token attributes.',
    heading: 'Notifications', bellNone: 'Notifications, none unread', bellUnread: 'Notifications, {count} unread',
    markAll: 'Mark all as read', empty: 'You are all caught up.', older: 'Show older', open: 'Open',
    markRead: 'Mark read', markReadLabel: 'Mark read: {title}', archive: 'Archive', archiveLabel: 'Archive: {title}', read: 'Read.', unread: 'Unread.',
  };

  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'class' || k.includes('-') || k === 'role' || k === 'for') e.setAttribute(k, v === true ? '' : v);
      else e[k] = v;
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }

  let instances = 0;

  class HeraldInbox extends HTMLElement {
    static get observedAttributes() { return ['strings', 'lang', 'token']; }

    constructor() {
      super();
      this.attachShadow({ mode: 'open' });
      this.items = new Map(); // seq → item: each feed item once, whatever the stream sends again
      this.rows = new Map(); // seq → li
      this.unread = 0;
      this.lastSeq = 0;
      this.cursor = null;
      this.source = null;
      this.retry = 0;
      this.uid = 'herald-inbox-' + (++instances);
      this.customStrings = null;
    }

    /** Texts in place of the defaults (an object of STRINGS keys); the attribute takes the same object as JSON. */
    get strings() { return { ...STRINGS, ...this.attributeStrings(), ...(this.customStrings || {}) }; }
    set strings(value) {
      this.customStrings = value && typeof value === 'object' ? value : null;
      this.relabel();
    }

    attributeStrings() {
      try { return JSON.parse(this.getAttribute('strings') || '{}') || {}; } catch { return {}; }
    }

    t(key, vars = {}) {
      const text = this.strings[key] ?? key;
      return String(text).replace(/\{(\w+)\}/g, (m, name) => (name in vars ? vars[name] : m));
    }

    /** Writes every text again (the strings or the language changed): the fixed parts, the state, and each row. */
    relabel() {
      if (!this.bell) return;
      this.heading.textContent = this.t('heading');
      this.list.setAttribute('aria-label', this.t('heading'));
      this.panel.setAttribute('aria-label', this.t('heading'));
      this.markAll.textContent = this.t('markAll');
      this.empty.textContent = this.t('empty');
      this.moreButton.textContent = this.t('older');
      const state = this.stateText.dataset.state;
      if (state && !this.stateDetail) this.stateText.textContent = this.t(state);
      for (const [seq, item] of this.items) {
        const li = this.row(item);
        this.rows.get(seq)?.replaceWith(li);
        this.rows.set(seq, li);
      }
      this.updateBadge();
    }

    get server() { return (this.getAttribute('server') || scriptOrigin).replace(/\/$/, ''); }
    get user() { return this.getAttribute('user') || ''; }
    get token() { return this.getAttribute('token') || ''; }
    get feedUrl() { return `${this.server}/api/v1/users/${encodeURIComponent(this.user)}/feed`; }

    connectedCallback() {
      if (!this.bell) this.render();
      if (this.user && this.token) this.start();
      else this.setState('offline', this.t('missing'));
    }

    attributeChangedCallback(name, before, after) {
      if (name !== 'token') {
        this.relabel(); // the strings or the language changed
        return;
      }

      // A fresh token (the old one expired): reconnect with it, from the highest sequence number held.
      if (before !== null && after !== before && this.isConnected && this.bell && this.user && after) {
        this.retry = 0;
        if (this.items.size || this.lastSeq) this.open(); else this.start();
      }
    }

    disconnectedCallback() {
      this.stop();
      document.removeEventListener('keydown', this.onKey);
    }

    render() {
      const root = this.shadowRoot;
      if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      } else {
        root.append(el('style', {}, CSS));
      }
      this.badge = el('span', { class: 'badge', 'aria-hidden': 'true', hidden: true });
      this.bell = el('button', { class: 'bell', type: 'button', 'aria-expanded': 'false', 'aria-controls': this.uid + '-panel', onclick: () => this.toggle() });
      this.bell.innerHTML = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/></svg>';
      this.bell.append(this.badge);
      this.stateText = el('span', { class: 'state', role: 'status', 'aria-live': 'polite', 'data-state': 'connecting' }, this.t('connecting'));
      this.markAll = el('button', { class: 'link', type: 'button', onclick: () => this.readAll() }, this.t('markAll'));
      this.list = el('ul', { 'aria-label': this.t('heading') });
      this.empty = el('p', { class: 'empty' }, this.t('empty'));
      this.moreButton = el('button', { class: 'link', type: 'button', onclick: () => this.loadMore() }, this.t('older'));
      this.more = el('div', { class: 'more', hidden: true }, this.moreButton);
      this.heading = el('h2', {}, this.t('heading'));
      this.panel = el('section', { class: 'panel', id: this.uid + '-panel', role: 'region', 'aria-label': this.t('heading'), hidden: true },
        el('header', {}, this.heading, this.stateText, this.markAll), this.list, this.empty, this.more);
      this.onKey = (e) => {
        if (e.key === 'Escape' && !this.panel.hidden) {
          this.toggle(false);
          this.bell.focus();
        }
      };
      root.append(this.bell, this.panel);
      this.updateBadge();
    }

    toggle(open = this.panel.hidden) {
      this.panel.hidden = !open;
      this.bell.setAttribute('aria-expanded', String(open));
      // Escape closes the open panel wherever the focus is (a button that just went disabled leaves it on the page).
      if (open) document.addEventListener('keydown', this.onKey);
      else document.removeEventListener('keydown', this.onKey);
      if (open) (this.list.querySelector('button') || this.markAll).focus();
    }

    async start() {
      this.setState('connecting');
      try {
        const page = await this.call('GET', `${this.feedUrl}?limit=20`);
        for (const item of page.notifications) this.add(item, false);
        this.cursor = page.next_cursor;
        this.more.hidden = !this.cursor;
        this.setUnread(page.unread_count);
        this.lastSeq = Math.max(this.lastSeq, ...page.notifications.map((i) => i.seq));
        this.open();
      } catch {
        this.reconnectLater();
      }
    }

    stop() {
      this.attempt = (this.attempt || 0) + 1; // an open() still waiting for its ticket gives up
      this.source?.close();
      this.source = null;
      clearTimeout(this.timer);
    }

    /**
     * One stream from the highest sequence number held: the server sends what came after it, then new items as they come.
     * Each (re)connect asks for a new stream ticket with the token in a header, so only a ticket valid for a minute is
     * ever in a URL.
     */
    async open() {
      this.stop();
      const attempt = (this.attempt = (this.attempt || 0) + 1);
      let ticket;
      try {
        ticket = (await this.call('POST', `${this.feedUrl}/stream-ticket`)).ticket;
      } catch {
        if (attempt === this.attempt) this.reconnectLater();
        return;
      }
      // A newer open() (a new token, a reconnect) started while this one waited for its ticket: it wins.
      if (attempt !== this.attempt) return;
      const url = `${this.feedUrl}/stream?ticket=${encodeURIComponent(ticket)}&last_event_id=${this.lastSeq}`;
      const source = new EventSource(url);
      this.source = source;
      source.onopen = () => { this.retry = 0; this.setState('live'); };
      source.addEventListener('notification', (e) => {
        const item = JSON.parse(e.data);
        this.add(item, true);
        this.lastSeq = Math.max(this.lastSeq, item.seq);
      });
      source.addEventListener('unread_count', (e) => this.setUnread(JSON.parse(e.data).unread_count));
      // Reconnects are ours (not EventSource's), always from the highest sequence number held, with backoff.
      source.onerror = () => {
        source.close();
        if (this.source === source) this.reconnectLater();
      };
    }

    reconnectLater() {
      this.setState(navigator.onLine === false ? 'offline' : 'reconnecting');
      const delay = Math.min(10000, 500 * 2 ** this.retry++) * (0.75 + Math.random() / 2);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => (this.items.size || this.lastSeq ? this.open() : this.start()), delay);
    }

    setState(state, detail) {
      this.setAttribute('data-state', state);
      this.stateText.dataset.state = state;
      this.stateDetail = detail;
      this.stateText.textContent = detail || this.t(state);
    }

    setUnread(count) {
      this.unread = count;
      this.setAttribute('data-unread', String(count));
      this.updateBadge();
      this.dispatchEvent(new CustomEvent('herald-unread', { detail: { unread: count } }));
    }

    updateBadge() {
      this.badge.hidden = this.unread === 0;
      this.badge.textContent = this.unread > 99 ? '99+' : String(this.unread);
      this.bell.setAttribute('aria-label', this.unread === 0 ? this.t('bellNone') : this.t('bellUnread', { count: this.unread }));
      this.markAll.disabled = this.unread === 0;
    }

    add(item, live) {
      if (this.items.has(item.seq)) return;
      this.items.set(item.seq, item);
      const li = this.row(item);
      this.rows.set(item.seq, li);
      // Newest first: before the first row with a lower sequence number.
      const before = [...this.list.children].find((x) => Number(x.dataset.seq) < item.seq);
      if (before) this.list.insertBefore(li, before); else this.list.append(li);
      this.empty.hidden = this.items.size > 0;
      if (live) this.dispatchEvent(new CustomEvent('herald-notification', { detail: item }));
    }

    row(item) {
      const title = el('div', { class: 'title' }, item.title || item.event_type);
      const href = safeHref(item.action_url);
      const body = el('div', { class: 'body' }, href
        ? el('a', { href, onclick: () => this.read(item) }, item.body || this.t('open'))
        : (item.body || ''));
      const time = el('time', { dateTime: item.created_at }, new Date(item.created_at).toLocaleString(this.closest('[lang]')?.lang || undefined, { dateStyle: 'medium', timeStyle: 'short' }));
      const label = item.title || item.event_type;
      const actions = el('div', { class: 'actions' },
        item.read ? null : el('button', { class: 'link read', type: 'button', 'aria-label': this.t('markReadLabel', { title: label }), onclick: () => this.read(item) }, this.t('markRead')),
        el('button', { class: 'link archive', type: 'button', 'aria-label': this.t('archiveLabel', { title: label }), onclick: () => this.archive(item) }, this.t('archive')));
      const li = el('li', { class: item.read ? 'read' : 'unread', 'data-seq': String(item.seq), 'data-id': item.notification_id },
        title, el('span', { class: 'sr' }, item.read ? this.t('read') : this.t('unread')), body, time, actions);
      return li;
    }

    async read(item) {
      if (item.read) return;
      const r = await this.call('POST', `${this.feedUrl}/${encodeURIComponent(item.notification_id)}/read`);
      item.read = true;
      const old = this.rows.get(item.seq);
      const focusNext = old?.contains(this.shadowRoot.activeElement);
      const li = this.row(item);
      old?.replaceWith(li);
      this.rows.set(item.seq, li);
      if (focusNext) li.querySelector('button')?.focus();
      this.setUnread(r.unread_count);
    }

    async archive(item) {
      const r = await this.call('POST', `${this.feedUrl}/${encodeURIComponent(item.notification_id)}/archive`);
      const li = this.rows.get(item.seq);
      const next = li?.nextElementSibling || li?.previousElementSibling;
      li?.remove();
      this.rows.delete(item.seq);
      this.items.delete(item.seq);
      this.empty.hidden = this.items.size > 0;
      (next?.querySelector('button') || this.markAll).focus();
      this.setUnread(r.unread_count);
    }

    async readAll() {
      const r = await this.call('POST', `${this.feedUrl}/read-all`);
      const hadFocus = this.shadowRoot.activeElement === this.markAll;
      for (const item of this.items.values()) {
        if (item.read) continue;
        item.read = true;
        const li = this.row(item);
        this.rows.get(item.seq)?.replaceWith(li);
        this.rows.set(item.seq, li);
      }
      this.setUnread(r.unread_count);
      if (hadFocus) (this.list.querySelector('button') || this.bell).focus();
    }

    async loadMore() {
      if (!this.cursor) return;
      const page = await this.call('GET', `${this.feedUrl}?limit=20&cursor=${encodeURIComponent(this.cursor)}`);
      for (const item of page.notifications) this.add(item, false);
      this.cursor = page.next_cursor;
      this.more.hidden = !this.cursor;
    }

    async call(method, url) {
      const response = await fetch(url, { method, headers: { 'X-Herald-Subscriber-Token': this.token } });
      if (response.status === 401) this.dispatchEvent(new CustomEvent('herald-token-expired', { detail: { user: this.user } }));
      if (!response.ok) throw new Error(`Herald answered ${response.status}`);
      return response.json();
    }
  }

  if (!customElements.get('herald-inbox')) customElements.define('herald-inbox', HeraldInbox);
})();
