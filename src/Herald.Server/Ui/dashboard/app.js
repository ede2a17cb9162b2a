// Herald dashboard: native ES modules, no build step, no dependencies. This entry module ties the session (state.js)
// to the frame (shell.js) and routes the hash (#/page/id?query) to one page module at a time. Pages talk to Herald's
// own API (api.js) with the key the operator signed in with.
import { api } from './api.js';
import { clear, h } from './dom.js';
import { audit } from './pages/audit.js';
import { deadLetters } from './pages/dead-letters.js';
import { keys } from './pages/keys.js';
import { notificationDetail } from './pages/notification.js';
import { notifications } from './pages/notifications.js';
import { overview } from './pages/overview.js';
import { providers } from './pages/providers.js';
import { templateDetail } from './pages/template.js';
import { templates } from './pages/templates.js';
import { userDetail } from './pages/user.js';
import { users } from './pages/users.js';
import { applyTheme, renderShell, renderSignIn } from './shell.js';
import { apiKey, beginSession, onSessionEnd } from './state.js';

// A page is async (view, ...decoded path parts) and may answer a function that stops it (the overview's refresh).
const ROUTES = [
  [/^#\/overview$/, overview],
  [/^#\/notifications\/([^/?]+)$/, notificationDetail],
  [/^#\/notifications$/, notifications],
  [/^#\/dead-letters$/, deadLetters],
  [/^#\/templates\/([^/?]+)$/, templateDetail],
  [/^#\/templates$/, templates],
  [/^#\/users\/([^/?]+)$/, userDetail],
  [/^#\/users$/, users],
  [/^#\/providers$/, providers],
  [/^#\/keys$/, keys],
  [/^#\/audit$/, audit],
];

// The router's own: how to stop the page on screen.
let stopPage = null;

function leavePage() {
  if (stopPage) stopPage();
  stopPage = null;
}

async function route() {
  const main = document.getElementById('main');
  if (!apiKey() || !main) return;
  leavePage();
  const path = (location.hash || '#/overview').split('?')[0];
  const match = ROUTES.map(([re, page]) => [path.match(re), page]).find(([m]) => m);
  for (const a of document.querySelectorAll('.side nav a')) {
    if (path.startsWith(a.getAttribute('href'))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!match) {
    location.replace('#/overview');
    return;
  }
  const [m, render] = match;
  // Each route renders into its own view: a page still waiting for the API when the next route starts finishes into a
  // detached view, so two pages never mix (and its cleanup runs at once).
  const view = h('div', { class: 'view' }, h('p', { class: 'muted' }, 'Loading…'));
  clear(main, view);
  try {
    const stop = await render(view, ...m.slice(1).map(decodeURIComponent)) || null;
    if (view.isConnected) stopPage = stop;
    else if (stop) stop();
  } catch (err) {
    if (err.status !== 401 && view.isConnected) clear(view, h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, err.message));
  }
}

function showShell() {
  renderShell();
  route();
}

applyTheme();
onSessionEnd((message) => {
  leavePage();
  renderSignIn(message, showShell);
});
window.addEventListener('hashchange', route);
document.querySelector('.skip')?.addEventListener('click', (e) => { e.preventDefault(); document.getElementById('main')?.focus(); });
if (!apiKey()) {
  renderSignIn(undefined, showShell);
} else {
  // A reload keeps the tab's key; its scopes are asked again (a refused key ends the session and shows the sign-in).
  api('/api/v1/me').then((me) => { beginSession(apiKey(), me.scopes); showShell(); }).catch(() => {});
}
