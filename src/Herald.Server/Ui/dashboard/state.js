// The one piece of state the dashboard's modules share: who is signed in. The API key lives in this tab's
// sessionStorage only; its scopes come from GET /api/v1/me. Every change goes through the functions below, so a reader
// can find each place that signs in or out.

let key = sessionStorage.getItem('herald.key');
let scopes = [];
const endListeners = new Set();

/** The API key of this tab's session, or null when signed out. */
export const apiKey = () => key;

/** The scopes of the signed-in key (empty when signed out). */
export const keyScopes = () => scopes;

export const isAdmin = () => scopes.includes('admin');

/** Starts (or resumes, after a reload) a session with a key the server accepted. */
export function beginSession(acceptedKey, acceptedScopes) {
  key = acceptedKey;
  scopes = acceptedScopes;
  sessionStorage.setItem('herald.key', key);
}

/** Ends the session (the operator signed out, or the server refused the key) and tells whoever listens why. */
export function endSession(message) {
  key = null;
  scopes = [];
  sessionStorage.removeItem('herald.key');
  for (const listener of endListeners) listener(message);
}

/** Calls listener(message) each time the session ends. */
export function onSessionEnd(listener) {
  endListeners.add(listener);
}
