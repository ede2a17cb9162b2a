// The preferences demo page: /inbox/preferences-demo?user=...&token=...&event_types=a,b[&channels=email,push] mounts the component.
'use strict';
(() => {
  const params = new URLSearchParams(location.search);
  const slot = document.getElementById('preferences-slot');
  if (!params.get('user') || !params.get('token')) {
    slot.textContent = 'Give user, token and event_types in the query string.';
    return;
  }

  const preferences = document.createElement('herald-preferences');
  preferences.setAttribute('user', params.get('user'));
  preferences.setAttribute('token', params.get('token'));
  preferences.setAttribute('event-types', params.get('event_types') || '');
  if (params.get('channels')) preferences.setAttribute('channels', params.get('channels'));
  slot.append(preferences);
})();
