// <herald-preferences>: an end user's notification preferences as a web component, beside <herald-inbox>. Add it to any page:
//
//   <script src="https://herald.example.com/inbox/herald-preferences.js" defer></script>
//   <herald-preferences user="u_123" token="SUBSCRIBER_TOKEN" event-types="order.shipped comment.created"
//     channels="email push sms in_app"></herald-preferences>
//
// It shows one switch per event type and channel, quiet hours, and "send as a digest" for event types a digest rule covers,
// and saves them with the user's subscriber token (PUT /api/v1/users/{id}/preferences). Rules it does not show (other
// patterns, frequency caps, send windows) are kept as they are.
//
// Every text is translatable the way <herald-inbox>'s are: give the `strings` attribute a JSON object (or set the `strings`
// property) mapping keys of STRINGS below to your texts; {name} placeholders are filled in. Event types are labelled by the
// keys "event:<event type>" (the event type itself without one), channels by "channel:<channel>".
(() => {
  'use strict';
  const scriptOrigin = document.currentScript?.src ? new URL(document.currentScript.src).origin : location.origin;

  const STRINGS = {
    heading: 'Notification preferences',
    intro: 'Choose how you hear about each kind of notification.',
    eventColumn: 'Notification',
    digestColumn: 'Digest',
    toggle: '{channel} for {event}',
    digest: 'Bundle {event} into a digest',
    'channel:email': 'Email', 'channel:push': 'Push', 'channel:sms': 'SMS', 'channel:in_app': 'In-app', 'channel:webhook': 'Webhook',
    quietHours: 'Quiet hours',
    quietEnabled: 'Hold notifications during quiet hours',
    quietStart: 'From',
    quietEnd: 'Until',
    quietTimezone: 'Time zone',
    save: 'Save preferences',
    loading: 'Loading…',
    saving: 'Saving…',
    saved: 'Saved.',
    failed: 'Could not save: {detail}',
    unavailable: 'Preferences are unavailable ({detail}).',
    missing: 'Set the user and token attributes.',
  };

  const STYLE = `
    :host { color-scheme: light dark; --hp-bg: light-dark(#ffffff, #1a1f25); --hp-text: light-dark(#1b1f24, #e6e9ed); --hp-muted: light-dark(#545d68, #a3adb8);
      --hp-line: light-dark(#d5dae0, #333b44); --hp-accent: light-dark(#1f5fbf, #6ea8fe); --hp-accent-text: light-dark(#ffffff, #10161d);
      --hp-focus: light-dark(#1f5fbf, #9cc3ff); --hp-error: light-dark(#b42318, #ff8a80);
      display: block; max-width: 44rem; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--hp-text); background: var(--hp-bg); }
    :host([theme="light"]) { color-scheme: light; }
    :host([theme="dark"]) { color-scheme: dark; }
    * { box-sizing: border-box; }
    :focus-visible { outline: 3px solid var(--hp-focus); outline-offset: 2px; }
    form { border: 1px solid var(--hp-line); border-radius: 10px; padding: .8rem 1rem; }
    h2 { font-size: 1.1rem; margin: 0 0 .2rem; }
    p { margin: 0 0 .6rem; color: var(--hp-muted); }
    .scroll { overflow-x: auto; }
    table { border-collapse: collapse; width: 100%; margin-bottom: .8rem; }
    th, td { border-bottom: 1px solid var(--hp-line); padding: .45rem .5rem; text-align: center; }
    th[scope="row"], thead th:first-child { text-align: left; font-weight: 600; overflow-wrap: anywhere; }
    thead th { font-size: .85rem; color: var(--hp-muted); font-weight: 600; }
    input[type="checkbox"] { width: 1.15rem; height: 1.15rem; accent-color: var(--hp-accent); cursor: pointer; }
    fieldset { border: 1px solid var(--hp-line); border-radius: 8px; margin: 0 0 .8rem; padding: .5rem .8rem .7rem; }
    legend { font-weight: 600; padding: 0 .3rem; }
    .row { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: end; margin-top: .4rem; }
    label { display: inline-flex; gap: .4rem; align-items: center; }
    .field { flex-direction: column; align-items: flex-start; font-size: .85rem; color: var(--hp-muted); }
    .field input { font: inherit; color: var(--hp-text); background: var(--hp-bg); border: 1px solid var(--hp-line); border-radius: 6px; padding: .3rem .4rem; }
    button { font: inherit; cursor: pointer; border: 0; border-radius: 6px; padding: .45rem .9rem; background: var(--hp-accent); color: var(--hp-accent-text); font-weight: 600; }
    button:disabled { opacity: .6; cursor: default; }
    .status { display: inline-block; margin-left: .8rem; color: var(--hp-muted); }
    .status[data-kind="error"] { color: var(--hp-error); }`;

  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'class' || k.includes('-') || k === 'role' || k === 'for' || k === 'scope') e.setAttribute(k, v === true ? '' : v);
      else e[k] = v;
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }

  // Herald's own precedence (PreferenceMatcher): an exact event type beats the longest matching "prefix.*", which beats
  // "*"; for equal event specificity a named channel beats "*"; the first of equals wins.
  function score(rule, eventType, channel) {
    const channelBit = rule.channel === channel ? 1 : rule.channel === '*' ? 0 : -1;
    if (channelBit < 0) return -1;
    let eventScore = -1;
    if (rule.event_type === '*') eventScore = 0;
    else if (rule.event_type.endsWith('.*')) {
      const prefix = rule.event_type.slice(0, -1);
      if (eventType.length > prefix.length && eventType.startsWith(prefix)) eventScore = prefix.length;
    } else if (rule.event_type === eventType) eventScore = 1e6;
    return eventScore < 0 ? -1 : eventScore * 2 + channelBit;
  }

  function match(rules, eventType, channel, only = () => true) {
    let best = null;
    let bestScore = -1;
    for (const rule of rules) {
      if (!only(rule)) continue;
      const s = score(rule, eventType, channel);
      if (s > bestScore) { best = rule; bestScore = s; }
    }
    return best;
  }

  const list = (value, fallback) => (value || fallback).split(/[\s,]+/).filter(Boolean);
  const localZone = () => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; } };

  let instances = 0;

  class HeraldPreferences extends HTMLElement {
    static get observedAttributes() { return ['strings']; }

    constructor() {
      super();
      this.attachShadow({ mode: 'open' });
      this.uid = 'herald-preferences-' + (++instances);
      this.rules = [];
      this.digestOptions = [];
      this.customStrings = null;
    }

    get server() { return (this.getAttribute('server') || scriptOrigin).replace(/\/$/, ''); }
    get user() { return this.getAttribute('user') || ''; }
    get token() { return this.getAttribute('token') || ''; }
    get eventTypes() { return [...new Set(list(this.getAttribute('event-types'), ''))]; }
    get channels() { return [...new Set(list(this.getAttribute('channels'), 'email push sms in_app'))]; }
    get url() { return `${this.server}/api/v1/users/${encodeURIComponent(this.user)}/preferences`; }

    /** Texts in place of the defaults (an object of STRINGS keys); the attribute takes the same object as JSON. */
    get strings() { return { ...STRINGS, ...this.attributeStrings(), ...(this.customStrings || {}) }; }
    set strings(value) {
      this.customStrings = value && typeof value === 'object' ? value : null;
      if (this.loaded) this.render();
    }

    attributeStrings() {
      try { return JSON.parse(this.getAttribute('strings') || '{}') || {}; } catch { return {}; }
    }

    t(key, vars = {}) {
      const text = this.strings[key] ?? key;
      return String(text).replace(/\{(\w+)\}/g, (m, name) => (name in vars ? vars[name] : m));
    }

    eventLabel(eventType) { return this.strings['event:' + eventType] ?? eventType; }
    channelLabel(channel) { return this.strings['channel:' + channel] ?? channel; }

    attributeChangedCallback() { if (this.loaded) this.render(); }

    connectedCallback() {
      if (!this.shadowRoot.firstChild) this.mountStyles();
      if (!this.user || !this.token) {
        this.showMessage(this.t('missing'), 'error');
        return;
      }
      this.load();
    }

    mountStyles() {
      const root = this.shadowRoot;
      if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(STYLE);
        root.adoptedStyleSheets = [sheet];
      } else {
        root.append(el('style', {}, STYLE));
      }
    }

    showMessage(text, kind) {
      this.setAttribute('data-state', kind === 'error' ? 'error' : 'loading');
      this.shadowRoot.querySelector('form, p.message')?.remove();
      this.shadowRoot.append(el('p', { class: 'message', role: 'status', 'aria-live': 'polite' }, text));
    }

    async load() {
      this.showMessage(this.t('loading'));
      try {
        this.accept(await this.call('GET'));
        this.loaded = true;
        this.render();
        this.setAttribute('data-state', 'ready');
      } catch (e) {
        this.showMessage(this.t('unavailable', { detail: e.message }), 'error');
      }
    }

    accept(body) {
      this.rules = body.rules || [];
      this.digestOptions = body.digest_options || [];
    }

    /** The user's effective choices, read from the rules the way Herald applies them. */
    model() {
      const rules = this.rules;
      const quietRule = match(rules, '*', '*', (r) => r.event_type === '*' && r.channel === '*' && r.quiet_hours)
        || rules.find((r) => this.eventTypes.includes(r.event_type) && r.quiet_hours);
      const digests = new Map(this.digestOptions.map((o) => [o.event_type, o.digest_by_default]));
      return {
        enabled: (et, ch) => match(rules, et, ch)?.enabled ?? true,
        digestAllowed: (et) => digests.has(et),
        digest: (et) => match(rules, et, '*', (r) => r.channel === '*' && typeof r.digest === 'boolean')?.digest ?? digests.get(et),
        quiet: quietRule?.quiet_hours || null,
      };
    }

    render() {
      const m = this.model();
      const channels = this.channels;
      const anyDigest = this.eventTypes.some((et) => m.digestAllowed(et));
      const columnId = (c) => `${this.uid}-col-${c}`;
      const rowId = (i) => `${this.uid}-row-${i}`;
      const head = el('tr', {}, el('th', { scope: 'col' }, this.t('eventColumn')),
        channels.map((c) => el('th', { scope: 'col', id: columnId(c) }, this.channelLabel(c))),
        anyDigest ? el('th', { scope: 'col', id: columnId('digest') }, this.t('digestColumn')) : null);
      const rows = this.eventTypes.map((et, i) => el('tr', { 'data-event-type': et },
        el('th', { scope: 'row', id: rowId(i) }, this.eventLabel(et)),
        channels.map((c) => el('td', {}, el('input', {
          type: 'checkbox', checked: m.enabled(et, c), 'data-event-type': et, 'data-channel': c,
          'aria-label': this.t('toggle', { channel: this.channelLabel(c), event: this.eventLabel(et) }),
        }))),
        anyDigest ? el('td', {}, m.digestAllowed(et)
          ? el('input', { type: 'checkbox', class: 'digest', checked: !!m.digest(et), 'data-event-type': et, 'aria-label': this.t('digest', { event: this.eventLabel(et) }) })
          : null) : null));
      const q = m.quiet;
      this.quietEnabled = el('input', { type: 'checkbox', name: 'quiet', checked: !!q, onchange: () => this.syncQuiet() });
      this.quietStart = el('input', { type: 'time', name: 'start', value: q?.start || '22:00', required: true });
      this.quietEnd = el('input', { type: 'time', name: 'end', value: q?.end || '07:00', required: true });
      this.quietZone = el('input', { type: 'text', name: 'timezone', value: q?.timezone || localZone(), autocomplete: 'off', spellcheck: false, required: true });
      this.status = el('span', { class: 'status', role: 'status', 'aria-live': 'polite' });
      this.saveButton = el('button', { type: 'submit' }, this.t('save'));
      const headingId = this.uid + '-heading';
      const form = el('form', { 'aria-labelledby': headingId, onsubmit: (e) => { e.preventDefault(); this.save(); } },
        el('h2', { id: headingId }, this.t('heading')),
        el('p', {}, this.t('intro')),
        el('div', { class: 'scroll' }, el('table', {}, el('thead', {}, head), el('tbody', {}, rows))),
        el('fieldset', {}, el('legend', {}, this.t('quietHours')),
          el('label', {}, this.quietEnabled, this.t('quietEnabled')),
          el('div', { class: 'row' },
            el('label', { class: 'field' }, this.t('quietStart'), this.quietStart),
            el('label', { class: 'field' }, this.t('quietEnd'), this.quietEnd),
            el('label', { class: 'field' }, this.t('quietTimezone'), this.quietZone))),
        el('div', {}, this.saveButton, this.status));
      this.shadowRoot.querySelector('form, p.message')?.remove();
      this.shadowRoot.append(form);
      this.syncQuiet();
    }

    syncQuiet() {
      for (const input of [this.quietStart, this.quietEnd, this.quietZone]) input.disabled = !this.quietEnabled.checked;
    }

    /**
     * The rules to save: the user's other rules as they were, the shown ones (event type × channel, and the digest choice on the
     * event type's "*" rule) with their other settings kept, and quiet hours on each rule it writes and on the "*" rule, since
     * only the one rule Herald picks for a delivery applies.
     */
    rulesToSave() {
      const m = this.model();
      const shown = new Set(this.eventTypes);
      const quiet = this.quietEnabled.checked
        ? { start: this.quietStart.value, end: this.quietEnd.value, timezone: this.quietZone.value.trim() }
        : null;
      const exact = (et, ch) => this.rules.find((r) => r.event_type === et && r.channel === ch);
      const managed = new Set([...this.channels, '*']);
      const kept = this.rules.filter((r) => !(shown.has(r.event_type) && managed.has(r.channel)) && !(r.event_type === '*' && r.channel === '*'));
      const everything = exact('*', '*');
      const written = [];
      if (everything || quiet) written.push({ ...(everything || { event_type: '*', channel: '*', enabled: true }), quiet_hours: quiet });
      const boxes = [...this.shadowRoot.querySelectorAll('input[data-channel]')];
      for (const et of this.eventTypes) {
        for (const box of boxes.filter((b) => b.dataset.eventType === et)) {
          written.push({ ...(exact(et, box.dataset.channel) || {}), event_type: et, channel: box.dataset.channel, enabled: box.checked, quiet_hours: quiet });
        }
        const digestBox = this.shadowRoot.querySelector(`input.digest[data-event-type="${CSS.escape(et)}"]`);
        const any = exact(et, '*');
        if (digestBox || any) {
          // Its enabled is what applied before, so channels not shown keep their behaviour.
          const rule = { ...(any || {}), event_type: et, channel: '*', enabled: any ? any.enabled : m.enabled(et, '*'), quiet_hours: quiet };
          if (digestBox) rule.digest = digestBox.checked;
          written.push(rule);
        }
      }
      return [...kept, ...written];
    }

    async save() {
      this.setAttribute('data-state', 'saving');
      this.saveButton.disabled = true;
      this.status.dataset.kind = '';
      this.status.textContent = this.t('saving');
      try {
        this.accept(await this.call('PUT', { rules: this.rulesToSave() }));
        const focused = this.shadowRoot.activeElement;
        const key = focused?.dataset?.channel ? `input[data-event-type="${CSS.escape(focused.dataset.eventType)}"][data-channel="${CSS.escape(focused.dataset.channel)}"]` : 'button';
        this.render();
        this.shadowRoot.querySelector(key)?.focus();
        this.status.textContent = this.t('saved');
        this.setAttribute('data-state', 'saved');
        this.dispatchEvent(new CustomEvent('herald-saved', { detail: { rules: this.rules } }));
      } catch (e) {
        this.status.dataset.kind = 'error';
        this.status.textContent = this.t('failed', { detail: e.message });
        this.setAttribute('data-state', 'error');
      } finally {
        this.saveButton.disabled = false;
      }
    }

    async call(method, body) {
      const headers = { 'X-Herald-Subscriber-Token': this.token };
      if (body) headers['Content-Type'] = 'application/json';
      const response = await fetch(this.url, { method, headers, body: body ? JSON.stringify(body) : undefined });
      const json = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(json.detail || String(response.status));
      return json;
    }
  }

  if (!customElements.get('herald-preferences')) customElements.define('herald-preferences', HeraldPreferences);
})();
