// API keys (admin keys only): list, create, rotate with an overlap, revoke. A secret is shown once, right after it is made.
import { api } from '../api.js';
import { clear, h } from '../dom.js';
import { when } from '../format.js';
import { chip, page, say, table } from '../layout.js';
import { grantableScopes } from '../openapi.js';
import { isAdmin } from '../state.js';

// How long the old secret keeps working after a rotation (the API takes 1 s to 7 days; it defaults to 24 h).
const OVERLAPS = [['5 minutes', 300], ['1 hour', 3600], ['24 hours', 86400], ['3 days', 259200], ['7 days', 604800]];

/** What a key is now, from the fields the API gives (a key may carry more fields than these; they are not shown). */
export function keyState(k, now = Date.now()) {
  if (k.revoked_at) return 'revoked';
  if (k.expires_at && Date.parse(k.expires_at) <= now) return 'expired';
  if (k.previous_secret_expires_at && Date.parse(k.previous_secret_expires_at) > now) return 'rotating';
  return 'active';
}

export async function keys(main) {
  page(main, 'API keys', h('p', { class: 'muted' }, 'Keys for services and people that call Herald. Give each the fewest scopes it needs; a secret is shown once, when it is made.'));
  if (!isAdmin()) {
    main.append(h('p', { class: 'muted' }, 'Managing API keys needs an admin key.'));
    return;
  }
  const [me, list] = await Promise.all([api('/api/v1/me'), api('/api/v1/keys')]);
  const secretPanel = h('section', { class: 'panel secret', 'aria-labelledby': 'secret-title', hidden: true });
  const results = h('section', { 'aria-label': 'Keys' });
  const dialog = h('dialog', { 'aria-labelledby': 'key-dialog-title' });
  main.append(createForm(showSecret, refresh), secretPanel, results, dialog);
  render(list.keys);

  async function refresh() {
    render((await api('/api/v1/keys')).keys);
  }

  function render(all) {
    // An environment column only once the API names one (keys belong to the default environment until then).
    const withEnvironment = all.some((k) => typeof k.environment === 'string');
    clear(results, table('API keys, oldest first', ['Name', 'Key', 'Scopes', withEnvironment ? 'Environment' : null, 'Created', 'Last used', 'Expires', 'State', 'Actions'].filter(Boolean),
      all.map((k) => {
        const state = keyState(k);
        const done = state === 'revoked';
        return h('tr', { 'data-id': k.id },
          h('td', { class: 'breakable' }, k.name || '—', k.id === me.id ? h('div', { class: 'muted' }, 'this session’s key') : null),
          h('td', { class: 'mono breakable' }, k.id, h('div', { class: 'muted' }, (k.prefix || '') + '…')),
          h('td', {}, (k.scopes || []).map((s) => h('div', {}, s))),
          withEnvironment ? h('td', {}, k.environment || '—') : null,
          h('td', {}, when(k.created_at)), h('td', {}, when(k.last_used_at)), h('td', {}, k.expires_at ? when(k.expires_at) : 'never'),
          h('td', {}, chip(state), state === 'rotating' ? h('div', { class: 'muted' }, 'old secret until ' + when(k.previous_secret_expires_at)) : null,
            done ? h('div', { class: 'muted' }, when(k.revoked_at)) : null),
          h('td', {}, h('div', { class: 'row' },
            h('button', { type: 'button', disabled: done || state === 'expired', 'aria-label': 'Rotate ' + (k.name || k.id), onclick: () => confirmRotate(k) }, 'Rotate'),
            h('button', { type: 'button', class: 'danger', disabled: done, 'aria-label': 'Revoke ' + (k.name || k.id), onclick: () => confirmRevoke(k) }, 'Revoke'))));
      }), 'No API keys yet.'));
  }

  function showSecret(title, secret) {
    const value = h('input', { id: 'new-secret', class: 'mono', readonly: true, value: secret, spellcheck: 'false', autocomplete: 'off', onfocus: (e) => e.target.select() });
    const heading = h('h2', { id: 'secret-title', tabindex: '-1' }, title);
    clear(secretPanel, heading,
      h('p', {}, h('strong', {}, 'Copy it now: you will not see it again.'), ' Herald keeps only a hash of it; if it is lost, rotate the key for a new one.'),
      h('div', { class: 'row' },
        h('label', { for: 'new-secret', class: 'grow' }, 'Secret', value),
        h('button', { type: 'button', class: 'primary', onclick: () => copy(value) }, 'Copy'),
        h('button', { type: 'button', onclick: () => { clear(secretPanel); secretPanel.hidden = true; say('The secret is no longer shown.'); } }, 'Done')));
    secretPanel.hidden = false;
    heading.focus();
  }

  async function copy(input) {
    try {
      await navigator.clipboard.writeText(input.value);
      say('Secret copied to the clipboard.');
    } catch {
      input.focus();
      say('Could not copy: the secret is selected, copy it with your keyboard.', true);
    }
  }

  function openDialog(title, text, confirmButton, ...fields) {
    const cancel = h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel');
    const error = h('p', { class: 'error', role: 'alert' });
    clear(dialog, h('h2', { id: 'key-dialog-title' }, title), text, fields, error, h('div', { class: 'row' }, confirmButton, cancel));
    dialog.showModal();
    return { error, cancel };
  }

  function confirmRevoke(k) {
    const confirm = h('button', { type: 'button', class: 'danger' }, 'Revoke key');
    const { error, cancel } = openDialog(`Revoke ${k.name || k.id}?`,
      [h('p', {}, 'Every Herald process refuses it within a second. This cannot be undone: a service that still uses it needs a new key.'),
        k.id === me.id ? h('p', { class: 'error' }, 'You are signed in with this key: revoking it signs you out.') : null],
      confirm);
    confirm.addEventListener('click', () => act(confirm, cancel, error, async () => {
      await api(`/api/v1/keys/${encodeURIComponent(k.id)}/revoke`, { method: 'POST' });
      dialog.close();
      say(`${k.name || k.id} revoked.`);
      await refresh();
    }));
    cancel.focus();
  }

  function confirmRotate(k) {
    const overlap = h('select', { id: 'overlap' }, OVERLAPS.map(([label, seconds]) => h('option', { value: seconds, selected: seconds === 86400 }, label)));
    const confirm = h('button', { type: 'button', class: 'primary' }, 'Rotate key');
    const { error, cancel } = openDialog(`Rotate ${k.name || k.id}?`,
      h('p', {}, 'The key gets a new secret, shown once. The old secret keeps working for the overlap, so services can switch without an outage.'),
      confirm, h('label', { for: 'overlap' }, 'Old secret keeps working for', overlap));
    confirm.addEventListener('click', () => act(confirm, cancel, error, async () => {
      const r = await api(`/api/v1/keys/${encodeURIComponent(k.id)}/rotate`, { method: 'POST', body: { overlap_seconds: Number(overlap.value) } });
      dialog.close();
      await refresh();
      showSecret(`New secret for ${r.key.name || r.key.id}`, r.secret);
      say(`${r.key.name || r.key.id} rotated; the old secret works until ${when(r.key.previous_secret_expires_at)}.`);
    }));
    overlap.focus();
  }

  async function act(confirm, cancel, error, work) {
    confirm.disabled = cancel.disabled = true;
    try {
      await work();
    } catch (err) {
      error.textContent = err.message;
    } finally {
      confirm.disabled = cancel.disabled = false;
    }
  }
}

