// The inbox demo page: /inbox/demo?user=...&token=... opens the inbox at once; otherwise the form mints a token with an API key.
'use strict';
(() => {
  const params = new URLSearchParams(location.search);
  const slot = document.getElementById('inbox-slot');
  let apiKey = null;
  let user = null;

  function mount(u, token) {
    user = u;
    slot.replaceChildren();
    const inbox = document.createElement('herald-inbox');
    inbox.setAttribute('user', u);
    inbox.setAttribute('token', token);
    slot.append(inbox);
  }

  if (params.get('user') && params.get('token')) mount(params.get('user'), params.get('token'));

  document.getElementById('connect').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    const status = document.getElementById('connect-status');
    apiKey = form.get('key');
    const u = form.get('user').trim();
    const response = await fetch(`/api/v1/users/${encodeURIComponent(u)}/subscriber-token`, { method: 'POST', headers: { Authorization: 'Bearer ' + apiKey } });
    if (!response.ok) {
      status.textContent = `Herald refused: ${response.status}`;
      return;
    }
    mount(u, (await response.json()).token);
    status.textContent = `Inbox open for ${u}.`;
    document.getElementById('send').hidden = false;
  });

  document.getElementById('send').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    const status = document.getElementById('send-status');
    const headers = { Authorization: 'Bearer ' + apiKey, 'Content-Type': 'application/json' };
    // A one-off in-app template for the demo, published so the send can use it.
    const template = { template_id: 'demo.message', variables: ['title', 'body'], channels: { in_app: { title: '{{title}}', body: '{{body}}' } } };
    const created = await fetch('/api/v1/templates', { method: 'POST', headers, body: JSON.stringify(template) }).then((r) => r.json());
    await fetch(`/api/v1/templates/demo.message/versions/${created.version}/publish`, { method: 'POST', headers });
    const sent = await fetch('/api/v1/notifications', {
      method: 'POST', headers,
      body: JSON.stringify({ recipient_id: user, event_type: 'demo.message', channels: ['in_app'], data: { title: form.get('title'), body: form.get('body') } }),
    });
    status.textContent = sent.ok ? 'Sent; watch the bell.' : `Herald refused: ${sent.status}`;
  });
})();
