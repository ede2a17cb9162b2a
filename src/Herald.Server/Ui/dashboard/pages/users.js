// Users: opened by id (there is no user list).
import { h } from '../dom.js';
import { page } from '../layout.js';

export async function users(main) {
  page(main, 'Users');
  const input = h('input', { name: 'user', required: true, placeholder: 'user id' });
  main.append(h('form', { class: 'panel row', role: 'search', onsubmit: (e) => { e.preventDefault(); location.hash = '#/users/' + encodeURIComponent(input.value.trim()); } },
    h('label', {}, 'User id', input), h('button', { class: 'primary', type: 'submit' }, 'Open')),
  h('p', { class: 'muted' }, 'Users are found by id; the notifications page searches by recipient.'));
  input.focus();
}
