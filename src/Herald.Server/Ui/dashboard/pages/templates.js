// Templates: the latest version of each, and a form to start a new one.
import { api } from '../api.js';
import { h } from '../dom.js';
import { when } from '../format.js';
import { chip, page, table } from '../layout.js';

export async function templates(main) {
  page(main, 'Templates');
  const list = await api('/api/v1/templates');
  const idInput = h('input', { name: 'template_id', required: true, pattern: '[A-Za-z0-9][A-Za-z0-9_.:-]*', placeholder: 'order.shipped' });
  main.append(table('Templates (latest version of each)', ['Template', 'Latest version', 'Status', 'Description', 'Created'],
    list.templates.map((t) => h('tr', {}, h('td', {}, h('a', { href: '#/templates/' + encodeURIComponent(t.template_id) }, t.template_id)),
      h('td', {}, 'v' + t.version), h('td', {}, chip(t.status)), h('td', {}, t.description || ''), h('td', {}, when(t.created_at)))),
    'No templates yet.'),
  h('form', { class: 'panel row', onsubmit: (e) => { e.preventDefault(); location.hash = '#/templates/' + encodeURIComponent(idInput.value.trim()); } },
    h('label', {}, 'New template id', idInput), h('button', { type: 'submit' }, 'Create')));
}
