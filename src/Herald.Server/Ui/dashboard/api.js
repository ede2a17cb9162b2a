// Herald's own API, called with the signed-in key. Every list is paged by the server (cursor + limit).
import { apiKey, endSession } from './state.js';

/** Rows per page: every list is one cursor page of the API. */
export const PAGE = 25;
export const CHANNELS = ['push', 'email', 'sms', 'in_app', 'webhook'];

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/**
 * Calls the API with the session's key and answers the JSON body; an error answer throws an ApiError carrying its
 * problem details. A refused key ends the session, except when options.key is a key being tried at sign-in.
 */
export async function api(path, options = {}) {
  const signingIn = options.key !== undefined;
  const headers = { Authorization: 'Bearer ' + (signingIn ? options.key : apiKey()) };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method: options.method || 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  let data = null;
  if (text && (response.headers.get('content-type') || '').includes('json')) data = JSON.parse(text);
  if (response.status === 401 && !signingIn) {
    endSession('The API key was refused; sign in again.');
    throw new ApiError(401, data);
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** A query string of the parameters that have a value ('' when none has). */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}
