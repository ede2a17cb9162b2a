// What the server's OpenAPI document (/openapi/v1.json) says the dashboard may offer, so the dashboard keeps no copy of
// the server's vocabulary that could drift from it.
import { api } from './api.js';

let statuses = null;
let actions = null;
let scopes = null;

/**
 * The notification statuses GET /api/v1/notifications accepts as ?status=: the enum of that query parameter's schema.
 * Fetched once per page load and shared by every visit to the search. Empty when the document lists none: the filter
 * then offers no status rather than a guessed list. A failed fetch rejects and is tried again on the next call.
 */
export function notificationStatuses() {
  statuses ??= api('/openapi/v1.json').then(statusEnum, (err) => {
    statuses = null;
    throw err;
  });
  return statuses;
}

/** The audited actions GET /api/v1/audit accepts as ?action=, the same way (one fetch per page load, empty when none listed). */
export function auditActions() {
  actions ??= api('/openapi/v1.json').then((document) => queryEnum(document, '/api/v1/audit', 'action'), (err) => {
    actions = null;
    throw err;
  });
  return actions;
}

/**
 * The scopes POST /api/v1/keys accepts for a new key: the enum of the items of ApiKeyRequest's scopes, the same way (one
 * fetch per page load, empty when none listed).
 */
export function grantableScopes() {
  scopes ??= api('/openapi/v1.json').then((document) => {
    const request = resolve(document, document?.components?.schemas?.ApiKeyRequest);
    const items = resolve(document, request?.properties?.scopes)?.items;
    return [...new Set(enumOf(document, items).filter((value) => typeof value === 'string'))];
  }, (err) => {
    scopes = null;
    throw err;
  });
  return scopes;
}

function statusEnum(document) {
  return queryEnum(document, '/api/v1/notifications', 'status');
}

function queryEnum(document, path, name) {
  const operation = document?.paths?.[path]?.get;
  const parameter = (operation?.parameters ?? []).map((p) => resolve(document, p)).find((p) => p?.in === 'query' && p?.name === name);
  return [...new Set(enumOf(document, parameter?.schema).filter((value) => typeof value === 'string'))];
}

function enumOf(document, node) {
  const schema = resolve(document, node);
  if (Array.isArray(schema?.enum)) return schema.enum;
  // A nullable named schema may come as oneOf/anyOf [{ $ref }, { type: 'null' }].
  return [...(schema?.oneOf ?? []), ...(schema?.anyOf ?? [])].flatMap((member) => enumOf(document, member));
}

/** A node, or the node its local $ref (a JSON pointer such as #/components/schemas/NotificationStatus) points at. */
function resolve(document, node) {
  const ref = node?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
  return ref.slice(2).split('/').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~')).reduce((at, part) => at?.[part], document);
}
