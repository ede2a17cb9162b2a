// One template: versions, editor with live preview, diff between versions, publish.
import { api, CHANNELS } from '../api.js';
import { lineDiff } from '../diff.js';
import { clear, h } from '../dom.js';
import { when } from '../format.js';
import { chip, page, say, table } from '../layout.js';
import { isAdmin } from '../state.js';

function definitionOf(version) {
  const d = version?.definition || {};
  // "layout" absent: the environment's default layout; null: none; a string: that layout.
  return { description: version?.description || '', variables: d.variables || [], channels: d.channels || { in_app: { title: 'Hello {{name}}', body: '' } }, locales: d.locales || undefined, dedup: d.dedup || undefined, layout: d.layout };
}

export async function templateDetail(main, id) {
  let t = null;
  try {
    t = await api('/api/v1/templates/' + encodeURIComponent(id));
  } catch (err) {
    if (err.status !== 404) throw err;
  }
  page(main, 'Template ' + id);
  const versions = t?.versions || [];
  const editing = versions.at(-1);
  const pretty = (v) => JSON.stringify(definitionOf(v), null, 2);

  const versionsSection = h('section', { 'aria-label': 'Versions' }, h('h2', {}, 'Versions'),
    table(t ? `Published: ${t.published_version ? 'v' + t.published_version : 'none'}` : 'Not saved yet', ['Version', 'Status', 'Created', 'Published', 'Actions'],
      versions.slice().reverse().map((v) => h('tr', {}, h('td', {}, 'v' + v.version), h('td', {}, chip(v.status)), h('td', {}, when(v.created_at)), h('td', {}, when(v.published_at)),
        h('td', {}, h('div', { class: 'row' },
          h('button', { type: 'button', onclick: () => { editor.value = pretty(v); preview(); say(`Editing a copy of v${v.version}.`); } }, `Edit v${v.version}`),
          v.status === 'draft' ? h('button', { type: 'button', class: 'primary', disabled: !isAdmin(), onclick: () => publish(v.version) }, `Publish v${v.version}`) : null)))),
      'This template has no versions yet: write one below and save it.'));

  const editor = h('textarea', { id: 'tpl-editor', rows: 18, spellcheck: 'false', 'aria-describedby': 'tpl-help' }, pretty(editing));
  const channel = h('select', { id: 'tpl-channel' }, h('option', { value: '' }, 'every channel'), CHANNELS.map((c) => h('option', { value: c }, c)));
  const locale = h('input', { id: 'tpl-locale', placeholder: 'en', size: 8 });
  const zone = h('input', { id: 'tpl-zone', placeholder: 'UTC', size: 14 });
  const sample = h('textarea', { id: 'tpl-sample', rows: 6, spellcheck: 'false' }, JSON.stringify(Object.fromEntries((definitionOf(editing).variables || []).map((v) => [v, 'sample ' + v])), null, 2));
  const output = h('div', { id: 'tpl-preview', 'aria-live': 'polite' });
  let timer = null;

  async function preview() {
    let definition, data;
    try {
      definition = JSON.parse(editor.value);
      data = JSON.parse(sample.value || '{}');
    } catch (err) {
      clear(output, h('p', { class: 'error' }, 'Not valid JSON: ' + err.message));
      return;
    }
    try {
      // Rendering an unsaved draft needs the admin scope (it is any template its author likes); a read key previews the stored version.
      const r = await api(`/api/v1/templates/${encodeURIComponent(id)}/preview`, { method: 'POST', body: { definition: isAdmin() ? definition : undefined, data, channel: channel.value || undefined, locale: locale.value || undefined, time_zone: zone.value || undefined } });
      // An email's HTML (in its layout, partials resolved) is shown as a mail client would, in a sandbox: no scripts, no same origin.
      const value = (c, k, v) => c === 'email' && k === 'html'
        ? h('iframe', { class: 'email-frame', title: 'Email HTML preview', sandbox: '', srcdoc: v })
        : (typeof v === 'string' ? v : JSON.stringify(v));
      clear(output, Object.entries(r.channels).map(([c, parts]) => h('section', { class: 'preview-part', 'aria-label': c + ' preview' }, h('h3', {}, c),
        h('dl', { class: 'kv' }, Object.entries(parts || {}).map(([k, v]) => [h('dt', {}, k), h('dd', {}, value(c, k, v))])))),
        isAdmin() ? null : h('p', { class: 'muted' }, `Showing stored v${r.version}: previewing edits needs an admin key.`));
    } catch (err) {
      clear(output, h('p', { class: 'error' }, err.message));
    }
  }
  const schedule = () => { clearTimeout(timer); timer = setTimeout(preview, 250); };
  for (const el of [editor, sample, locale, zone]) el.addEventListener('input', schedule);
  channel.addEventListener('change', preview);

  const save = h('button', {
    type: 'button', class: 'primary', disabled: !isAdmin(), onclick: async () => {
      try {
        const d = JSON.parse(editor.value);
        const created = await api('/api/v1/templates', { method: 'POST', body: { template_id: id, description: d.description, variables: d.variables, channels: d.channels, locales: d.locales, dedup: d.dedup, layout: d.layout } });
        say(`Saved as v${created.version} (draft).`);
        await templateDetail(main, id);
        say(`Saved as v${created.version} (draft). Publish it to use it for new notifications.`);
      } catch (err) {
        say(err.message, true);
      }
    },
  }, 'Save as new version');

  async function publish(version) {
    try {
      await api(`/api/v1/templates/${encodeURIComponent(id)}/versions/${version}/publish`, { method: 'POST' });
      await templateDetail(main, id);
      say(`v${version} is published: new notifications use it.`);
    } catch (err) {
      say(err.message, true);
    }
  }

  const from = h('select', { id: 'diff-from' }, versions.map((v, i) => h('option', { value: v.version, selected: i === versions.length - 2 }, 'v' + v.version)));
  const to = h('select', { id: 'diff-to' }, versions.map((v, i) => h('option', { value: v.version, selected: i === versions.length - 1 }, 'v' + v.version)));
  const diffOut = h('div', { 'aria-live': 'polite' });
  const compare = () => {
    const a = versions.find((v) => String(v.version) === from.value), b = versions.find((v) => String(v.version) === to.value);
    const lines = lineDiff(pretty(a), pretty(b));
    const changed = lines.filter(([k]) => k !== ' ').length;
    clear(diffOut, h('p', { class: 'muted' }, changed ? `${changed} changed line${changed === 1 ? '' : 's'} from v${from.value} to v${to.value}` : 'The two versions are the same.'),
      h('ol', { class: 'diff', 'aria-label': `Differences from v${from.value} to v${to.value}` }, lines.map(([k, text]) =>
        h('li', { class: k === '+' ? 'add' : k === '-' ? 'del' : '' }, h('span', { 'aria-hidden': 'false' }, k === '+' ? '+ ' : k === '-' ? '- ' : '  '), text))));
  };

  main.append(versionsSection,
    h('section', { 'aria-label': 'Editor' }, h('h2', {}, 'Editor'),
      h('div', { class: 'split' },
        h('div', {},
          h('label', { for: 'tpl-editor' }, 'Definition (JSON: description, variables, channels, locales)'), editor,
          h('p', { id: 'tpl-help', class: 'muted' }, 'Handlebars placeholders such as {{name}}; partials as {{> name}}; {{formatDate at "D"}}, {{formatNumber n}} and {{formatCurrency total "EUR"}} in the recipient\'s locale and time zone; per-locale overrides under "locales"; content dedup for the event type under "dedup" ({"window": "PT1H", "urgent": false}); "layout": an email layout id, or null for none (absent: the environment\'s "default" layout). The preview updates as you type.'),
          h('div', { class: 'row' }, save, isAdmin() ? null : h('span', { class: 'muted' }, 'Saving and publishing need an admin key.'))),
        h('div', {},
          h('div', { class: 'row' }, h('label', { for: 'tpl-channel' }, 'Channel', channel), h('label', { for: 'tpl-locale' }, 'Locale', locale), h('label', { for: 'tpl-zone' }, 'Time zone', zone)),
          h('label', { for: 'tpl-sample' }, 'Sample data (JSON)'), sample,
          h('h3', {}, 'Preview'), output))),
    versions.length > 1 ? h('section', { 'aria-label': 'Compare versions' }, h('h2', {}, 'Compare versions'),
      h('div', { class: 'row' }, h('label', { for: 'diff-from' }, 'From', from), h('label', { for: 'diff-to' }, 'To', to), h('button', { type: 'button', onclick: compare }, 'Compare')), diffOut) : null);
  if (versions.length > 1) compare();
  preview();
}