/** The create form: a name, scopes from the server's own list, an optional expiry. */
function createForm(showSecret, refresh) {
  const scopeBoxes = h('div', { class: 'row', 'aria-busy': 'true' }, h('span', { class: 'muted' }, 'Loading the scopes…'));
  grantableScopes().then(
    (all) => clear(scopeBoxes, all.length ? all.map((s) => h('label', { class: 'inline' }, h('input', { type: 'checkbox', name: 'scope', value: s }), s))
      : h('span', { class: 'error' }, 'The server lists no scopes.')),
    (err) => clear(scopeBoxes, h('span', { class: 'error' }, 'Could not load the scopes: ' + err.message)))
    .finally(() => scopeBoxes.removeAttribute('aria-busy'));
  const form = h('form', {
    class: 'panel', 'aria-labelledby': 'create-title', onsubmit: async (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const body = { name: String(data.get('name') || '').trim(), scopes: data.getAll('scope') };
      if (data.get('expires_at')) body.expires_at = new Date(String(data.get('expires_at'))).toISOString();
      try {
        const r = await api('/api/v1/keys', { method: 'POST', body });
        form.reset();
        await refresh();
        showSecret(`Secret for ${r.key.name}`, r.secret);
        say(`Key ${r.key.name} created.`);
      } catch (err) {
        say(err.message, true);
      }
    },
  },
    h('h2', { id: 'create-title' }, 'Create a key'),
    h('div', { class: 'row' },
      h('label', { class: 'grow' }, 'Name', h('input', { name: 'name', required: true, maxlength: 100, placeholder: 'billing-service (production)' })),
      h('label', {}, 'Expires (optional)', h('input', { name: 'expires_at', type: 'datetime-local' }))),
    h('fieldset', {}, h('legend', {}, 'Scopes'), scopeBoxes),
    h('p', {}, h('button', { class: 'primary', type: 'submit' }, 'Create key')));
  return form;
}
