// The frame around the pages: the sign-in form, the side bar (navigation, key scopes, theme, sign out) and the theme.
import { api, ApiError } from './api.js';
import { clear, h } from './dom.js';
import { beginSession, endSession, keyScopes } from './state.js';

const THEMES = ['system', 'light', 'dark'];

const NAV = [
  ['#/overview', 'Overview'],
  ['#/notifications', 'Notifications'],
  ['#/dead-letters', 'Dead letters'],
  ['#/templates', 'Templates'],
  ['#/users', 'Users'],
  ['#/providers', 'Providers & endpoints'],
  ['#/keys', 'API keys'],
  ['#/audit', 'Audit'],
];

/** Applies the theme chosen in this browser (localStorage), or the system's, and answers its name. */
export function applyTheme() {
  const theme = localStorage.getItem('herald.theme') || 'system';
  if (theme === 'system') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', theme);
  return theme;
}

function logo() {
  return h('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true', fill: 'none', stroke: 'currentColor', 'stroke-width': '2' },
    h('path', { d: 'M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9' }), h('path', { d: 'M10.3 21a1.94 1.94 0 0 0 3.4 0' }));
}

/** The sign-in form (with why the last session ended, if it did); calls signedIn() once a key with read or admin is accepted. */
export function renderSignIn(message, signedIn) {
  const input = h('input', { id: 'api-key', type: 'password', autocomplete: 'current-password', required: true });
  const status = h('p', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' }, message ? h('span', { class: 'error' }, message) : '');
  const form = h('form', {
    class: 'panel', onsubmit: async (e) => {
      e.preventDefault();
      const key = input.value.trim();
      try {
        const me = await api('/api/v1/me', { key });
        if (!['notifications:read', 'content:read', 'admin'].some((s) => me.scopes.includes(s))) throw new ApiError(403, { detail: 'this key has neither the notifications:read nor the admin scope' });
        beginSession(key, me.scopes);
        if (!location.hash || location.hash === '#/signin') location.hash = '#/overview';
        signedIn();
      } catch (err) {
        clear(status, h('span', { class: 'error' }, err.status === 401 ? 'That API key is not valid.' : err.message));
      }
    },
  },
    h('h1', {}, 'Sign in to Herald'),
    h('p', { class: 'muted' }, 'Use an API key with the read scope to look, or the admin scope to act (replay, publish, edit).'),
    h('label', { for: 'api-key' }, 'API key', input),
    h('p', {}, h('button', { class: 'primary', type: 'submit' }, 'Sign in')),
    status);
  clear(document.getElementById('app'), h('main', { id: 'main', class: 'signin', tabindex: '-1' }, form));
  document.title = 'Sign in · Herald';
  input.focus();
}

/** The signed-in frame with an empty main element for the router to fill. */
export function renderShell() {
  const themeButton = h('button', { type: 'button', id: 'theme' });
  const setThemeLabel = () => { themeButton.textContent = 'Theme: ' + applyTheme(); };
  themeButton.addEventListener('click', () => {
    const current = localStorage.getItem('herald.theme') || 'system';
    localStorage.setItem('herald.theme', THEMES[(THEMES.indexOf(current) + 1) % THEMES.length]);
    setThemeLabel();
  });
  setThemeLabel();
  const shell = h('div', { class: 'shell' },
    h('header', { class: 'side' },
      h('div', { class: 'brand' }, logo(), 'Herald'),
      h('nav', { 'aria-label': 'Main' }, h('ul', {}, NAV.map(([href, label]) => h('li', {}, h('a', { href }, label))))),
      h('div', { class: 'foot' },
        h('span', {}, 'Key scopes: ' + keyScopes().join(', ')),
        themeButton,
        h('button', { type: 'button', onclick: () => endSession() }, 'Sign out'))),
    h('main', { id: 'main', tabindex: '-1' }));
  clear(document.getElementById('app'), shell);
}
