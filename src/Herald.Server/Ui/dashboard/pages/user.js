// One user: profile, devices, preferences (quiet hours with a time-zone picker), feed preview.
import { api, CHANNELS } from '../api.js';
import { clear, h } from '../dom.js';
import { when } from '../format.js';
import { chip, page, say, table } from '../layout.js';
import { isAdmin } from '../state.js';

const ZONES = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];

function zonePicker(id, value) {
  return h('select', { id }, h('option', { value: '' }, '(the user\'s time zone)'), ZONES.map((z) => h('option', { value: z, selected: z === value }, z)));
}

export async function userDetail(main, id) {
  const enc = encodeURIComponent(id);
  const [profile, devices, preferences, feed] = await Promise.all([
    api(`/api/v1/users/${enc}`).catch((err) => { if (err.status === 404) return null; throw err; }),
    api(`/api/v1/users/${enc}/devices`), api(`/api/v1/users/${enc}/preferences`), api(`/api/v1/users/${enc}/feed?limit=10`).catch((err) => { if (err.status === 403) return null; throw err; })]);
  page(main, 'User ' + id, h('p', {}, h('a', { href: '#/notifications?recipient_id=' + enc }, 'Their notifications')));

  const f = (name, label, value) => h('label', {}, label, h('input', { name, value: value || '' }));
  const tz = zonePicker('profile-tz', profile?.timezone);
  tz.name = 'timezone';
  tz.firstChild.textContent = '(none: UTC)';
  const profileForm = h('form', {
    class: 'panel', onsubmit: async (e) => {
      e.preventDefault();
      const d = new FormData(profileForm);
      try {
        await api(`/api/v1/users/${enc}`, { method: 'PUT', body: { email: d.get('email') || null, phone: d.get('phone') || null, locale: d.get('locale') || null, timezone: d.get('timezone') || null } });
        say('Profile saved.');
      } catch (err) {
        say(err.message, true);
      }
    },
  }, h('h2', {}, 'Profile'), profile ? null : h('p', { class: 'muted' }, 'No profile stored yet.'),
  h('div', { class: 'row' }, f('email', 'Email', profile?.email), f('phone', 'Phone', profile?.phone), f('locale', 'Locale', profile?.locale), h('label', { for: 'profile-tz' }, 'Time zone', tz)),
  h('p', {}, h('button', { class: 'primary', type: 'submit', disabled: !isAdmin() }, 'Save profile')));

  const deviceRows = devices.devices.map((d) => h('tr', {}, h('td', { class: 'mono' }, d.id), h('td', {}, d.platform), h('td', { class: 'mono' }, d.token), h('td', {}, d.app_version || ''), h('td', {}, when(d.created_at)),
    h('td', {}, h('button', {
      type: 'button', class: 'danger', disabled: !isAdmin(), onclick: async () => {
        await api(`/api/v1/users/${enc}/devices/${encodeURIComponent(d.id)}`, { method: 'DELETE' });
        await userDetail(main, id);
        say('Device removed.');
      },
    }, 'Remove'))));

  const rulesBox = h('div', {});
  const rules = (preferences.rules || []).map((r) => ({ ...r }));
  const drawRules = () => clear(rulesBox, rules.length ? null : h('p', { class: 'muted' }, 'No rules: every event type goes to every channel, any time.'), rules.map((r, i) => {
    const n = i + 1;
    const channel = h('select', { id: `rule-${n}-channel`, onchange: () => { r.channel = channel.value || null; } }, h('option', { value: '' }, 'any channel'), CHANNELS.map((c) => h('option', { value: c, selected: r.channel === c }, c)));
    const zone = zonePicker(`rule-${n}-tz`, r.quiet_hours?.timezone);
    const quiet = () => {
      const start = document.getElementById(`rule-${n}-qs`).value, end = document.getElementById(`rule-${n}-qe`).value;
      r.quiet_hours = start && end ? { start, end, timezone: zone.value || null } : null;
    };
    zone.addEventListener('change', quiet);
    return h('fieldset', { class: 'panel' }, h('legend', {}, `Rule ${n}`),
      h('div', { class: 'row' },
        h('label', {}, 'Event type or pattern', h('input', { value: r.event_type || '', placeholder: 'order.* (any)', oninput: (e) => { r.event_type = e.target.value || null; } })),
        h('label', { for: `rule-${n}-channel` }, 'Channel', channel),
        h('label', { class: 'inline' }, h('input', { type: 'checkbox', checked: r.enabled !== false, onchange: (e) => { r.enabled = e.target.checked; } }), 'Enabled'),
        h('label', {}, 'At most per day', h('input', { type: 'number', min: 1, value: r.frequency_cap ?? '', oninput: (e) => { r.frequency_cap = e.target.value ? Number(e.target.value) : null; } }))),
      h('div', { class: 'row' },
        h('label', { for: `rule-${n}-qs` }, 'Quiet from', h('input', { id: `rule-${n}-qs`, type: 'time', value: r.quiet_hours?.start || '', oninput: quiet })),
        h('label', { for: `rule-${n}-qe` }, 'Quiet until', h('input', { id: `rule-${n}-qe`, type: 'time', value: r.quiet_hours?.end || '', oninput: quiet })),
        h('label', { for: `rule-${n}-tz` }, 'Quiet hours time zone', zone),
        h('button', { type: 'button', class: 'danger', onclick: () => { rules.splice(i, 1); drawRules(); } }, `Remove rule ${n}`)));
  }));
  drawRules();
  const prefs = h('section', { class: 'panel', 'aria-label': 'Preferences' }, h('h2', {}, 'Preferences'), rulesBox,
    h('div', { class: 'row' },
      h('button', { type: 'button', onclick: () => { rules.push({ enabled: true }); drawRules(); } }, 'Add rule'),
      h('button', {
        type: 'button', class: 'primary', disabled: !isAdmin(), onclick: async () => {
          try {
            const clean = rules.map((r) => ({ event_type: '*', ...Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null && v !== undefined && v !== '')) }));
            await api(`/api/v1/users/${enc}/preferences`, { method: 'PUT', body: { rules: clean } });
            say('Preferences saved.');
          } catch (err) {
            say(err.message, true);
          }
        },
      }, 'Save preferences')));

  main.append(profileForm,
    h('section', { class: 'panel', 'aria-label': 'Devices' }, h('h2', {}, 'Devices'), table('Push devices (tokens masked)', ['Device', 'Platform', 'Token', 'App version', 'Added', ''], deviceRows, 'No devices.')),
    prefs,
    h('section', { class: 'panel', 'aria-label': 'Feed' }, feed === null
      ? [h('h2', {}, 'In-app feed'), h('p', { class: 'muted' }, 'Reading a user\'s feed needs a key with the content:read scope.')]
      : [h('h2', {}, `In-app feed (${feed.unread_count} unread)`),
        table('The ten newest items', ['Created', 'Title', 'Body', 'Read'], feed.notifications.map((i) => h('tr', {}, h('td', {}, when(i.created_at)), h('td', {}, i.title || ''), h('td', {}, i.body || ''), h('td', {}, i.read ? 'read' : chip('unread')))), 'The feed is empty.')]));
}
